"""The audit log: what HR and the system did, and security events (sign-ins, resets,
password and role changes, tokens); recorded by every feature, read by HR in words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from portal.core import pages
from portal.core.extensions import db
from portal.core.i18n import N_, _, _l
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

# What each recorded action means, as HR reads it (marked with N_, translated when read, so
# the page and the CSV file are in the reader's language). Role-prefixed actions
# ("candidate.updated") are found by their second half; anything else is spelled out from its
# code.
ACTION_WORDS: dict[str, str] = {
    "signed_in": N_("signed in"),
    "sign_in_failed": N_("failed to sign in"),
    "sso_linked": N_("linked a single sign-on identity"),
    "password_reset_requested": N_("asked for a password reset link"),
    "password_changed": N_("changed a password"),
    "role_changed": N_("changed a role"),
    "invitation.sent": N_("sent an invitation"),
    "created": N_("created an account"),
    "updated": N_("changed a person's details"),
    "profile_changed": N_("changed their own profile"),
    "deactivated": N_("closed an account"),
    "reactivated": N_("reopened an account"),
    "api_token.created": N_("created an API token"),
    "api_token.revoked": N_("revoked an API token"),
    "webhook.created": N_("registered a webhook endpoint"),
    "webhook.edited": N_("changed a webhook endpoint"),
    "webhook.disabled": N_("disabled a webhook endpoint"),
    "webhook.enabled": N_("enabled a webhook endpoint"),
    "webhook.secret_rotated": N_("rotated a webhook secret"),
    "webhook.test": N_("sent a test webhook event"),
    "webhook.redelivered": N_("redelivered a webhook message"),
    "news_flag": N_("curated a news entry"),
    "news_audience": N_("changed who sees a news entry"),
    "news_published": N_("published a news entry to candidates' email"),
    "feed.created": N_("added a news feed"),
    "feed.updated": N_("changed a news feed"),
    "feed.disabled": N_("turned off a news feed"),
    "feed.enabled": N_("turned on a news feed"),
    "feed.deleted": N_("deleted a news feed"),
    "feed.imported": N_("added a news feed from a feeds file"),
    "feed.import_updated": N_("changed a news feed from a feeds file"),
    "feed.import_disabled": N_("turned off a news feed the feeds file no longer lists"),
    "announcement.created": N_("wrote an announcement"),
    "announcement.updated": N_("changed an announcement"),
    "announcement.published": N_("published an announcement"),
    "announcement.unpublished": N_("took back an announcement"),
    "announcement.deleted": N_("deleted an announcement"),
    "calendar.updated": N_("changed the joining details"),
    "calendar.backdated": N_("saved a joining date that had passed (nothing emailed)"),
    "faq.created": N_("added an FAQ entry"),
    "faq.updated": N_("changed an FAQ entry"),
    "faq.deleted": N_("removed an FAQ entry"),
    "thread.closed": N_("marked a conversation “no reply needed”"),
    "thread.reopened": N_("took back “no reply needed” on a conversation"),
    "milestone_template.created": N_("added a timeline milestone"),
    "milestone_template.updated": N_("changed a timeline milestone"),
    "milestone_template.deleted": N_("removed a timeline milestone"),
    "candidate_milestone.created": N_("added a milestone for a candidate"),
    "candidate_milestone.updated": N_("changed a candidate's milestone"),
    "candidate_milestone.deleted": N_("removed a candidate's milestone"),
    "candidate_milestone.hidden": N_("hid a milestone for a candidate"),
    "candidate_milestone.shown": N_("showed a milestone again for a candidate"),
    "candidate_milestone.reset": N_("reset a candidate's milestone"),
    "checklist.done": N_("ticked off a task on their checklist"),
    "checklist.undone": N_("took back a ticked-off task"),
    "checklist.document_uploaded": N_("uploaded a document for a task"),
    "checklist.document_removed": N_("removed a document uploaded for a task"),
    "checklist.document_opened": N_("downloaded a candidate's document"),
    "day_one.plan_saved": N_("described a location's first day"),
    "day_one.plan_deleted": N_("deleted a location's first day"),
    "day_one.changed": N_("changed a candidate's first day"),
    "mail.resent": N_("sent a parked email again"),
    "mail.discarded": N_("discarded a parked email"),
    "audit.exported": N_("exported the audit log"),
    "team.welcome_written": N_("wrote a candidate's welcome from their manager"),
    "team.welcome_changed": N_("changed a candidate's welcome from their manager"),
    "team.welcome_removed": N_("removed a candidate's welcome from their manager"),
    "team.buddy_introduced": N_("introduced a candidate's buddy"),
    "team.buddy_changed": N_("changed a candidate's buddy"),
    "team.buddy_removed": N_("removed a candidate's buddy"),
    "team.member_added": N_("added someone to a candidate's team"),
    "team.member_removed": N_("took someone off a candidate's team"),
    "team.department_team": N_("showed a candidate their department's team again"),
    "team_member.created": N_("added someone to the team list"),
    "team_member.updated": N_("changed someone on the team list"),
    "team_member.deleted": N_("took someone off the team list"),
    "outcome.recorded": N_("recorded what became of an offer"),
    "outcome.changed": N_("changed what became of an offer"),
    "outcome.cleared": N_("took back what became of an offer"),
    "note.added": N_("added a private note on a candidate"),
    "note.deleted": N_("deleted a private note on a candidate"),
    "absence.planned": N_("planned a recruiter's time away"),
    "absence.ended": N_("ended a recruiter's time away"),
    "absence.cancelled": N_("took back a recruiter's time away"),
    "working_hours.changed": N_("changed a recruiter's working hours"),
}
_ROLES = ("candidate.", "recruiter.", "hr.")
# The role an action was done to, in words: "created an account (recruiter)".
_ROLE_WORDS = {"candidate.": N_("candidate"), "recruiter.": N_("recruiter"), "hr.": N_("HR")}

# The fields an entry names, as HR reads them (translated when read). A field not listed is
# shown as recorded (a redelivered webhook message names its message id there).
FIELD_WORDS: dict[str, str] = {
    "name": N_("name"),
    "email": N_("email address"),
    "time_zone": N_("time zone"),
    "preferred_name": N_("preferred name"),
    "mail_preference": N_("email choice"),
    "pronouns": N_("pronouns"),
    "language": N_("language"),
    "phone": N_("phone"),
    "role": N_("role"),
    "is_active": N_("account open"),
    "recruiter_id": N_("recruiter"),
    "backup_recruiter_id": N_("backup recruiter"),
    "job_title": N_("job title"),
    "department": N_("department"),
    "location": N_("location"),
    "joining_date": N_("joining date"),
    "joining_time": N_("joining time"),
    "joining_time_zone": N_("joining time zone"),
    "reception_instructions": N_("reception instructions"),
    "address": N_("address"),
    "ask_for": N_("whom to ask for"),
    "bring": N_("what to bring"),
    "dress_code": N_("dress code"),
    "agenda": N_("agenda of the first day"),
    "calendar_sequence": N_("calendar event version"),
    "title": N_("title"),
    "details": N_("details"),
    "day_offset": N_("days from joining"),
    "time_of_day": N_("time of day"),
    "working_days": N_("counted in working days"),
    "kind": N_("what the candidate does"),
    "document": N_("document"),
    "hidden": N_("hidden"),
    "pinned": N_("pinned"),
    "featured": N_("featured"),
    "departments": N_("departments"),
    "locations": N_("locations"),
    "question": N_("question"),
    "reason": N_("reason"),
    "url": N_("address"),
    "max_items": N_("items kept"),
    "enabled": N_("on"),
    "description": N_("description"),
    "event_types": N_("events sent"),
    "manager_name": N_("manager's name"),
    "manager_title": N_("manager's role"),
    "message": N_("message"),
    "intro": N_("introduction"),
    "photo": N_("photo"),
    "outcome": N_("outcome"),
    "working_hours": N_("working hours"),
    "body": N_("text"),
    "published_at": N_("publish moment"),
}

# The kinds HR filters by: a label (in the reader's language) and the actions (exact codes,
# or "prefix*").
ACTION_KINDS: dict[str, tuple[LazyString, tuple[str, ...]]] = {
    "sign-in": (_l("Sign-ins"), ("signed_in", "sign_in_failed", "sso_linked")),
    "password": (_l("Passwords"), ("password_changed", "password_reset_requested")),
    "people": (
        _l("People and roles"),
        ("candidate.*", "recruiter.*", "hr.*", "role_changed", "invitation.sent"),
    ),
    "api": (_l("API tokens"), ("api_token.*",)),
    "webhooks": (_l("Webhooks"), ("webhook.*",)),
    "news": (_l("News feeds and curation"), ("news_*", "feed.*", "announcement.*")),
    "timeline": (
        _l("Timeline and joining"),
        (
            "milestone_template.*",
            "candidate_milestone.*",
            "calendar.*",
            "day_one.*",
            "checklist.*",
        ),
    ),
    "faq": (_l("FAQ"), ("faq.*",)),
    "questions": (_l("Conversations"), ("thread.*",)),
    "mail": (_l("Parked mail"), ("mail.*",)),
    "audit": (_l("Audit log exports"), ("audit.*",)),
    "team": (_l("Welcomes and teams"), ("team.*", "team_member.*")),
    "outcomes": (_l("Offer outcomes"), ("outcome.*",)),
    "recruiters-day": (
        _l("Notes, time away and working hours"),
        ("note.*", "absence.*", "working_hours.*"),
    ),
}


def describe(action: str) -> str:
    """An action code in words, in the reader's language."""
    if action in ACTION_WORDS:
        return _(ACTION_WORDS[action])
    for role in _ROLES:
        if action.startswith(role) and action[len(role) :] in ACTION_WORDS:
            words = _(ACTION_WORDS[action[len(role) :]])
            return _("%(action)s (%(role)s)", action=words, role=_(_ROLE_WORDS[role]))
    return action.replace("_", " ").replace(".", ": ")


def describe_field(field: str | None) -> str:
    """A recorded field's name in words ("joining_date" → "joining date")."""
    if not field:
        return ""
    return _(FIELD_WORDS[field]) if field in FIELD_WORDS else field


@dataclass(frozen=True)
class AuditFilter:
    """What HR narrowed the log to. `since`/`until` are instants (the view turns HR's days,
    in their own zone, into them); `person` matches the actor's or the person's name or email."""

    kind: str | None = None
    person: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def described(self) -> str:
        """The filter in words, kept in the log (in English, like every recorded subject)."""
        parts = []
        if self.kind in ACTION_KINDS:
            with force_locale("en"):
                parts.append(str(ACTION_KINDS[self.kind][0]))
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
