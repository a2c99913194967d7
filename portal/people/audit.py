"""The audit log: what HR and the system did, and security events (sign-ins, resets,
password and role changes, tokens); recorded by every feature, read by HR in words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from portal.core import pages
from portal.core.extensions import db
from portal.people.models import AuditEntry, User


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record(
    actor: User | None,
    action: str,
    target: User | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    subject: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        subject=subject[:160] if subject else None,
        actor_id=actor.id if actor else None,
        target_user_id=target.id if target else None,
        action=action,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
    )
    db.session.add(entry)
    return entry


def record_changes(
    actor: User | None,
    target: User | None,
    action: str,
    changes: dict[str, tuple[Any, Any]],
    subject: str | None = None,
) -> None:
    """One entry per changed field: {"joining_date": (old, new), ...}."""
    for field, (old, new) in changes.items():
        record(actor, action, target, field, old, new, subject=subject)


# --- Reading the log: in words, filtered, a page at a time, or all of it for a CSV file ------

# What each recorded action means, as HR reads it. Role-prefixed actions ("candidate.updated")
# are found by their second half; anything else is spelled out from its code.
ACTION_WORDS: dict[str, str] = {
    "signed_in": "signed in",
    "sign_in_failed": "failed to sign in",
    "sso_linked": "linked a single sign-on identity",
    "password_reset_requested": "asked for a password reset link",
    "password_changed": "changed a password",
    "role_changed": "changed a role",
    "invitation.sent": "sent an invitation",
    "created": "created an account",
    "updated": "changed a person's details",
    "profile_changed": "changed their own profile",
    "deactivated": "closed an account",
    "reactivated": "reopened an account",
    "api_token.created": "created an API token",
    "api_token.revoked": "revoked an API token",
    "webhook.created": "registered a webhook endpoint",
    "webhook.edited": "changed a webhook endpoint",
    "webhook.disabled": "disabled a webhook endpoint",
    "webhook.enabled": "enabled a webhook endpoint",
    "webhook.secret_rotated": "rotated a webhook secret",
    "webhook.test": "sent a test webhook event",
    "webhook.redelivered": "redelivered a webhook message",
    "news_flag": "curated a news entry",
    "news_audience": "changed who sees a news entry",
    "news_published": "published a news entry to candidates' email",
    "feed.created": "added a news feed",
    "feed.updated": "changed a news feed",
    "feed.disabled": "turned off a news feed",
    "feed.enabled": "turned on a news feed",
    "feed.deleted": "deleted a news feed",
    "feed.imported": "added a news feed from a feeds file",
    "feed.import_updated": "changed a news feed from a feeds file",
    "feed.import_disabled": "turned off a news feed the feeds file no longer lists",
    "calendar.updated": "changed the joining details",
    "calendar.backdated": "saved a joining date that had passed (nothing emailed)",
    "faq.created": "added an FAQ entry",
    "faq.updated": "changed an FAQ entry",
    "faq.deleted": "removed an FAQ entry",
    "thread.closed": "marked a conversation “no reply needed”",
    "thread.reopened": "took back “no reply needed” on a conversation",
    "milestone_template.created": "added a timeline milestone",
    "milestone_template.updated": "changed a timeline milestone",
    "milestone_template.deleted": "removed a timeline milestone",
    "candidate_milestone.created": "added a milestone for a candidate",
    "candidate_milestone.updated": "changed a candidate's milestone",
    "candidate_milestone.deleted": "removed a candidate's milestone",
    "candidate_milestone.hidden": "hid a milestone for a candidate",
    "candidate_milestone.shown": "showed a milestone again for a candidate",
    "candidate_milestone.reset": "reset a candidate's milestone",
    "day_one.plan_saved": "described a location's first day",
    "day_one.plan_deleted": "deleted a location's first day",
    "day_one.changed": "changed a candidate's first day",
    "mail.resent": "sent a parked email again",
    "mail.discarded": "discarded a parked email",
    "audit.exported": "exported the audit log",
    "team.welcome_written": "wrote a candidate's welcome from their manager",
    "team.welcome_changed": "changed a candidate's welcome from their manager",
    "team.welcome_removed": "removed a candidate's welcome from their manager",
    "team.buddy_introduced": "introduced a candidate's buddy",
    "team.buddy_changed": "changed a candidate's buddy",
    "team.buddy_removed": "removed a candidate's buddy",
    "team.member_added": "added someone to a candidate's team",
    "team.member_removed": "took someone off a candidate's team",
    "team.department_team": "showed a candidate their department's team again",
    "team_member.created": "added someone to the team list",
    "team_member.updated": "changed someone on the team list",
    "team_member.deleted": "took someone off the team list",
    "outcome.recorded": "recorded what became of an offer",
    "outcome.changed": "changed what became of an offer",
    "outcome.cleared": "took back what became of an offer",
    "note.added": "added a private note on a candidate",
    "note.deleted": "deleted a private note on a candidate",
    "absence.planned": "planned a recruiter's time away",
    "absence.ended": "ended a recruiter's time away",
    "absence.cancelled": "took back a recruiter's time away",
    "working_hours.changed": "changed a recruiter's working hours",
}
_ROLES = ("candidate.", "recruiter.", "hr.")

# The fields an entry names, as HR reads them. A field not listed is shown as recorded (a
# redelivered webhook message names its message id there).
FIELD_WORDS: dict[str, str] = {
    "name": "name",
    "email": "email address",
    "time_zone": "time zone",
    "preferred_name": "preferred name",
    "mail_preference": "email choice",
    "pronouns": "pronouns",
    "language": "language",
    "phone": "phone",
    "role": "role",
    "is_active": "account open",
    "recruiter_id": "recruiter",
    "backup_recruiter_id": "backup recruiter",
    "job_title": "job title",
    "department": "department",
    "location": "location",
    "joining_date": "joining date",
    "joining_time": "joining time",
    "joining_time_zone": "joining time zone",
    "reception_instructions": "reception instructions",
    "address": "address",
    "ask_for": "whom to ask for",
    "bring": "what to bring",
    "dress_code": "dress code",
    "agenda": "agenda of the first day",
    "calendar_sequence": "calendar event version",
    "title": "title",
    "details": "details",
    "day_offset": "days from joining",
    "time_of_day": "time of day",
    "working_days": "counted in working days",
    "hidden": "hidden",
    "pinned": "pinned",
    "featured": "featured",
    "departments": "departments",
    "locations": "locations",
    "question": "question",
    "reason": "reason",
    "url": "address",
    "max_items": "items kept",
    "enabled": "on",
    "description": "description",
    "event_types": "events sent",
    "manager_name": "manager's name",
    "manager_title": "manager's role",
    "message": "message",
    "intro": "introduction",
    "photo": "photo",
    "outcome": "outcome",
    "working_hours": "working hours",
}

# The kinds HR filters by: a label and the actions (exact codes, or "prefix*").
ACTION_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sign-in": ("Sign-ins", ("signed_in", "sign_in_failed", "sso_linked")),
    "password": ("Passwords", ("password_changed", "password_reset_requested")),
    "people": (
        "People and roles",
        ("candidate.*", "recruiter.*", "hr.*", "role_changed", "invitation.sent"),
    ),
    "api": ("API tokens", ("api_token.*",)),
    "webhooks": ("Webhooks", ("webhook.*",)),
    "news": ("News feeds and curation", ("news_*", "feed.*")),
    "timeline": (
        "Timeline and joining",
        ("milestone_template.*", "candidate_milestone.*", "calendar.*", "day_one.*"),
    ),
    "faq": ("FAQ", ("faq.*",)),
    "questions": ("Conversations", ("thread.*",)),
    "mail": ("Parked mail", ("mail.*",)),
    "audit": ("Audit log exports", ("audit.*",)),
    "team": ("Welcomes and teams", ("team.*", "team_member.*")),
    "outcomes": ("Offer outcomes", ("outcome.*",)),
    "recruiters-day": (
        "Notes, time away and working hours",
        ("note.*", "absence.*", "working_hours.*"),
    ),
}


def describe(action: str) -> str:
    """An action code in words."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    for role in _ROLES:
        if action.startswith(role) and action[len(role) :] in ACTION_WORDS:
            words = ACTION_WORDS[action[len(role) :]]
            return f"{words} ({role[:-1]})"
    return action.replace("_", " ").replace(".", ": ")


