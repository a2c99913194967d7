"""Staff single sign-on: the button's redirect to the company's provider, and its callback.

Both answer 404 while single sign-on is off. Whatever goes wrong (the provider unreachable, a
cancelled or replayed sign-in, an answer that fails verification, a person the portal does not
let in) shows the sign-in page with what happened, and writes nothing but the refusal's audit
entry. Failed callbacks count against the client's address like failed password sign-ins.
"""

from __future__ import annotations

import logging

from flask import abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.accounts import oidc, staff_sso, throttle
from portal.accounts.forms import SignInForm
from portal.accounts.views import begin_session
from portal.core import rate_limits
from portal.core.extensions import db
from portal.core.links import absolute_url, safe_redirect_path
from portal.people.access import account_bp, home_endpoint

log = logging.getLogger("portal.accounts.oidc")

NEXT_KEY = "sso_next"  # where to go after signing in, kept in the session across the provider


def _configured() -> oidc.OidcSettings:
    configured = oidc.settings()
    if configured is None:
        abort(404)
    return configured


def _sign_in_page(
    message: str, status: int, headers: dict[str, str] | None = None
) -> ResponseReturnValue:
    """The sign-in page (its form posting to /sign-in) saying what went wrong."""
    form = SignInForm(formdata=None)
    form.form_errors.append(message)
    page = render_template(
        "accounts/sign_in.html", form=form, sign_in_action=url_for("auth.sign_in")
    )
    return page, status, headers or {}


@account_bp.get("/sign-in/sso")
def sso_start() -> ResponseReturnValue:
    """Send a member of staff to sign in at the company's provider."""
    _configured()
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    try:
        response = oidc.authorization_redirect(absolute_url("auth.sso_callback"))
    except oidc.ProviderError as problem:
        log.warning("Single sign-on could not start: %s", problem.detail)
        return _sign_in_page(problem.message, problem.status)
    next_path = safe_redirect_path(request.args.get("next"))
    if next_path:
        session[NEXT_KEY] = next_path
    else:
        session.pop(NEXT_KEY, None)
    return response


@account_bp.get("/sign-in/sso/callback")
def sso_callback() -> ResponseReturnValue:
    """Where the provider sends the person back: verify, find or make the account, sign in."""
    configured = _configured()
    address = request.remote_addr or "unknown"
    wait = throttle.address_retry_after(address)
    if wait:
        return _sign_in_page(rate_limits.retry_message(wait), 429, {"Retry-After": str(wait)})
    try:
        identity = oidc.finish_sign_in()
        user = staff_sso.sign_in(
            identity,
            role_claim=configured.role_claim,
            role_map=configured.role_map,
            provider=configured.provider_name,
        )
    except oidc.ProviderError as problem:
        db.session.rollback()
        throttle.record_address_failure(address)
        log.warning("Single sign-on failed: %s", problem.detail)
        return _sign_in_page(problem.message, problem.status)
    except staff_sso.SsoRefusal as refusal:
        db.session.rollback()
        staff_sso.record_refusal(refusal, configured.provider_name)
        db.session.commit()
        throttle.record_address_failure(address)
        return _sign_in_page(refusal.message, 403)
    next_path = safe_redirect_path(session.pop(NEXT_KEY, None))
    begin_session(user, remember=False)
    db.session.commit()
    return redirect(next_path or url_for(home_endpoint(user)))
