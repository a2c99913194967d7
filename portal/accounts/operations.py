"""Accounts: creating people and changing their details, inviting them, roles, recruiters, and
closing and reopening accounts. Signing in and password links: accounts.signing_in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.accounts import languages, tokens
from portal.accounts.credentials import revoke_credentials
from portal.accounts.models import TokenPurpose
from portal.core import clock, inputs
from portal.core.extensions import db
from portal.core.i18n import _, _l, in_language, ngettext
from portal.mail import notifications
from portal.mail.models import OutgoingEmail
from portal.people import audit
from portal.people.models import CandidateProfile, Role, User
from portal.timeline import joining, joining_mail

# Subjects are written in the recipient's language when the email is queued (`queue_link`).
INVITATION_SUBJECT = _l("Welcome! Set up your pre-boarding account")
RESET_SUBJECT = _l("Reset your pre-boarding portal password")


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
        raise AccountError("email", _("Someone already has an account with this email address."))


def checked_language(code: str | None) -> str:
    """`code` as a code of LANGUAGES (None: the portal's default), or AccountError beside the
    language field."""
    if code is None:
        return languages.default_language()
    try:
        return languages.language_code(code)
    except inputs.InputError as error:
        raise AccountError("language", error.message) from None


def ensure_recruiter(recruiter_id: int | None) -> None:
    """AccountError unless `recruiter_id` is None or an active recruiter's."""
    if recruiter_id is None:
        return
    recruiter = db.session.get(User, recruiter_id)
    if recruiter is None or recruiter.role != Role.RECRUITER or not recruiter.is_active:
        raise AccountError("recruiter_id", _("Choose an active recruiter."))


def ensure_backup(backup_id: int | None, recruiter_id: int | None) -> None:
    """A backup recruiter is an active recruiter other than the recruiter."""
    if backup_id is None:
        return
    if backup_id == recruiter_id:
        raise AccountError(
            "backup_recruiter_id",
            _("The backup answers when the recruiter is away: choose someone else."),
        )
    backup = db.session.get(User, backup_id)
    if backup is None or backup.role != Role.RECRUITER or not backup.is_active:
        raise AccountError("backup_recruiter_id", _("Choose an active recruiter as the backup."))


def create_user(
    *,
    actor: User | None,
    email: str,
    name: str,
    role: Role,
    time_zone: str,
    phone: str | None = None,
    language: str | None = None,
) -> User:
    """Create an account (a recruiter, HR or, through `create_candidate`, a candidate),
    without a password until invited. `language`: of their invitation and pages until they
    choose their own (None: the portal's default)."""
    _ensure_email_free(email)
    user = User(
        email=normalize_email(email),
        name=name.strip(),
        role=role,
        time_zone=time_zone,
        phone=(phone or "").strip() or None,
        language=checked_language(language),
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
    reception_instructions: str = ""
    # Answers the candidate's questions while the recruiter is away (questions.answerers).
    backup_recruiter_id: int | None = None


def candidate_profile(user: User, details: CandidateDetails) -> CandidateProfile:
    """The profile `create_candidate` adds for a new candidate `user`, as stored."""
    return CandidateProfile(
        user_id=user.id,
        job_title=details.job_title.strip(),
        department=details.department.strip(),
        location=details.location.strip(),
        joining_date=details.joining_date,
        joining_time=details.joining_time,
        joining_time_zone=details.joining_time_zone,
        reception_instructions=details.reception_instructions.strip(),
        recruiter_id=details.recruiter_id,
        backup_recruiter_id=details.backup_recruiter_id,
    )


def create_candidate(
    *,
    actor: User | None,
    email: str,
    name: str,
    time_zone: str,
    details: CandidateDetails,
    backdated: bool = False,
    language: str | None = None,
) -> User:
    """Create a candidate (without a password until invited). `backdated`: HR confirmed a
    joining date that has passed, which the audit log notes (the caller sends nothing).
    `language`: of their invitation and pages until they choose their own (None: the
    portal's default)."""
    ensure_recruiter(details.recruiter_id)
    ensure_backup(details.backup_recruiter_id, details.recruiter_id)
    user = create_user(
        actor=actor,
        email=email,
        name=name,
        role=Role.CANDIDATE,
        time_zone=time_zone,
        language=language,
    )
    db.session.add(candidate_profile(user, details))
    if backdated:
        audit.record(actor, "calendar.backdated", user, "joining_date", None, details.joining_date)
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
    backdated: bool = False,
    language: str | None = None,
) -> dict:
    """Change a person's details; each changed field lands in the audit log. Returns them.

    Changed joining details (date, time, zone, location, reception instructions) also email
    the candidate what changed with the updated calendar event, which links to `portal_link`
    (the candidate's portal, given by the view): the queued email's id is added to `outbox`,
    for the caller to deliver once it has committed. Edits within the batch window share one
    email (`timeline.joining_mail`). `backdated`: HR confirmed a joining date that has passed;
    nothing is emailed.

    `language` (None: as it is) is the language of their email and pages, which the person
    may change themselves too (their profile, the footer's switch).

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
    if language is not None:
        values["language"] = checked_language(language)
    _apply(user, changes, values)
    if details is not None and user.candidate_profile is not None:
        if details.recruiter_id != user.candidate_profile.recruiter_id:
            ensure_recruiter(details.recruiter_id)
        if (details.recruiter_id, details.backup_recruiter_id) != (
            user.candidate_profile.recruiter_id,
            user.candidate_profile.backup_recruiter_id,
        ):
            ensure_backup(details.backup_recruiter_id, details.recruiter_id)
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
                "reception_instructions": details.reception_instructions.strip(),
                "recruiter_id": details.recruiter_id,
                "backup_recruiter_id": details.backup_recruiter_id,
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
    if joining.JOINING_FIELDS & changes.keys():
        notice = joining_mail.joining_changed(
            user, actor, changes, portal_link, backdated=backdated
        )
        if notice is not None and outbox is not None and notice.id not in outbox:
            outbox.append(notice.id)
    db.session.flush()
    return changes


def invite(user: User, actor: User | None) -> OutgoingEmail:
    """Send `user` a fresh invitation link; any earlier one stops working."""
    if not user.is_active:
        raise AccountError("user", _("Reactivate this account before inviting."))
    if user.has_password:
        raise AccountError(
            "user",
            _(
                "%(name)s has already set up their account. If they forgot their password, "
                "they can reset it from the sign-in page.",
                name=user.name,
            ),
        )
    audit.record(actor, "invitation.sent", user)
    return email_link(
        user,
        TokenPurpose.INVITATION,
        current_app.config["INVITATION_HOURS"],
        subject=INVITATION_SUBJECT,
        actor=actor,
    )


def email_link(
    user: User, purpose: TokenPurpose, hours: int, *, subject: object, actor: User | None = None
) -> OutgoingEmail:
    """Issue a single-use link valid for `hours` and queue the email that carries it
    (templates/accounts/email/<purpose>): only the email ever holds the raw token."""
    raw = tokens.issue(user, purpose, timedelta(hours=hours), created_by=actor)
    return queue_link(user, purpose, raw, hours, subject=subject, actor=actor)


def queue_link(
    user: User, purpose: TokenPurpose, raw: str, hours: int, *, subject: object, actor: User | None
) -> OutgoingEmail:
    """Queue the email carrying the link `raw` (templates/accounts/email/<purpose>), with its
    `subject` (lazy: `_l(...)`), both in the recipient's language."""
    with in_language(user.language):
        return notifications.queue(
            to=user,
            kind=str(purpose),
            template=f"accounts/email/{purpose}",
            subject=str(subject),
            token=raw,
            valid_hours=hours,
            inviter=actor,
        )


def deactivate(user: User, actor: User) -> None:
    if not user.is_active:
        return
    if user.id == actor.id:
        raise AccountError("user", _("You cannot deactivate your own account."))
    user.is_active = False
    user.deactivated_at = clock.now()
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
    user: User,
    role: Role,
    actor: User | None,
    *,
    keep_session: str | None = None,
    subject: str | None = None,
) -> bool:
    """Make a recruiter HR or the reverse. True if it changed.

    Everything that let them in before stops working (links, other sessions, API tokens), so
    nothing granted under the old role outlives it. Candidates keep their role: they have a
    profile and joining details, staff do not. `subject` says where a change no person made
    came from (the single sign-on provider's role claim).
    """
    if user.role == role:
        return False
    if Role.CANDIDATE in (user.role, role):
        raise AccountError(
            "role", _("Only recruiters and HR people change roles; candidates stay candidates.")
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
                ngettext(
                    "%(name)s looks after %(num)d candidate: give them to another recruiter first.",
                    "%(name)s looks after %(num)d candidates: give them to another recruiter "
                    "first.",
                    assigned,
                    name=user.name,
                ),
            )
    if user.role == Role.HR and user.is_active:
        others = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.HR, User.is_active.is_(True), User.id != user.id)
        )
        if not others:
            raise AccountError("role", _("The portal needs at least one active HR person."))
    audit.record(actor, "role_changed", user, "role", user.role, role, subject=subject)
    user.role = role
    revoke_credentials(user, keep_session=keep_session)
    return True


def assign_recruiter(candidate: User, recruiter_id: int | None, actor: User) -> bool:
    """Give a candidate (and their question thread) to another recruiter. True if it changed."""
    profile = candidate.candidate_profile
    if profile is None:
        raise AccountError("recruiter_id", _("Only candidates have a recruiter."))
    if profile.recruiter_id == recruiter_id:
        return False
    ensure_recruiter(recruiter_id)
    audit.record(
        actor, "candidate.updated", candidate, "recruiter_id", profile.recruiter_id, recruiter_id
    )
    profile.recruiter_id = recruiter_id
    if recruiter_id is not None and profile.backup_recruiter_id == recruiter_id:
        # The backup is now the recruiter: nobody is a backup until HR names one.
        audit.record(
            actor, "candidate.updated", candidate, "backup_recruiter_id", recruiter_id, None
        )
        profile.backup_recruiter_id = None
    db.session.flush()
    db.session.refresh(profile)
    return True
