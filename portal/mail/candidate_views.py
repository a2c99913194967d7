"""The candidate's choice of how much email the portal sends them."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs

from portal.core.extensions import db
from portal.core.forms import add_error
from portal.core.i18n import _, _l
from portal.mail import cadence, preferences
from portal.mail.preferences import CHOICES
from portal.people.access import candidate_bp, signed_in_candidate

_VALUES = {str(choice.value) for choice in CHOICES}


def _one_of_the_choices(_form: Form, field: Field) -> None:
    if field.data not in _VALUES:
        raise ValidationError(_("Choose one of the three options."))


class MailPreferenceForm(FlaskForm):
    preference = RadioField(
        _l("How much email would you like from us?"),
        choices=[SelectChoice(str(choice.value), choice.label) for choice in CHOICES],
        validate_choice=False,  # _one_of_the_choices says what is wrong, in words
        validators=[_one_of_the_choices],
    )


@candidate_bp.route("/email-preferences", methods=["GET", "POST"])
def email_preferences() -> ResponseReturnValue:
    """Everything, a weekly summary, or essentials only; what always comes whatever the choice."""
    candidate = signed_in_candidate()
    profile = candidate.profile
    # The saved choice is shown on GET only: a POST without a choice must not fall back to it.
    form = MailPreferenceForm(
        data={"preference": profile.mail_preference} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        try:
            changed = preferences.set_preference(candidate, form.preference.data)
        except preferences.PreferenceError as error:
            db.session.rollback()
            add_error(form.preference, str(error))
        else:
            db.session.commit()
            chosen = next(c for c in CHOICES if c.value == form.preference.data)
            if changed:
                flash(_("Saved: “%(choice)s” from now on.", choice=chosen.label), "success")
            else:
                flash(
                    _("Nothing changed: you already had “%(choice)s”.", choice=chosen.label), "info"
                )
            return redirect(url_for("candidate.email_preferences"))
    status = 422 if request.method == "POST" else 200
    rules = cadence.Rules.from_config(current_app.config)
    return render_template(
        "mail/email_preferences.html",
        candidate=candidate,
        form=form,
        choices={str(choice.value): choice for choice in CHOICES},
        rules=rules,
        batch_minutes=int(rules.batch.total_seconds() // 60),
    ), status
