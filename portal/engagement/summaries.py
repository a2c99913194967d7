"""Keeping each candidate's summary (CandidateSummary) current, so pages read one row per
candidate instead of aggregating the event log.

- Whatever a flush writes is followed, in the same transaction: an event the candidate caused
  adds to the counts, "last seen" and the day's bar; a pulse answer re-reads the last two
  pulses; a message added or removed, or a thread closed or reopened ("no reply needed"),
  re-reads what waits for an answer (questions.waiting); a change to the profile or account
  (recruiter, joining date, location, active, signed up) is copied. A few statements per
  flush, however many rows it wrote. (The home page's view, written without the ORM, arrives
  through `events.log.event_recorded`.) Rows inserted in bulk with Core bypass this: call
  `rebuild` for them.
- Every candidate touched so is evaluated (status, reasons, board order) just before the
  transaction commits; the worker re-evaluates everyone every few minutes as time passes
  (`evaluate_all`), which also rebuilds any summary that is missing.
- `rebuild` recomputes summaries from scratch (`flask engagement rebuild-summaries`); a test
  shows it gives what the incremental updates gave.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Table,
    bindparam,
    event,
    exists,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Session, UOWTransaction

from portal.core import clock
from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement import summary_facts as facts
from portal.engagement.models import CandidateSummary, PulseResponse
from portal.events.log import event_recorded
from portal.events.models import ACTIVITY_KINDS, EngagementEvent
from portal.people.models import CandidateProfile, Role, User, WorkingHours
from portal.questions.models import Message, ThreadClosure

_TO_EVALUATE = "engagement.summaries.to_evaluate"
# Up to this many candidates are evaluated from the session's objects, more with one query.
IN_MEMORY_MAX = 10
_SEEN = "engagement.summaries.seen"


# --- Facts from events -------------------------------------------------------------------------


def _mark(session: Session, key: str, ids: Iterable[int]) -> None:
    session.info.setdefault(key, set()).update(ids)


@event_recorded.connect
def _on_home_view(candidate_id: int, *, kind: str, at: datetime, **_: Any) -> None:
    """An event written without the ORM (the home page's once-an-hour view)."""
    session = db.session()
    with session.no_autoflush:
        summary = session.get(CandidateSummary, candidate_id)
    if summary is None:
        rebuild([candidate_id])
    else:
        facts.apply_event(summary, kind, at)
        _mark(session, _TO_EVALUATE, [candidate_id])


# --- Copies of the profile and account ---------------------------------------------------------

_PROFILE_FIELDS = (
    "recruiter_id",
    "joining_date",
    "joining_time",
    "joining_time_zone",
    "location",
)
_ACCOUNT_FIELDS = ("is_active", "password_hash", "role", "created_at", "last_sign_in_at")


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _person_changed(obj: object) -> bool:
    if isinstance(obj, CandidateProfile):
        return _changed(obj, _PROFILE_FIELDS)
    return isinstance(obj, User) and _changed(obj, _ACCOUNT_FIELDS)


@dataclass
class _Seen:
    """What a flush is about to write that the summaries must follow."""

    events: list[EngagementEvent] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)  # candidates whose thread changed
    pulses: set[int] = field(default_factory=set)  # candidates whose pulses changed
    people: list[CandidateProfile | User] = field(default_factory=list)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    seen = session.info.setdefault(_SEEN, _Seen())
    for obj in session.new:
        if isinstance(obj, EngagementEvent):
            seen.events.append(obj)
        elif isinstance(obj, Message | ThreadClosure):
            seen.threads.add(obj.candidate_id)
        elif isinstance(obj, PulseResponse):
            seen.pulses.add(obj.candidate_id)
        elif isinstance(obj, CandidateProfile):
            seen.people.append(obj)
    for obj in session.dirty:
        if isinstance(obj, Message):
            seen.threads.add(obj.candidate_id)
        elif isinstance(obj, PulseResponse):
            seen.pulses.add(obj.candidate_id)
        elif _person_changed(obj):
            seen.people.append(obj)
    for obj in session.deleted:
        if isinstance(obj, Message | ThreadClosure):
            seen.threads.add(obj.candidate_id)
        elif isinstance(obj, PulseResponse):
            seen.pulses.add(obj.candidate_id)


