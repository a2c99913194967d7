"""The language switch in every page's footer: anyone may change the language of their pages.

A signed-in person's choice is saved on their account (users.language, as a candidate's profile
does, and audited the same way), so their email follows it too; every choice is also kept in a
cookie (`portal_language`), which is what the pages before sign-in read. Then back to the page
the switch was used on.
"""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from portal.accounts.languages import language_code
from portal.accounts.profile import save_language
from portal.core.extensions import db
from portal.core.i18n import _, remember_language
from portal.core.inputs import InputError
from portal.core.links import safe_redirect_path
from portal.people.access import account_bp


class LanguageForm(FlaskForm):
    """The switch: the language's code, and the page to go back to."""

    language = StringField()
    next = HiddenField()


@account_bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Show the portal in the chosen language from now on (CSRF-checked like every POST)."""
    form = LanguageForm()
    try:
        code = language_code(form.language.data or "")
    except InputError:
        code = ""
    if not form.validate_on_submit() or not code:
        abort(400, _("Choose one of the portal's languages."))
    if current_user.is_authenticated and save_language(current_user._get_current_object(), code):
        db.session.commit()
    response = redirect(safe_redirect_path(form.next.data) or url_for("auth.index"))
    remember_language(response, code)
    return response
