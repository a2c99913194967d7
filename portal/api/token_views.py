"""A recruiter's or HR person's own API tokens: list, create (read only, or read and write;
shown once), revoke."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import DataRequired

from portal.api import tokens as api_tokens
from portal.api.models import TokenScope
from portal.core.extensions import db
from portal.core.forms import OneLineField, ask_first, filled
from portal.core.i18n import _, _l
from portal.people.access import account_bp
from portal.people.models import User


class ApiTokenForm(FlaskForm):
    name = OneLineField(
        _l("Name"),
        max_length=api_tokens.NAME_MAX_LENGTH,
        what=_l("a name"),
        validators=[
            DataRequired(_l("Give the token a name, such as the system that will use it."))
        ],
        description=_l("What will use it, e.g. “ATS sync”. Only you see it."),
        render_kw={"autocomplete": "off"},
    )
    scope = RadioField(
        _l("What may it do?"),
        choices=[
            SelectChoice(TokenScope.READ.value, _l("Read only")),
            SelectChoice(TokenScope.WRITE.value, _l("Read and write")),
        ],
        default=TokenScope.READ.value,
        validate_choice=False,  # validate_scope says what is wrong in words
    )

    def validate_scope(self, field: Field) -> None:
        if field.data not in {scope.value for scope in TokenScope}:
            raise ValidationError(_("Choose “Read only” or “Read and write”."))


# What each scope lets a token do, beside its choice on the form.
SCOPE_HINTS = {
    TokenScope.READ.value: _l("Candidates with their status and reasons, and their events."),
    TokenScope.WRITE.value: _l(
        "Also add candidates (one, or many at once), change their joining details and their "
        "recruiter, as you could in the portal."
    ),
}


def _api_user() -> User:
    """Recruiters and HR only; a candidate gets 404, as for any page not theirs."""
    user = current_user._get_current_object()
    if not api_tokens.may_use_api(user):
        abort(404)
    return user


def _api_base() -> str:
    return current_app.config["BASE_URL"] + "/api/v1"


def _list_page(user: User, form: ApiTokenForm, status: int = 200) -> tuple[str, int]:
    tokens = api_tokens.for_user(user)
    return render_template(
        "api/tokens.html", tokens=tokens, form=form, api_base=_api_base(), hints=SCOPE_HINTS
    ), status


@account_bp.get("/account/api-tokens")
@login_required
def api_tokens_page() -> ResponseReturnValue:
    """One's own API tokens and a form for a new one."""
    return _list_page(_api_user(), ApiTokenForm())


@account_bp.post("/account/api-tokens")
@login_required
def create_api_token() -> ResponseReturnValue:
    """Create a token and show it, this once (never in a redirect, a flash or a cookie)."""
    user = _api_user()
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _list_page(user, form, 422)
    token, plaintext = api_tokens.create(user, filled(form.name.data), TokenScope(form.scope.data))
    db.session.commit()
    return render_template(
        "api/token_created.html", token=token, plaintext=plaintext, api_base=_api_base()
    )


@account_bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's own tokens; it stops working at once."""
    user = _api_user()
    token = api_tokens.owned_by(user, token_id)
    if token is None:
        abort(404)
    asking = ask_first(
        _("Revoke the token “%(name)s”?", name=token.name),
        detail=_(
            "Whatever uses it stops getting answers at once; a revoked token cannot be "
            "brought back."
        ),
        button=_("Yes, revoke it"),
        cancel=url_for("auth.api_tokens_page"),
    )
    if asking is not None:
        return asking
    if api_tokens.revoke(token, by=user):
        db.session.commit()
        flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.api_tokens_page"))
