"""No overdose: the rules that decide when an email to a candidate may leave.

Every email to a candidate carries a category (set by `notifications.queue` from its kind):

- "account" (invitation, password reset): someone is waiting for it. Sent at once, any hour,
  never counted against the cap.
- "answer" (new answers to the candidate's own questions): exempt from the weekly cap, but
  batched: the first answer's email waits ANSWER_BATCH_MINUTES and later answers join it
  instead of adding emails (see `notifications.queue`). Quiet hours apply.
- "essential" (the joining date or time moved, with the new .ics): quiet hours apply and it
  counts toward the cap. Every preference receives it, "essentials only" included. When the
  cap is already reached it waits for the next free slot, so the promise "at most
  CANDIDATE_WEEKLY_CAP emails a week" always holds. So that a date change practically never
  waits, "update" emails may only take CANDIDATE_WEEKLY_CAP - 1 of the slots: the last slot of
  any rolling week is kept for an essential. (A candidate would rather miss a newsletter than
  learn days late that their first day moved; only three or more changes in one week wait.)
- "update" (the "what's new" and weekly summary emails): quiet hours apply, counted toward the
  cap, and governed by the candidate's preference: an update the candidate no longer wants
  (they switched to another choice, or their account was closed) is dropped, not sent.

Staff mail (category None: questions to recruiters, digests) is never held here.

These rules are applied when an email is DELIVERED (delivery.claim), not when it is
queued, so they hold whoever queued the email and however many workers send mail. The cap
counts what was actually sent in the rolling seven days before the moment of sending, plus the
emails another worker has claimed and not finished: two workers cannot both take the last slot
because each locks the candidate first (`lock_candidates`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import MailPreference, Role, User

WEEK = timedelta(days=7)


class Category(StrEnum):
    ACCOUNT = "account"
    ANSWER = "answer"
    ESSENTIAL = "essential"
    UPDATE = "update"


CAPPED = (Category.ESSENTIAL.value, Category.UPDATE.value)

# Kinds of candidate mail and their category; a kind not listed here is treated as an update
# (capped, quiet hours) until someone decides otherwise.
CATEGORY_OF_KIND = {
    "invitation": Category.ACCOUNT,
    "password_reset": Category.ACCOUNT,
    "answer_posted": Category.ANSWER,
    "joining_changed": Category.ESSENTIAL,
    "candidate_update": Category.UPDATE,
    "weekly_summary": Category.UPDATE,
}

# Update kinds and the preference that asks for them.
WANTED_BY = {
    "candidate_update": MailPreference.EVERYTHING,
    "weekly_summary": MailPreference.WEEKLY_SUMMARY,
}


def category_for(recipient: User | None, kind: str) -> str | None:
    """The category of a `kind` email to `recipient`: None for staff or a bare address."""
    if recipient is None or recipient.role != Role.CANDIDATE:
        return None
    return CATEGORY_OF_KIND.get(kind, Category.UPDATE).value


@dataclass(frozen=True)
class Rules:
    """The cadence settings, read from the app's configuration."""

    cap: int | None  # emails per rolling 7 days (essential + update); None: no cap
    batch: timedelta  # how long the first answer's email waits for more answers
    quiet: tuple[int, int] | None  # local hours [start, end); None: no quiet hours

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Rules:
        cap = config.get("CANDIDATE_WEEKLY_CAP")
        quiet = config.get("QUIET_HOURS")
        return cls(
            cap=cap if cap and cap > 0 else None,
            batch=timedelta(minutes=config.get("ANSWER_BATCH_MINUTES") or 0),
            quiet=tuple(quiet) if quiet and quiet[0] != quiet[1] else None,
        )

    def limit_for(self, category: str) -> int | None:
        """How many capped emails may already be out for one of `category` to go."""
        if self.cap is None:
            return None
        if category == Category.UPDATE and self.cap > 1:
            return self.cap - 1  # the last slot is kept for an essential
        return self.cap


def is_quiet(moment: datetime, zone: str, quiet: tuple[int, int] | None) -> bool:
    """Whether `moment` falls in the quiet hours of the zone `zone`."""
    if quiet is None:
        return False
    start, end = quiet
    hour = moment.astimezone(zone_info(zone)).hour
    return (hour >= start or hour < end) if start > end else start <= hour < end


def after_quiet_hours(moment: datetime, zone: str, quiet: tuple[int, int] | None) -> datetime:
    """`moment` itself, or when it falls in quiet hours, the end of them (the local morning)."""
    if quiet is None or not is_quiet(moment, zone, quiet):
        return moment
    tz = zone_info(zone)
    local = moment.astimezone(tz)
    day = local.date()
    if local.hour >= quiet[1]:  # evening: the morning after
        day += timedelta(days=1)
    morning = datetime.combine(day, time(quiet[1]), tzinfo=tz)
    # A round trip through UTC moves a wall time that a clock change skipped to a real one.
    return morning.astimezone(UTC)


