"""Sign-in, sign-out, invitations and passwords."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from functools import partial

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.accounts import passwords, signing_in, throttle, tokens
from portal.accounts import sessions as auth_sessions
from portal.accounts.credentials import set_password
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    NewPasswordForm,
    SignInForm,
)
from portal.accounts.login import SESSION_KEY
from portal.accounts.models import TokenPurpose
from portal.core import rate_limits
from portal.core.extensions import db
from portal.core.forms import add_error, filled
from portal.core.i18n import (
    LANGUAGE_COOKIE,
    _,
    _l,
    in_language,
    ngettext,
    reader_language,
    remember_language,
)
from portal.core.links import safe_redirect_path
from portal.events import log as events
from portal.events.models import EventKind
from portal.mail import jobs as mail_jobs
from portal.people.access import account_bp, home_endpoint
from portal.people.models import Role, User

log = logging.getLogger("portal.accounts")

WRONG_CREDENTIALS = _l("That email and password do not match an account.")
TOKEN_PROBLEMS = {
    tokens.TokenProblem.UNKNOWN: (
        404,
        _l("This link is not valid. Check that you copied all of it."),
    ),
    tokens.TokenProblem.EXPIRED: (410, _l("This link has expired.")),
    tokens.TokenProblem.USED: (410, _l("This link has already been used.")),
    tokens.TokenProblem.REVOKED: (
        410,
        _l(
            "This link no longer works: a newer link replaced it, or the account's email "
            "address, password or role changed since it was sent."
        ),
    ),
}


def begin_session(user: User, remember: bool) -> None:
    """A brand-new session on every sign-in (password, link or single sign-on): nothing from
    before survives, and the sign-in is counted."""
    previous = session.get(SESSION_KEY)
    if previous:
        auth_sessions.revoke(previous)
    hours = current_app.config["SESSION_HOURS"]
    lifetime = (
        timedelta(days=current_app.config["REMEMBER_ME_DAYS"])
        if remember
        else timedelta(hours=hours)
    )
    key = auth_sessions.start(
        user,
        lifetime=lifetime,
        remember=remember,
        user_agent=request.user_agent.string,
        ip_address=request.remote_addr or "",
    )
    signing_in.record_sign_in(user.id)
    session.clear()
    session[SESSION_KEY] = key
    session.permanent = remember


def _record_sign_in(user: User) -> None:
    """A candidate's sign-in is an engagement event (staff sign-ins are not about candidates)."""
    if user.role == Role.CANDIDATE:
        events.record(user.id, EventKind.SIGNED_IN)


@account_bp.get("/")
def index() -> ResponseReturnValue:
    """Send people to the home that fits their role."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return redirect(url_for("auth.sign_in"))


@account_bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Sign in with email and password."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for(home_endpoint(current_user)))
    form = SignInForm()
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        email, address = filled(form.email.data), request.remote_addr or "unknown"
        retry_after = throttle.sign_in_retry_after(email, address)
        if retry_after:
            status, headers = 429, {"Retry-After": str(retry_after)}
            form.form_errors.append(
                ngettext(
                    "Too many attempts. Wait %(num)d second, then try again, "
                    "or reset your password.",
                    "Too many attempts. Wait %(num)d seconds, then try again, "
                    "or reset your password.",
                    retry_after,
                )
            )
        else:
            outcome, user = signing_in.authenticate(email, filled(form.password.data))
            if user is not None:
                throttle.clear_account(email)
                begin_session(user, form.remember.data)
                _record_sign_in(user)
                db.session.commit()
                target = safe_redirect_path(request.args.get("next"))
                return _remembering(user, redirect(target or url_for(home_endpoint(user))))
            throttle.record_sign_in_failure(email, address)
            db.session.commit()  # the failure's audit entry
            form.form_errors.append(
                _("This account has been closed. Contact your HR team if this is a mistake.")
                if outcome is signing_in.SignInOutcome.DEACTIVATED
                else str(WRONG_CREDENTIALS)
            )
    elif form.is_submitted():
        status = 422
    return render_template("accounts/sign_in.html", form=form), status, headers


@account_bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """Sign this browser out; the old session cookie stops working everywhere."""
    key = session.get(SESSION_KEY)
    language = reader_language()
    if key:
        auth_sessions.revoke(key)
        db.session.commit()
    session.clear()
    flash(_("You are signed out."), "info")
    # The sign-in page that follows stays in the language they were reading.
    response = redirect(url_for("auth.sign_in"))
    remember_language(response, language)
    return response


def _remembering(user: User, response: Response) -> Response:
    """A signed-in answer that also remembers their language for the pages before sign-in
    (after signing out, a link from an email)."""
    remember_language(response, user.language)
    return response


def _token_problem_page(check: tokens.TokenCheck, purpose: TokenPurpose) -> tuple[str, int]:
    assert check.problem is not None  # noqa: S101 - only called for a failed check
    status, message = TOKEN_PROBLEMS[check.problem]
    page = render_template("accounts/link_problem.html", message=message, purpose=purpose)
    return page, status


def _in_link_language(person: User | None) -> AbstractContextManager[None]:
    """The page an emailed link opens is in the language its email was written in (the
    person's, which HR may have chosen for a new candidate), unless the visitor has chosen one
    with the footer's switch (its cookie)."""
    if person is None or request.cookies.get(LANGUAGE_COOKIE) in current_app.config["LANGUAGES"]:
        return nullcontext()
    return in_language(person.language)


def _choose_password_from_link(
    token: str, purpose: TokenPurpose, template: str, done: object
) -> ResponseReturnValue:
    """The invitation and reset pages: GET or HEAD shows the form (never using the link up),
    a valid POST uses the link, sets the password and signs the person in afresh."""
    check = tokens.check(token, purpose)
    if not check.ok:
        return _token_problem_page(check, purpose)
    person = check.token.user if check.token else None
    with _in_link_language(person):
        return _password_form_from_link(token, purpose, template, done, person)


def _password_form_from_link(
    token: str, purpose: TokenPurpose, template: str, done: object, person: User | None
) -> ResponseReturnValue:
    form = NewPasswordForm()
    form.personal_words = passwords.personal_words(person)
    if form.validate_on_submit():
        user = signing_in.set_password_from_link(token, purpose, filled(form.password.data))
        if user is None:  # another browser used the link a moment ago
            db.session.rollback()
            return _token_problem_page(tokens.check(token, purpose), purpose)
        begin_session(user, remember=False)
        _record_sign_in(user)
        db.session.commit()
        with in_language(user.language):  # the next page is in theirs
            flash(str(done), "success")
        return _remembering(user, redirect(url_for(home_endpoint(user))))
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, invited=person), status


