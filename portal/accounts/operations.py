"""Accounts: creating people, inviting them, signing them in, and closing their accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select, update

from portal.accounts import passwords, tokens
from portal.accounts import sessions as auth_sessions
from portal.accounts.models import TokenPurpose, UserToken
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.mail import notifications
from portal.mail.models import OutgoingEmail
from portal.people import audit
from portal.people.models import CandidateProfile, Role, User
from portal.timeline import calendar


class AccountError(ValueError):
    """A change that cannot be made, with the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _ensure_email_free(email: str, except_user: User | None = None) -> None:
    existing = find_by_email(email)
    if existing is not None and existing is not except_user:
        raise AccountError("email", "Someone already has an account with this email address.")


def _ensure_recruiter(recruiter_id: int | None) -> None:
    if recruiter_id is None:
        return
    recruiter = db.session.get(User, recruiter_id)
    if recruiter is None or recruiter.role != Role.RECRUITER or not recruiter.is_active:
        raise AccountError("recruiter_id", "Choose an active recruiter.")


def create_user(
    *,
    actor: User | None,
    email: str,
    name: str,
    role: Role,
    time_zone: str,
    phone: str | None = None,
) -> User:
    """Create a staff account (recruiter or HR), without a password until invited."""
    _ensure_email_free(email)
    user = User(
        email=normalize_email(email),
        name=name.strip(),
        role=role,
        time_zone=time_zone,
        phone=(phone or "").strip() or None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, f"{role}.created", user)
    return user


@dataclass(frozen=True)
class CandidateDetails:
    job_title: str
    department: str
    location: str
    joining_date: date
    joining_time: time
    joining_time_zone: str
    recruiter_id: int | None


def create_candidate(
    *, actor: User | None, email: str, name: str, time_zone: str, details: CandidateDetails
) -> User:
    _ensure_recruiter(details.recruiter_id)
    user = create_user(
        actor=actor, email=email, name=name, role=Role.CANDIDATE, time_zone=time_zone
    )
    db.session.add(
        CandidateProfile(
            user_id=user.id,
            job_title=details.job_title.strip(),
            department=details.department.strip(),
            location=details.location.strip(),
            joining_date=details.joining_date,
            joining_time=details.joining_time,
            joining_time_zone=details.joining_time_zone,
            recruiter_id=details.recruiter_id,
        )
    )
    db.session.flush()
    db.session.refresh(user)
    return user


def _apply(target: object, changes: dict, values: dict) -> None:
    for field, new in values.items():
        old = getattr(target, field)
        if old != new:
            changes[field] = (old, new)
            setattr(target, field, new)


def update_person(
    *,
    actor: User,
    user: User,
    email: str,
    name: str,
    time_zone: str,
    phone: str | None = None,
    details: CandidateDetails | None = None,
    outbox: list[int] | None = None,
    portal_link: str,
) -> dict:
    """Change a person's details; each changed field lands in the audit log. Returns them.

    A moved joining moment also emails the candidate the updated calendar event, which links to
    `portal_link` (the candidate's portal, given by the view): the queued email's id is added
    to `outbox`, for the caller to deliver once it has committed.
    """
    _ensure_email_free(email, except_user=user)
    changes: dict = {}
    values: dict[str, str | None] = {
        "email": normalize_email(email),
        "name": name.strip(),
        "time_zone": time_zone,
    }
    if user.role != Role.CANDIDATE:
        values["phone"] = (phone or "").strip() or None
    _apply(user, changes, values)
    if details is not None and user.candidate_profile is not None:
        if details.recruiter_id != user.candidate_profile.recruiter_id:
            _ensure_recruiter(details.recruiter_id)
        _apply(
            user.candidate_profile,
            changes,
            {
                "job_title": details.job_title.strip(),
                "department": details.department.strip(),
                "location": details.location.strip(),
                "joining_date": details.joining_date,
                "joining_time": details.joining_time,
                "joining_time_zone": details.joining_time_zone,
                "recruiter_id": details.recruiter_id,
            },
        )
    audit.record_changes(actor, user, f"{user.role}.updated", changes)
    if calendar.JOINING_FIELDS & changes.keys():
        notice = calendar.joining_changed(user, actor, changes, portal_link)
        if notice is not None and outbox is not None:
            outbox.append(notice.id)
    db.session.flush()
    return changes


