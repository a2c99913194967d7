"""Accounts: creating people, inviting them, signing them in, and closing their accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select

from portal.accounts import passwords, tokens
from portal.accounts.credentials import revoke_credentials, set_password
from portal.accounts.models import TokenPurpose
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.core.words import plural
from portal.mail import notifications
from portal.mail.models import OutgoingEmail
from portal.people import audit
from portal.people.models import CandidateProfile, Role, User
from portal.timeline import calendar

NO_ACCOUNT = "an address with no account"  # the audit log's subject when nobody is known


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
    keep_session: str | None = None,
    invitations: list[int] | None = None,
) -> dict:
    """Change a person's details; each changed field lands in the audit log. Returns them.

    A moved joining moment also emails the candidate the updated calendar event, which links to
    `portal_link` (the candidate's portal, given by the view): the queued email's id is added
    to `outbox`, for the caller to deliver once it has committed.

    A new email address revokes every link, session (but `keep_session`, the editor's own when
    they edit themselves) and API token of the person: a link sent to a mistyped address must
    not outlive the correction. If they had an invitation waiting, a fresh one is queued to the
    new address and its id added to `invitations`, for the caller to deliver.
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
    if "email" in changes:
        waiting = (
            user.is_active
            and not user.has_password
            and tokens.has_live(user, TokenPurpose.INVITATION)
        )
        revoke_credentials(user, keep_session=keep_session)
        if waiting:
            invitation = invite(user, actor)
            if invitations is not None:
                invitations.append(invitation.id)
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
    user.last_sign_in_at = utcnow()
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
    return _email_link(
        user,
        TokenPurpose.PASSWORD_RESET,
        current_app.config["PASSWORD_RESET_HOURS"],
        subject="Reset your pre-boarding portal password",
    )


def request_password_reset(email: str) -> OutgoingEmail | None:
    """Both steps at once: the queued email, or None if the address gets no link."""
    user_id = note_reset_request(email)
    return None if user_id is None else send_reset_link(user_id)


def deactivate(user: User, actor: User) -> None:
    if not user.is_active:
        return
    if user.id == actor.id:
        raise AccountError("user", "You cannot deactivate your own account.")
    user.is_active = False
    user.deactivated_at = utcnow()
    revoke_credentials(user)
    audit.record(actor, f"{user.role}.deactivated", user, "is_active", True, False)
    db.session.flush()


def reactivate(user: User, actor: User) -> None:
    if user.is_active:
        return
    user.is_active = True
    user.deactivated_at = None
    audit.record(actor, f"{user.role}.reactivated", user, "is_active", False, True)
    db.session.flush()


def change_role(
    user: User, role: Role, actor: User | None, *, keep_session: str | None = None
) -> bool:
    """Make a recruiter HR or the reverse. True if it changed.

    Everything that let them in before stops working (links, other sessions, API tokens), so
    nothing granted under the old role outlives it. Candidates keep their role: they have a
    profile and joining details, staff do not.
    """
    if user.role == role:
        return False
    if Role.CANDIDATE in (user.role, role):
        raise AccountError(
            "role", "Only recruiters and HR people change roles; candidates stay candidates."
        )
    if user.role == Role.RECRUITER:
        assigned = db.session.scalar(
            select(func.count())
            .select_from(CandidateProfile)
            .where(CandidateProfile.recruiter_id == user.id)
        )
        if assigned:
            raise AccountError(
                "role",
                f"{user.name} looks after {plural(assigned, 'candidate')}: "
                "give them to another recruiter first.",
            )
    if user.role == Role.HR and user.is_active:
        others = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.HR, User.is_active.is_(True), User.id != user.id)
        )
        if not others:
            raise AccountError("role", "The portal needs at least one active HR person.")
    audit.record(actor, "role_changed", user, "role", user.role, role)
    user.role = role
    revoke_credentials(user, keep_session=keep_session)
    return True


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