@account_bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    """Accept an invitation by choosing a password."""
    return _choose_password_from_link(
        token,
        TokenPurpose.INVITATION,
        "accounts/accept_invitation.html",
        _l("Welcome! Your account is ready."),
    )


def _reset_request_wait(email: str) -> int:
    """Seconds before this address may be sent another reset link, or ask for one from this
    client: counted the same whether or not the address has an account, and a refused request
    does nothing (so the link sent last keeps working)."""
    config = current_app.config
    keys = [
        (
            config["PASSWORD_RESET_LIMITS_PER_ACCOUNT"],
            "reset:account:" + rate_limits.private_key(email),
        ),
        (config["PASSWORD_RESET_LIMITS_PER_ADDRESS"], "reset:ip:" + (request.remote_addr or "")),
    ]
    wait = max(rate_limits.retry_after(limits, key) for limits, key in keys)
    if not wait:
        for limits, key in keys:
            rate_limits.record(limits, key)
    return wait


def _send_reset_link(user_id: int | None) -> None:
    """After the answer: the link, its email, and sending it (what fails to go stays queued
    for the worker). Nothing for an address that gets no link."""
    if user_id is None:
        return
    email = signing_in.send_reset_link(user_id)
    db.session.commit()
    if email is not None:
        mail_jobs.deliver([email.id])


def _after_response(response: Response, work: Callable[[], None]) -> None:
    """Run `work()` once the answer has gone (the server closes the response), in an app
    context of its own, so that none of its time shows in how long the answer took."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:  # the answer is sent: nobody to tell but the log
                db.session.rollback()
                log.exception("Work after the response failed: %r", work)

    response.call_on_close(run)


@account_bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link. The answer is the same, and as fast, whether or not the address has
    an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        address = filled(form.email.data)
        wait = _reset_request_wait(address)
        if wait:
            form.form_errors.append(
                _(
                    "%(wait)s A reset link sent earlier still works.",
                    wait=rate_limits.retry_message(wait),
                )
            )
            page = render_template("accounts/forgot_password.html", form=form)
            return page, 429, {"Retry-After": str(wait)}
        # The look-up and the audit entry now, the same for every address; the link, its email
        # and the mail server after the answer, so no address answers faster than another.
        user_id = signing_in.note_reset_request(address)
        db.session.commit()
        flash(
            ngettext(
                "If that address has an account, a reset link is on its way. "
                "It works for %(num)d hour.",
                "If that address has an account, a reset link is on its way. "
                "It works for %(num)d hours.",
                current_app.config["PASSWORD_RESET_HOURS"],
            ),
            "info",
        )
        response = redirect(url_for("auth.sign_in"))
        _after_response(response, partial(_send_reset_link, user_id))
        return response
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


@account_bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password from a reset link; every old session is signed out."""
    return _choose_password_from_link(
        token,
        TokenPurpose.PASSWORD_RESET,
        "accounts/reset_password.html",
        _l("Your password has been changed."),
    )


@account_bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change one's own password; other browsers are signed out, this one gets a new session.

    Wrong current passwords are counted per account (CURRENT_PASSWORD_LIMITS): a stolen session
    must not become a way to guess the password it would need to take the account over."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    form.personal_words = passwords.personal_words(user)
    status, headers = (422 if form.is_submitted() else 200), {}
    if form.validate_on_submit():
        limits = current_app.config["CURRENT_PASSWORD_LIMITS"]
        key = f"current-password:user:{user.id}"
        wait = rate_limits.retry_after(limits, key)
        if wait:
            status, headers = 429, {"Retry-After": str(wait)}
            form.form_errors.append(
                _(
                    "%(wait)s If you have forgotten your password, sign out and ask for a "
                    "reset link.",
                    wait=rate_limits.retry_message(wait),
                )
            )
        elif not passwords.verify_password(user.password_hash, filled(form.current.data)):
            rate_limits.record(limits, key)
            add_error(form.current, _("That is not your current password."))
        else:
            rate_limits.clear(limits, key)
            set_password(
                user, filled(form.password.data), actor=user, how="changed on the account page"
            )
            begin_session(user, remember=False)
            db.session.commit()
            flash(
                _("Your password has been changed. Other devices have been signed out."),
                "success",
            )
            return redirect(url_for(home_endpoint(user)))
    return render_template("accounts/change_password.html", form=form), status, headers
