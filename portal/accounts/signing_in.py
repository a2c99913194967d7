"""Sign-in and password links: checking credentials, counting sign-ins, invitation and reset
links redeemed for a password, and requests for a reset link.

Plain module: no request knowledge. Functions flush; the caller commits. Every sign-in and reset
request lands in the audit log (people.audit), never with a typed password or an unknown address.
"""

from __future__ import annotations

from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from portal.accounts import passwords, tokens
from portal.accounts.credentials import set_password
from portal.accounts.models import TokenPurpose
from portal.accounts.operations import RESET_SUBJECT, email_link, find_by_email
from portal.core import clock
from portal.core.extensions import db
from portal.mail.models import OutgoingEmail
from portal.people import audit
from portal.people.models import User

NO_ACCOUNT = "an address with no account"  # the audit log's subject when nobody is known


def set_password_from_link(raw: str, purpose: TokenPurpose, password: str) -> User | None:
    """Use an invitation or reset link to set the password (signing out every old session).

    None if the link is no longer valid or its account was deactivated.
    """
    user_id = tokens.redeem(raw, purpose)
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    how = (
        "first password, from the invitation link"
        if purpose == TokenPurpose.INVITATION
        else "reset from an emailed link"
    )
    set_password(user, password, actor=user, how=how)
    return user


def accept_invitation(raw: str, password: str) -> User | None:
    """Consume the invitation and set the first password."""
    return set_password_from_link(raw, TokenPurpose.INVITATION, password)


class SignInOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    DEACTIVATED = "deactivated"


def authenticate(email: str, password: str) -> tuple[SignInOutcome, User | None]:
    """Check credentials, spending the same effort whether or not the email is known.

    Every outcome lands in the audit log (never the password typed, nor an unknown address).
    """
    user = find_by_email(email)
    password_ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None:
        audit.record(None, "sign_in_failed", None, subject=NO_ACCOUNT)
        return SignInOutcome.WRONG, None
    if not password_ok:
        why = "wrong password" if user.has_password else "invitation not accepted yet"
        audit.record(None, "sign_in_failed", user, subject=why)
        return SignInOutcome.WRONG, None
    if not user.is_active:
        audit.record(None, "sign_in_failed", user, subject="account closed")
        return SignInOutcome.DEACTIVATED, None
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    audit.record(user, "signed_in", user)
    return SignInOutcome.OK, user


def record_sign_in(user_id: int) -> User:
    """Count a sign-in. Reads and writes the row under a lock, so no concurrent count is lost."""
    user = db.session.scalars(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    user.sign_in_count += 1
    user.last_sign_in_at = clock.now()
    db.session.flush()
    return user


def note_reset_request(email: str) -> int | None:
    """Look the address up and put the request in the audit log (never an unknown address).
    Returns the id of the account to send a link to (active, with a password), else None.

    The same work whichever the address: the caller answers alike, and as fast, for all of
    them, and leaves the link and its email (`send_reset_link`) until after it has answered.
    """
    user = find_by_email(email)
    if user is None:
        audit.record(None, "password_reset_requested", None, subject=NO_ACCOUNT)
        return None
    if user.is_active and user.has_password:
        audit.record(None, "password_reset_requested", user)
        return user.id
    why = "account closed" if not user.is_active else "invitation not accepted yet"
    audit.record(None, "password_reset_requested", user, subject=f"no link sent: {why}")
    return None


def send_reset_link(user_id: int) -> OutgoingEmail | None:
    """Queue a new reset link for the account (the previous one stops working), if it may
    still have one."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or not user.has_password:
        return None
    return email_link(
        user,
        TokenPurpose.PASSWORD_RESET,
        current_app.config["PASSWORD_RESET_HOURS"],
        subject=RESET_SUBJECT,
    )


def request_password_reset(email: str) -> OutgoingEmail | None:
    """Both steps at once: the queued email, or None if the address gets no link."""
    user_id = note_reset_request(email)
    return None if user_id is None else send_reset_link(user_id)