@event.listens_for(Session, "after_flush_postexec")
def _follow_changes(session: Session, _context: UOWTransaction) -> None:
    seen: _Seen | None = session.info.pop(_SEEN, None)
    if seen is None:
        return
    people = set()
    for obj in seen.people:
        if isinstance(obj, CandidateProfile) and obj.user_id is not None:
            people.add(obj.user_id)
        elif isinstance(obj, User) and obj.id is not None and obj.role == Role.CANDIDATE:
            people.add(obj.id)
    events = [e for e in seen.events if e.candidate_id is not None and e.kind in ACTIVITY_KINDS]
    touched = people | seen.threads | seen.pulses | {e.candidate_id for e in events}
    if not touched:
        return
    connection = session.connection()
    if people:
        connection.execute(facts.insert_missing(sorted(people)))  # new candidates
        connection.execute(
            update(CandidateSummary)
            .where(CandidateSummary.candidate_id.in_(people))
            .values(facts.copied_columns())
            .execution_options(synchronize_session=False)
        )
    with session.no_autoflush:
        loaded = facts.summaries_of(session, touched, expire=people)
        for found in events:
            if found.candidate_id in loaded:
                facts.apply_event(loaded[found.candidate_id], found.kind, found.occurred_at)
        if seen.threads:
            facts.refresh_waiting(sorted(seen.threads & loaded.keys()))
        if seen.pulses:
            facts.refresh_pulses(sorted(seen.pulses & loaded.keys()))
    _mark(session, _TO_EVALUATE, touched)


@event.listens_for(Session, "before_commit")
def _evaluate_touched(session: Session) -> None:
    """Just before a commit: the status of every candidate this transaction touched (once, at
    the outer commit: a savepoint's commit leaves it for later)."""
    if session.in_nested_transaction():
        return
    pending = session.new | session.dirty | session.deleted
    if any(not isinstance(obj, CandidateSummary) for obj in pending):
        session.flush()  # so that every change has been followed
    ids = session.info.pop(_TO_EVALUATE, None)
    if ids:
        evaluate(sorted(ids), clock.now(), session=session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_TO_EVALUATE, None)
    session.info.pop(_SEEN, None)


# --- Evaluation --------------------------------------------------------------------------------


def evaluate(ids: list[int], now: datetime, *, session: Session | None = None) -> int:
    """Evaluate these candidates' status from their summaries and store it; how many changed.

    A few candidates (one request's) are evaluated from the objects the session holds, so the
    status goes out in the same UPDATE as the facts; many (a rebuild) from one query over the
    flushed summaries. The rules are the same function either way (status._signal)."""
    session = session or db.session()
    if not ids:
        return 0
    if len(ids) <= IN_MEMORY_MAX:
        with session.no_autoflush:
            found = [signal for i in ids if (signal := _signal_in_memory(session, i, now))]
            return _store(found, now, session)
    session.flush()
    found = engagement.signals(now, candidate_ids=ids, active_only=False)
    return _store(found, now, session)


def _signal_in_memory(
    session: Session, candidate_id: int, now: datetime
) -> engagement.CandidateSignal | None:
    user = session.get(User, candidate_id)
    summary = session.get(CandidateSummary, candidate_id)
    if user is None or summary is None or user.candidate_profile is None:
        return None
    profile = user.candidate_profile
    # The active recruiter's zone and working week, which the answer promise counts in: one
    # query whatever else the candidate has (so a page costs the same with a question waiting).
    week = None
    if profile.recruiter_id is not None:
        week = session.execute(
            select(
                User.time_zone,
                WorkingHours.weekdays,
                WorkingHours.starts_minute,
                WorkingHours.ends_minute,
                WorkingHours.holiday_calendar,
            )
            .outerjoin(WorkingHours, WorkingHours.user_id == User.id)
            .where(User.id == profile.recruiter_id, User.is_active.is_(True))
        ).first()
    facts = SimpleNamespace(
        id=user.id,
        name=user.name,
        email=user.email,
        created_at=user.created_at,
        signed_up=user.password_hash is not None,
        last_sign_in_at=user.last_sign_in_at,
        job_title=profile.job_title,
        joining_date=profile.joining_date,
        joining_time=profile.joining_time,
        joining_time_zone=profile.joining_time_zone,
        recruiter_id=profile.recruiter_id,
        recruiter_name=None,  # not needed to evaluate
        recruiter_zone=week[0] if week is not None else None,
        work_weekdays=week[1] if week is not None else None,
        work_starts=week[2] if week is not None else None,
        work_ends=week[3] if week is not None else None,
        work_holidays=week[4] if week is not None else None,
        last_seen=summary.last_seen_at,
        opened=summary.opened_count or 0,
        unanswered=summary.unanswered or 0,
        waiting_since=summary.waiting_since,
        first_waiting_id=summary.first_waiting_id,
        last_pulse=summary.last_pulse,
        previous_pulse=summary.previous_pulse,
    )
    return engagement.evaluate_facts(facts, now)


def _store(found: list[engagement.CandidateSignal], now: datetime, session: Session) -> int:
    ids = [signal.candidate_id for signal in found]
    summaries = facts.summaries_of(session, set(ids), expire=set())
    changed = 0
    for signal in found:
        summary = summaries.get(signal.candidate_id)
        if summary is None:
            continue
        status, reasons, rank = facts.stored(signal)
        if (summary.status, summary.reasons, summary.board_rank) != (status, reasons, rank):
            summary.status, summary.reasons, summary.board_rank = status, reasons, rank
            changed += 1
        summary.evaluated_at = now
    return changed


