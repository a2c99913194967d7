"""The recruiters' daily digest: what changed about their candidates, in their local morning.

Once a recruiter's local time reaches DIGEST_LOCAL_HOUR, their day is settled exactly once: a
`recruiter_digests` row for that local date, inserted with ON CONFLICT DO NOTHING so that only
one transaction can own it, and in the same transaction one email when there is something to
tell. Something to tell means something NEW since the last digest: a status change, a question
that went past the answer promise, a candidate who came within 7 days of joining. When there is,
the email also lists what still stands (every overdue question, everyone joining this week), so
it reads whole; a day with nothing new gets its row and no email, however much still stands.
Everything is gathered for all due recruiters at once: the number of queries does not grow
with the number of recruiters (only the INSERT of each email does).

Each candidate is in the digest of whoever answers them now (questions.cover): their
recruiter, or while the recruiter is away the colleague covering (marked "covering for …").
A recruiter who is away gets no digest; the first after their return covers their absence.
A question is overdue once its answer is due (questions.waiting.answer_due, in the
recruiter's working week).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased

from portal.core.database import upsert
from portal.core.extensions import db
from portal.core.i18n import _, ngettext
from portal.engagement import reason_words
from portal.engagement.models import RecruiterDigest, Status
from portal.events.models import EngagementEvent, EventKind
from portal.mail import notifications
from portal.people import availability
from portal.people.models import CandidateProfile, Role, User, WorkingHours
from portal.questions import cover
from portal.questions.waiting import answer_due, waiting_questions
from portal.questions.working_hours import promise_week
from portal.timeline.joining import candidate_joining

# Made once: building an alias costs more than the query it is used in.
_RECRUITER = aliased(User, name="assigned_recruiter")

FIRST_LOOK_BACK = timedelta(hours=24)  # what a recruiter's first digest covers
JOINING_HORIZON = timedelta(days=7)


@dataclass(frozen=True)
class StatusChange:
    """A candidate whose status moved since the last digest (first old status, last new one),
    said in the language the digest is written in."""

    candidate: User
    from_status: str | None  # None when the portal had no status for them yet
    to_status: str
    reason_texts: list[str]  # in English, as the event recorded them
    at: datetime
    covering_for: User | None = None  # the away recruiter, for a candidate covered
    reason_facts: list[dict[str, Any]] = field(default_factory=list)  # what they are worded from

    @property
    def before(self) -> str | None:
        """The old status in words; None when the portal had none for them yet."""
        return Status.words_for(self.from_status) if self.from_status else None

    @property
    def after(self) -> str:
        return Status.words_for(self.to_status)

    @property
    def reasons(self) -> list[str]:
        return reason_words.said(self.reason_facts, self.reason_texts)


@dataclass(frozen=True)
class OverdueQuestion:
    candidate: User
    waiting_since: datetime
    hours: int  # how long it has waited, in whole hours
    is_new: bool = True  # went overdue since the last digest
    covering_for: User | None = None

    @property
    def waited(self) -> str:
        """ "30 hours", "3 days": in hours for the first three days, as the dashboard's
        reasons say it, then in days."""
        if self.hours < 72:
            if not self.hours:
                return _("less than an hour")
            return ngettext("%(num)d hour", "%(num)d hours", self.hours)
        return ngettext("%(num)d day", "%(num)d days", self.hours // 24)


@dataclass(frozen=True)
class Joining:
    candidate: User
    joins_at: datetime
    days_until: int  # calendar days in the recruiter's zone
    is_new: bool = True  # came within the week since the last digest
    covering_for: User | None = None


@dataclass
class Digest:
    """One recruiter's digest for one local day."""

    recruiter: User
    local_date: date
    since: datetime
    changes: list[StatusChange] = field(default_factory=list)
    overdue: list[OverdueQuestion] = field(default_factory=list)
    joinings: list[Joining] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        """Only what is new since the last digest warrants an email (no daily repeats)."""
        return bool(
            self.changes
            or any(item.is_new for item in self.overdue)
            or any(item.is_new for item in self.joinings)
        )

    @property
    def subject(self) -> str:
        """ "Your candidates today: 1 status change, 2 overdue questions" (in the language
        being written in)."""
        parts = [
            ngettext("%(num)d status change", "%(num)d status changes", len(self.changes))
            if self.changes
            else "",
            ngettext("%(num)d overdue question", "%(num)d overdue questions", len(self.overdue))
            if self.overdue
            else "",
            ngettext("%(num)d joining this week", "%(num)d joinings this week", len(self.joinings))
            if self.joinings
            else "",
        ]
        return _("Your candidates today: %(news)s", news=", ".join(part for part in parts if part))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def send_due(now: datetime) -> int:
    """Settle today's digest for every active recruiter whose local morning has come and who
    has none for their local date yet; returns how many digest emails were queued. Flushes
    only: the worker job commits (and delivers afterwards)."""
    active: set[int] = set()
    away = availability.away_now(now)
    digests = _due_digests(now, active, set(away))
    if not digests:
        return 0
    _gather(digests, now, cover.Routing(active, away))
    return _settle(digests, now)


