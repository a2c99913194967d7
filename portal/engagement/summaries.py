"""Keeping each candidate's summary (CandidateSummary) current, so pages read one row per
candidate instead of aggregating the event log.

- Whatever a flush writes is followed, in the same transaction: an event the candidate caused
  adds to the counts, "last seen" and the day's bar; a pulse answer re-reads the last two
  pulses; a message added or removed, or a thread closed or reopened ("no reply needed"),
  re-reads what waits for an answer (questions.waiting); a task ticked off or back, a
  candidate's own milestone, or a joining day, place or department that moves their tasks,
  re-reads their checklist (timeline.checklist), and a template milestone changed re-reads
  everyone's; a change to the profile or account (recruiter, joining date, location, active,
  signed up) is copied. A few statements per
  flush, however many rows it wrote. (The home page's view, written without the ORM, arrives
  through `events.log.event_recorded`.) Rows inserted in bulk with Core bypass this: call
  `rebuild` for them.
- Every candidate touched so is evaluated (status, reasons, board order) just before the
  transaction commits; the worker re-evaluates everyone every few minutes as time passes
  (`summary_rebuild.evaluate_all`), which also rebuilds any summary that is missing.
- `summary_rebuild.rebuild` recomputes summaries from scratch (`flask engagement
  rebuild-summaries`); a test shows it gives what the incremental updates gave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    bindparam,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from portal.core import clock
from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement import summary_facts as facts
from portal.engagement.models import CandidateSummary, PulseResponse
from portal.events.log import event_recorded
from portal.events.models import ACTIVITY_KINDS, EngagementEvent
from portal.people.models import CandidateProfile, Role, User, WorkingHours
from portal.questions.models import Message, ThreadClosure
from portal.timeline.models import CandidateMilestone, ChecklistTick, MilestoneTemplate

_TO_EVALUATE = "engagement.summaries.to_evaluate"
# Up to this many candidates are evaluated from the session's objects, more with one query.
IN_MEMORY_MAX = 10
_SEEN = "engagement.summaries.seen"
# The summaries a request touched, kept until they are evaluated at the commit: the session
# holds clean objects only weakly, and each flush would otherwise read them again.
_HELD = "engagement.summaries.held"
# Threads a savepoint's flush changed, re-read at the transaction's next flush or its commit.
_THREADS_LATER = "engagement.summaries.threads_later"


# --- Facts from events -------------------------------------------------------------------------


def _mark(session: Session, key: str, ids: Iterable[int]) -> None:
    session.info.setdefault(key, set()).update(ids)


def _hold(session: Session, summaries: dict[int, CandidateSummary]) -> None:
    """Keep a few touched summaries (a request's) in the session until they are evaluated."""
    if len(summaries) <= IN_MEMORY_MAX:
        session.info.setdefault(_HELD, {}).update(summaries)


@event_recorded.connect
def _on_home_view(candidate_id: int, *, kind: str, at: datetime, **_: Any) -> None:
    """An event written without the ORM (the home page's once-an-hour view)."""
    session = db.session()
    with session.no_autoflush:
        summary = session.get(CandidateSummary, candidate_id)
    if summary is None:
        # Imported here: summary_rebuild builds on this module's `evaluate`.
        from portal.engagement.summary_rebuild import rebuild

        rebuild([candidate_id])
    else:
        facts.apply_event(summary, kind, at)
        _mark(session, _TO_EVALUATE, [candidate_id])
        _hold(session, {candidate_id: summary})


# --- Copies of the profile and account ---------------------------------------------------------

_PROFILE_FIELDS = (
    "recruiter_id",
    "joining_date",
    "joining_time",
    "joining_time_zone",
    "location",
)
_ACCOUNT_FIELDS = ("is_active", "password_hash", "role", "created_at", "last_sign_in_at")
# What dates a candidate's tasks and chooses which reach them (timeline.dates).
_TASK_FIELDS = ("joining_date", "joining_time_zone", "location", "department")


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
    tasks: set[int] = field(default_factory=set)  # candidates whose checklist changed
    moved: list[CandidateProfile] = field(default_factory=list)  # their tasks' days, too
    every_checklist: bool = False  # a template milestone changed: everyone's checklist


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
            seen.moved.append(obj)
    for obj in session.dirty:
        if isinstance(obj, Message):
            seen.threads.add(obj.candidate_id)
        elif isinstance(obj, PulseResponse):
            seen.pulses.add(obj.candidate_id)
        elif _person_changed(obj):
            seen.people.append(obj)
        if isinstance(obj, CandidateProfile) and _changed(obj, _TASK_FIELDS):
            seen.moved.append(obj)
    for obj in session.deleted:
        if isinstance(obj, Message | ThreadClosure):
            seen.threads.add(obj.candidate_id)
        elif isinstance(obj, PulseResponse):
            seen.pulses.add(obj.candidate_id)
    _note_checklists(session, seen)


def _note_checklists(session: Session, seen: _Seen) -> None:
    """Ticks and a candidate's milestones change their checklist; a template, everyone's."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ChecklistTick | CandidateMilestone):
            seen.tasks.add(obj.candidate_id)
        elif isinstance(obj, MilestoneTemplate) and (
            obj in session.new or obj in session.deleted or session.is_modified(obj)
        ):
            seen.every_checklist = True


@event.listens_for(Session, "after_flush_postexec")
def _follow_changes(session: Session, _context: UOWTransaction) -> None:
    seen: _Seen | None = session.info.pop(_SEEN, None)
    if seen is None:
        return
    if session.in_nested_transaction():
        # A savepoint's thread changes (a message posted at most once) are re-read later, with
        # whatever the transaction writes next: a re-read gives the same then, and the summary
        # is not written twice.
        _mark(session, _THREADS_LATER, seen.threads)
        seen.threads = set()
    else:
        seen.threads |= session.info.pop(_THREADS_LATER, set())
    _follow(session, seen)


def _follow(session: Session, seen: _Seen) -> None:
    people = set()
    for obj in seen.people:
        if isinstance(obj, CandidateProfile) and obj.user_id is not None:
            people.add(obj.user_id)
        elif isinstance(obj, User) and obj.id is not None and obj.role == Role.CANDIDATE:
            people.add(obj.id)
    events = [e for e in seen.events if e.candidate_id is not None and e.kind in ACTIVITY_KINDS]
    tasks = seen.tasks | {obj.user_id for obj in seen.moved if obj.user_id is not None}
    if seen.every_checklist:
        tasks = set(session.scalars(select(CandidateProfile.user_id)))
    touched = people | seen.threads | seen.pulses | tasks | {e.candidate_id for e in events}
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
        if tasks:
            facts.refresh_tasks(sorted(tasks & loaded.keys()), everyone=seen.every_checklist)
    _mark(session, _TO_EVALUATE, touched)
    _hold(session, loaded)


@event.listens_for(Session, "before_commit")
def _evaluate_touched(session: Session) -> None:
    """Just before a commit: the status of every candidate this transaction touched (once, at
    the outer commit: a savepoint's commit leaves it for later)."""
    if session.in_nested_transaction():
        return
    pending = session.new | session.dirty | session.deleted
    if any(not isinstance(obj, CandidateSummary) for obj in pending):
        session.flush()  # so that every change has been followed
    later = session.info.pop(_THREADS_LATER, None)
    if later:
        _follow(session, _Seen(threads=later))
    ids = session.info.pop(_TO_EVALUATE, None)
    if ids:
        evaluate(sorted(ids), clock.now(), session=session)
    session.info.pop(_HELD, None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_TO_EVALUATE, None)
    session.info.pop(_SEEN, None)
    session.info.pop(_HELD, None)


@event.listens_for(Session, "after_transaction_end")
def _let_go(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without a commit or rollback keeps no summaries either; threads left
    to re-read go with the transaction (a savepoint rolled back leaves them: a re-read is
    harmless)."""
    if transaction.parent is None:
        session.info.pop(_HELD, None)
        session.info.pop(_THREADS_LATER, None)


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


# The active recruiter's zone and working week, which the answer promise counts in; built once
# (every request that touches a candidate runs it).
_RECRUITER_WEEK = (
    select(
        User.time_zone,
        WorkingHours.weekdays,
        WorkingHours.starts_minute,
        WorkingHours.ends_minute,
        WorkingHours.holiday_calendar,
    )
    .outerjoin(WorkingHours, WorkingHours.user_id == User.id)
    .where(User.id == bindparam("recruiter_id"), User.is_active.is_(True))
)


def _signal_in_memory(
    session: Session, candidate_id: int, now: datetime
) -> engagement.CandidateSignal | None:
    user = session.get(User, candidate_id)
    summary = session.get(CandidateSummary, candidate_id)
    if user is None or summary is None or user.candidate_profile is None:
        return None
    profile = user.candidate_profile
    # One query whatever else the candidate has (so a page costs the same with a question
    # waiting).
    week = None
    if profile.recruiter_id is not None:
        week = session.execute(_RECRUITER_WEEK, {"recruiter_id": profile.recruiter_id}).first()
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
        tasks_total=summary.tasks_total or 0,
        tasks_done=summary.tasks_done or 0,
        task_dues=summary.task_dues,
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