def invite(user: User, actor: User | None) -> OutgoingEmail:
    """Send `user` a fresh invitation link; any earlier one stops working."""
    if not user.is_active:
        raise AccountError("user", "Reactivate this account before inviting.")
    if user.has_password:
        raise AccountError(
            "user",
            f"{user.name} has already set up their account. If they forgot their password, "
            "they can reset it from the sign-in page.",
        )
    audit.record(actor, "invitation.sent", user)
    return _email_link(
        user,
        TokenPurpose.INVITATION,
        current_app.config["INVITATION_HOURS"],
        subject="Welcome! Set up your pre-boarding account",
        actor=actor,
    )


def _email_link(
    user: User, purpose: TokenPurpose, hours: int, *, subject: str, actor: User | None = None
) -> OutgoingEmail:
    """Issue a single-use link valid for `hours` and queue the email that carries it
    (templates/accounts/email/<purpose>): only the email ever holds the raw token."""
    raw = tokens.issue(user, purpose, timedelta(hours=hours), created_by=actor)
    return notifications.queue(
        to=user,
        kind=str(purpose),
        template=f"accounts/email/{purpose}",
        subject=subject,
        token=raw,
        valid_hours=hours,
        inviter=actor,
    )


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
    set_password(user, password)
    return user


def accept_invitation(raw: str, password: str) -> User | None:
    """Consume the invitation and set the first password."""
    return set_password_from_link(raw, TokenPurpose.INVITATION, password)


class SignInOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    DEACTIVATED = "deactivated"


def authenticate(email: str, password: str) -> tuple[SignInOutcome, User | None]:
    """Check credentials, spending the same effort whether or not the email is known."""
    user = find_by_email(email)
    password_ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok:
        return SignInOutcome.WRONG, None
    if not user.is_active:
        return SignInOutcome.DEACTIVATED, None
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
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
    user.last_sign_in_at = utcnow()
    db.session.flush()
    return user


def request_password_reset(email: str) -> OutgoingEmail | None:
    """Email a reset link if the address belongs to an active account that has a password.

    The caller answers the same way either way, so nobody learns which addresses exist.
    """
    user = find_by_email(email)
    if user is None or not user.is_active or not user.has_password:
        return None
    return _email_link(
        user,
        TokenPurpose.PASSWORD_RESET,
        current_app.config["PASSWORD_RESET_HOURS"],
        subject="Reset your pre-boarding portal password",
    )


def set_password(user: User, password: str) -> None:
    """Replace the password and sign every existing session out."""
    user.password_hash = passwords.hash_password(password)
    auth_sessions.revoke_all(user)
    db.session.flush()


def deactivate(user: User, actor: User) -> None:
    if not user.is_active:
        return
    if user.id == actor.id:
        raise AccountError("user", "You cannot deactivate your own account.")
    user.is_active = False
    user.deactivated_at = utcnow()
    auth_sessions.revoke_all(user)
    db.session.execute(
        update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.used_at.is_(None))
        .values(revoked_at=func.coalesce(UserToken.revoked_at, utcnow()))
    )
    audit.record(actor, f"{user.role}.deactivated", user, "is_active", True, False)
    db.session.flush()


def reactivate(user: User, actor: User) -> None:
    if user.is_active:
        return
    user.is_active = True
    user.deactivated_at = None
    audit.record(actor, f"{user.role}.reactivated", user, "is_active", False, True)
    db.session.flush()


def assign_recruiter(candidate: User, recruiter_id: int | None, actor: User) -> bool:
    """Give a candidate (and their question thread) to another recruiter. True if it changed."""
    profile = candidate.candidate_profile
    if profile is None:
        raise AccountError("recruiter_id", "Only candidates have a recruiter.")
    if profile.recruiter_id == recruiter_id:
        return False
    _ensure_recruiter(recruiter_id)
    audit.record(
        actor, "candidate.updated", candidate, "recruiter_id", profile.recruiter_id, recruiter_id
    )
    profile.recruiter_id = recruiter_id
    db.session.flush()
    db.session.refresh(profile)
    return True