def _due_recruiters(now: datetime, active: set[int]) -> dict[int, tuple[User, date]]:
    """The active recruiters past their digest hour (and every active one's id in `active`)."""
    hour = current_app.config["DIGEST_LOCAL_HOUR"]
    recruiters = db.session.scalars(
        select(User).where(User.role == Role.RECRUITER, User.is_active.is_(True))
    )
    due = {}
    for recruiter in recruiters:
        active.add(recruiter.id)
        local = now.astimezone(_zone(recruiter.time_zone))
        if local.hour >= hour:
            due[recruiter.id] = (recruiter, local.date())
    return due


def _due_digests(now: datetime, active: set[int], away: set[int]) -> dict[int, Digest]:
    """Recruiters past their digest hour whose local day is not settled yet, with the moment
    their digest starts from (their last digest, else 24 hours ago). A recruiter who is `away`
    gets nothing, and their days stay unsettled: the first digest after their return starts
    from their last one, so it tells what happened meanwhile."""
    due = {
        recruiter_id: found
        for recruiter_id, found in _due_recruiters(now, active).items()
        if recruiter_id not in away
    }
    if not due:
        return {}
    last = {
        recruiter_id: (last_date, last_created)
        for recruiter_id, last_date, last_created in db.session.execute(
            select(
                RecruiterDigest.recruiter_id,
                func.max(RecruiterDigest.local_date),
                func.max(RecruiterDigest.created_at),
            )
            .where(RecruiterDigest.recruiter_id.in_(due))
            .group_by(RecruiterDigest.recruiter_id)
        )
    }
    digests = {}
    for recruiter_id, (recruiter, local_date) in due.items():
        last_date, last_created = last.get(recruiter_id, (None, None))
        if last_date is not None and last_date >= local_date:
            continue
        since = min(last_created or now - FIRST_LOOK_BACK, now)
        digests[recruiter_id] = Digest(recruiter, local_date, since)
    return digests


def _gather(digests: dict[int, Digest], now: datetime, routing: cover.Routing) -> None:
    """Fill every digest in two queries: status changes, then questions and joinings."""
    # The candidates of these recruiters, and of those away (whom they may cover for).
    scope = list(set(digests) | set(routing.away))
    _gather_changes(digests, scope, now, routing)
    _gather_overdue_and_joinings(digests, scope, now, routing)
    for digest in digests.values():
        digest.overdue.sort(key=lambda item: item.waiting_since)
        digest.joinings.sort(key=lambda item: item.joins_at)


def _recipient(
    digests: dict[int, Digest], routing: cover.Routing, profile_ids: tuple[Any, Any]
) -> tuple[Digest | None, User | None]:
    """The digest a candidate belongs in (whoever answers them now), and the away recruiter
    it covers for; (None, None) when nobody due answers them."""
    route = routing.route(*profile_ids)
    digest = digests.get(route.person_id) if route.person_id is not None else None
    if digest is None:
        return None, None
    away = routing.away.get(route.covering_for_id) if route.covering_for_id else None
    return digest, away.recruiter if away is not None else None


def _gather_changes(
    digests: dict[int, Digest], scope: list[int], now: datetime, routing: cover.Routing
) -> None:
    """Each candidate's net status change since their digest's last one (one query)."""
    earliest = min(digest.since for digest in digests.values())
    events = db.session.execute(
        select(
            EngagementEvent,
            User,
            CandidateProfile.recruiter_id,
            CandidateProfile.backup_recruiter_id,
        )
        .join(User, User.id == EngagementEvent.candidate_id)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .where(
            EngagementEvent.kind == EventKind.STATUS_CHANGED,
            EngagementEvent.occurred_at > earliest,
            EngagementEvent.occurred_at <= now,
            CandidateProfile.recruiter_id.in_(scope),
            User.is_active.is_(True),
        )
        .order_by(EngagementEvent.occurred_at, EngagementEvent.id)
    )
    per_candidate: dict[int, list[EngagementEvent]] = defaultdict(list)
    candidates: dict[int, tuple[User, Digest, User | None]] = {}
    for event, candidate, recruiter_id, backup_id in events:
        digest, covering_for = _recipient(digests, routing, (recruiter_id, backup_id))
        if digest is not None and event.occurred_at > digest.since:
            per_candidate[candidate.id].append(event)
            candidates[candidate.id] = (candidate, digest, covering_for)
    for candidate_id, changes in per_candidate.items():
        candidate, digest, covering_for = candidates[candidate_id]
        change = _net_change(candidate, changes)
        if change is not None:
            digest.changes.append(replace(change, covering_for=covering_for))