def zone_info(name: str) -> ZoneInfo:
    """The zone `name`, or UTC for one the system does not know (never a crash)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def lock_candidates(user_ids: set[int], *, skip_locked: bool) -> dict[int, User]:
    """Lock the candidates `user_ids` (PostgreSQL row locks, in id order; SQLite transactions
    here already hold the write lock) and load them with their profiles.

    With `skip_locked`, a candidate another transaction is deciding about right now is left
    out: the caller leaves that candidate's mail for its next pass. FOR NO KEY UPDATE, so that
    queuing an email to them (a foreign key to their row) never waits for it."""
    if not user_ids:
        return {}
    users = db.session.scalars(
        select(User)
        .where(User.id.in_(sorted(user_ids)), User.role == Role.CANDIDATE)
        .order_by(User.id)
        .options(selectinload(User.candidate_profile))  # a second, unlocked SELECT
        .with_for_update(skip_locked=skip_locked, key_share=True)
        .execution_options(populate_existing=True)
    ).all()
    return {user.id: user for user in users}


@dataclass
class Ledger:
    """Capped emails per candidate: when each was sent in the rolling week before `now`, and
    which are claimed or retrying (admitted, not yet sent: their slot is taken)."""

    now: datetime
    sent: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    admitted: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def load(cls, user_ids: set[int], now: datetime) -> Ledger:
        """One query for every candidate of `user_ids`."""
        ledger = cls(now)
        if not user_ids:
            return ledger
        rows = db.session.execute(
            select(
                OutgoingEmail.id,
                OutgoingEmail.to_user_id,
                OutgoingEmail.status,
                OutgoingEmail.sent_at,
            ).where(
                OutgoingEmail.to_user_id.in_(list(user_ids)),
                OutgoingEmail.category.in_(CAPPED),
                or_(
                    and_(
                        OutgoingEmail.status == EmailStatus.SENT,
                        OutgoingEmail.sent_at > now - WEEK,
                    ),
                    and_(OutgoingEmail.status == EmailStatus.PENDING, OutgoingEmail.attempts > 0),
                ),
            )
        )
        for email_id, user_id, status, sent_at in rows:
            # The query keeps emails to one of `user_ids`, and sent ones have their time.
            candidate_id = cast(int, user_id)
            if status == EmailStatus.SENT:
                ledger.sent[candidate_id].append(cast(datetime, sent_at))
            else:
                ledger.admitted[candidate_id].add(email_id)
        for times in ledger.sent.values():
            times.sort()
        return ledger

    def admit(self, email: OutgoingEmail) -> None:
        """`email` has just been claimed: its slot is taken."""
        if email.category in CAPPED and email.to_user_id is not None:
            self.admitted[email.to_user_id].add(email.id)

    def next_slot(self, email: OutgoingEmail, limit: int, retry: timedelta) -> datetime | None:
        """None if `email` fits under `limit` now, else when a slot frees up."""
        user_id = email.to_user_id
        sent = self.sent.get(user_id, []) if user_id is not None else []
        taken = self.admitted.get(user_id, set()) if user_id is not None else set()
        used = len(sent) + len(taken - {email.id})
        if used < limit:
            return None
        must_age_out = used - limit  # index of the sent email whose ageing out frees a slot
        if must_age_out < len(sent):
            return sent[must_age_out] + WEEK
        return self.now + retry  # only claimed emails in the way: they finish soon


def wanted(email: OutgoingEmail, user: User) -> bool:
    """Whether the candidate still wants this email (an update may no longer be)."""
    preference = WANTED_BY.get(email.kind)
    if email.category != Category.UPDATE or preference is None:
        return True
    profile = user.candidate_profile
    return user.is_active and profile is not None and profile.mail_preference == preference.value


def hold_until(
    email: OutgoingEmail, user: User, ledger: Ledger, rules: Rules, retry: timedelta
) -> datetime | None:
    """None when `email` may go now; otherwise the earliest moment it may.

    Answers wait for their batch window; essentials and updates for a free slot under the cap;
    then all three for the end of the quiet hours in the candidate's own zone."""
    now = ledger.now
    category = email.category
    if category not in (Category.ANSWER, Category.ESSENTIAL, Category.UPDATE):
        return None
    earliest = now
    if category == Category.ANSWER:
        earliest = max(earliest, email.created_at + rules.batch)
    else:
        limit = rules.limit_for(category)
        slot = ledger.next_slot(email, limit, retry) if limit is not None else None
        if slot is not None:
            earliest = max(earliest, slot)
    earliest = after_quiet_hours(earliest, user.time_zone, rules.quiet)
    return None if earliest <= now else earliest


def weekly_counts(now: datetime, ids: Collection[int] | None = None) -> dict[int, tuple[int, int]]:
    """For HR: per candidate, (emails sent in the rolling 7 days, of which counted toward the
    cap); only the candidates `ids` when given (a page of a list). One grouped query, whatever
    the number of candidates."""
    capped = func.sum(case((OutgoingEmail.category.in_(CAPPED), 1), else_=0))
    query = (
        select(OutgoingEmail.to_user_id, func.count(OutgoingEmail.id), capped)
        .where(
            OutgoingEmail.status == EmailStatus.SENT,
            OutgoingEmail.category.is_not(None),
            OutgoingEmail.to_user_id.is_not(None),
            OutgoingEmail.sent_at > now - WEEK,
        )
        .group_by(OutgoingEmail.to_user_id)
    )
    if ids is not None:
        query = query.where(OutgoingEmail.to_user_id.in_(list(ids)))
    rows = db.session.execute(query)
    return {user_id: (total, int(counted or 0)) for user_id, total, counted in rows}