def describe_field(field: str | None) -> str:
    """A recorded field's name in words ("joining_date" → "joining date")."""
    if not field:
        return ""
    return FIELD_WORDS.get(field, field)


@dataclass(frozen=True)
class AuditFilter:
    """What HR narrowed the log to. `since`/`until` are instants (the view turns HR's days,
    in their own zone, into them); `person` matches the actor's or the person's name or email."""

    kind: str | None = None
    person: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def described(self) -> str:
        parts = []
        if self.kind in ACTION_KINDS:
            parts.append(ACTION_KINDS[self.kind][0])
        if self.person:
            parts.append(f"person “{self.person}”")
        if self.since:
            parts.append(f"from {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        return ", ".join(parts) or "everything"


def _filtered(wanted: AuditFilter) -> Select[Any]:
    actor, target = aliased(User), aliased(User)
    query = (
        select(AuditEntry)
        .outerjoin(actor, AuditEntry.actor_id == actor.id)
        .outerjoin(target, AuditEntry.target_user_id == target.id)
        .options(contains_eager(AuditEntry.actor.of_type(actor)))
        .options(contains_eager(AuditEntry.target.of_type(target)))
    )
    if wanted.kind in ACTION_KINDS:
        patterns = ACTION_KINDS[wanted.kind][1]
        query = query.where(
            or_(
                *(
                    AuditEntry.action.like(p[:-1].replace("_", r"\_") + "%", escape="\\")
                    if p.endswith("*")
                    else AuditEntry.action == p
                    for p in patterns
                )
            )
        )
    if wanted.person:
        text = pages.contains(wanted.person)
        query = query.where(
            or_(
                *(
                    func.lower(column).like(text, escape="\\")
                    for column in (actor.name, actor.email, target.name, target.email)
                )
            )
        )
    if wanted.since:
        query = query.where(AuditEntry.created_at >= wanted.since)
    if wanted.until:
        query = query.where(AuditEntry.created_at < wanted.until)
    return query


def page(
    wanted: AuditFilter, before: int | None = None, size: int = 50
) -> tuple[list[AuditEntry], int | None]:
    """A page of matching entries, newest first, and the cursor of the next (older) page."""
    return pages.newest_first(_filtered(wanted), AuditEntry.id, before, size)


def every(wanted: AuditFilter, chunk: int = 500) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, read a chunk at a time (for the CSV export)."""
    before: int | None = None
    while True:
        rows, before = page(wanted, before, chunk)
        yield from rows
        if before is None:
            return