def _gather_overdue_and_joinings(
    digests: dict[int, Digest], scope: list[int], now: datetime, routing: cover.Routing
) -> None:
    """The candidates with a question past its answer promise, or joining within the week
    (one query)."""
    # "Unanswered since" as the question pages and the engagement status say it.
    waiting = waiting_questions(
        select(CandidateProfile.user_id).where(CandidateProfile.recruiter_id.in_(scope))
    )
    waiting_since = waiting.c.waiting_since
    horizon = now + JOINING_HORIZON
    recruiter = _RECRUITER
    rows = db.session.execute(
        select(User, CandidateProfile, waiting_since, recruiter, WorkingHours)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .outerjoin(waiting, waiting.c.candidate_id == User.id)
        .outerjoin(recruiter, recruiter.id == CandidateProfile.recruiter_id)
        .outerjoin(WorkingHours, WorkingHours.user_id == CandidateProfile.recruiter_id)
        .where(
            User.is_active.is_(True),
            CandidateProfile.recruiter_id.in_(scope),
            or_(
                waiting_since.is_not(None),
                # A day's margin either side: the exact instant depends on the zone.
                CandidateProfile.joining_date.between(
                    (now - timedelta(days=1)).date(), (horizon + timedelta(days=1)).date()
                ),
            ),
        )
        .order_by(CandidateProfile.joining_date, User.name)
    )
    for candidate, profile, since, assigned, hours in rows:
        digest, covering_for = _recipient(
            digests, routing, (profile.recruiter_id, profile.backup_recruiter_id)
        )
        if digest is None:
            continue
        due = answer_due(since, promise_week(assigned, hours, profile.joining_time_zone))
        if since is not None and due is not None and due <= now:
            digest.overdue.append(
                OverdueQuestion(
                    candidate,
                    since,
                    int((now - since).total_seconds() // 3600),
                    is_new=due > digest.since,
                    covering_for=covering_for,
                )
            )
        joins_at = candidate_joining(profile)
        if now < joins_at <= horizon:
            joining = _joining(digest, candidate, joins_at, now)
            digest.joinings.append(replace(joining, covering_for=covering_for))


def _joining(digest: Digest, candidate: User, joins_at: datetime, now: datetime) -> Joining:
    """A joining within the week, in days as the recruiter's calendar counts them."""
    zone = _zone(digest.recruiter.time_zone)
    days = (joins_at.astimezone(zone).date() - now.astimezone(zone).date()).days
    return Joining(candidate, joins_at, days, is_new=joins_at - JOINING_HORIZON > digest.since)


def _net_change(candidate: User, events: list[EngagementEvent]) -> StatusChange | None:
    """From the first change's old status to the last one's new status; None when the
    candidate ended where they started (quiet for an hour, then back)."""
    first, last = events[0].data or {}, events[-1].data or {}
    before, after = first.get("from"), last.get("to")
    if after is None or before == after:
        return None
    return StatusChange(
        candidate=candidate,
        from_status=before or None,
        to_status=after,
        reason_texts=[str(reason) for reason in last.get("reasons") or []],
        at=events[-1].occurred_at,
        reason_facts=list(last.get("reason_facts") or []),
    )


def _settle(digests: dict[int, Digest], now: datetime) -> int:
    """Claim each recruiter's day with one INSERT ... ON CONFLICT DO NOTHING; queue mail only
    for the days this transaction won, and point their rows at it."""
    claimed = db.session.execute(
        upsert(RecruiterDigest)
        .values(
            [
                {"recruiter_id": d.recruiter.id, "local_date": d.local_date, "created_at": now}
                for d in digests.values()
            ]
        )
        .on_conflict_do_nothing(
            index_elements=[RecruiterDigest.recruiter_id, RecruiterDigest.local_date]
        )
        .returning(RecruiterDigest.id, RecruiterDigest.recruiter_id)
    ).all()
    links = []
    for row_id, recruiter_id in claimed:
        digest = digests[recruiter_id]
        if not digest.has_news:
            continue
        with notifications.written_for(digest.recruiter):
            subject = digest.subject
        email = notifications.queue(
            to=digest.recruiter,
            kind="digest",
            template="engagement/email/recruiter_digest",
            subject=subject,
            about=f"digest:{recruiter_id}:{digest.local_date.isoformat()}",
            digest=digest,
        )
        links.append({"id": row_id, "email_id": email.id})
    if links:
        db.session.execute(update(RecruiterDigest), links)
    return len(links)