def evaluate_all(now: datetime) -> list[engagement.CandidateSignal]:
    """The worker's pass: rebuild any missing summary, then store every active candidate's
    status as of `now` (writing only those that changed, and the time of the check for all),
    and return their signals for the worker's other checks: the statuses are worked out once.
    A deactivated candidate's summary was evaluated when the account closed and is never
    listed."""
    missing = list(
        db.session.scalars(
            select(CandidateProfile.user_id).where(
                ~exists().where(CandidateSummary.candidate_id == CandidateProfile.user_id)
            )
        )
    )
    if missing:
        rebuild(missing)
    found = engagement.signals(now)
    by_id = {s.candidate_id: s for s in found}
    rows = db.session.execute(
        select(
            CandidateSummary.candidate_id,
            CandidateSummary.status,
            CandidateSummary.reasons,
            CandidateSummary.board_rank,
        ).where(CandidateSummary.is_active.is_(True))
    )
    updates = []
    for candidate_id, status, reasons, rank in rows:
        signal = by_id.get(candidate_id)
        if signal is None:
            continue
        stored = facts.stored(signal)
        if (status, reasons, rank) != stored:
            updates.append(
                {
                    "key": candidate_id,
                    "status": stored[0],
                    "reasons": stored[1],
                    "board_rank": stored[2],
                }
            )
    if updates:
        table = typing.cast(Table, CandidateSummary.__table__)
        db.session.connection().execute(
            update(table)
            .where(table.c.candidate_id == bindparam("key"))
            .values(
                status=bindparam("status"),
                reasons=bindparam("reasons"),
                board_rank=bindparam("board_rank"),
            ),
            updates,
        )
    db.session.execute(
        update(CandidateSummary)
        .where(CandidateSummary.is_active.is_(True))
        .values(evaluated_at=now)
        .execution_options(synchronize_session=False)
    )
    return found


# --- Rebuilding from the events ----------------------------------------------------------------


def rebuild(ids: list[int] | None = None) -> int:
    """Recompute these candidates' summaries (everyone's when None) from the events, questions,
    pulses and profiles, replacing what was there; then evaluate them. A fixed number of
    queries, whatever the numbers. Returns how many summaries were rebuilt."""
    if ids is not None and not ids:
        return 0
    session = db.session()
    session.execute(facts.insert_missing(ids))
    chosen = select(CandidateSummary)
    if ids is not None:
        chosen = chosen.where(CandidateSummary.candidate_id.in_(ids))
    summaries = {summary.candidate_id: summary for summary in session.scalars(chosen)}
    if not summaries:
        return 0
    targets = list(summaries)
    for blank in summaries.values():
        blank.last_seen_at = None
        blank.first_seen_at = None
        blank.opened_count = 0
        blank.event_counts = {}
        blank.activity_days = {}
    where = [EngagementEvent.kind.in_(ACTIVITY_KINDS)]
    if ids is not None:
        where.append(EngagementEvent.candidate_id.in_(ids))
    # Counts per kind, and the first and last time of each (one query).
    totals = session.execute(
        select(
            EngagementEvent.candidate_id,
            EngagementEvent.kind,
            func.count(),
            func.min(EngagementEvent.occurred_at),
            func.max(EngagementEvent.occurred_at),
        )
        .where(*where)
        .group_by(EngagementEvent.candidate_id, EngagementEvent.kind)
    )
    for candidate_id, kind, count, first, last in totals:
        if (summary := summaries.get(candidate_id)) is None:
            continue
        summary.event_counts = {**summary.event_counts, kind: count}
        if kind in engagement.OPENED_KINDS:
            summary.opened_count += count
        if summary.last_seen_at is None or last > summary.last_seen_at:
            summary.last_seen_at = last
        if summary.first_seen_at is None or first < summary.first_seen_at:
            summary.first_seen_at = first
    # Per UTC day, counted from a fixed origin, then kept to each one's window (one query).
    day = facts.day_number(facts.EPOCH).label("day")
    per_day = session.execute(
        select(EngagementEvent.candidate_id, day, func.count())
        .where(*where)
        .group_by(EngagementEvent.candidate_id, day)
    )
    days: dict[int, dict[str, int]] = {}
    for candidate_id, number, count in per_day:
        key = (facts.EPOCH.date() + timedelta(days=number)).isoformat()
        days.setdefault(candidate_id, {})[key] = count
    for candidate_id, found in days.items():
        if candidate_id in summaries:
            summaries[candidate_id].activity_days = facts.windowed(found)
    facts.refresh_waiting(targets, everyone=ids is None)
    facts.refresh_pulses(targets, everyone=ids is None)
    session.flush()
    evaluate(targets, clock.now(), session=session)
    return len(targets)
