"""Keeping each candidate's summary (CandidateSummary) current, so pages read one row per
candidate instead of aggregating the event log.

- Whatever a flush writes is followed, in the same transaction: an event the candidate caused
  adds to the counts, "last seen" and the day's bar; a pulse answer re-reads the last two
  pulses; a message added or removed re-reads what waits for an answer; a change to the
  profile or account (recruiter, joining date, location, active, signed up) is copied. A few
  statements per flush, however many rows it wrote. (The home page's view, written without the
  ORM, arrives through `events.log.event_recorded`.) Rows inserted in bulk with Core bypass
  this: call `rebuild` for them.
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
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    bindparam,
    case,
    cast,
    event,
    exists,
    func,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.util import identity_key

from portal.core import clock
from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement.models import CandidateSummary, PulseResponse, Status
from portal.events.log import event_recorded
from portal.events.models import ACTIVITY_KINDS, EngagementEvent
from portal.people.models import CandidateProfile, Role, User
from portal.questions.models import Message
from portal.questions.waiting import waiting_questions

# Days of per-day counts kept, up to the latest active day (the sparkline shows 30).
ACTIVITY_WINDOW_DAYS = 35
# The board's order: riskiest first; those who have joined last.
BOARD_RANK = {Status.AT_RISK: 0, Status.QUIET: 1, Status.ENGAGED: 2}
JOINED_RANK = 3

_TO_EVALUATE = "engagement.summaries.to_evaluate"
# Up to this many candidates are evaluated from the session's objects, more with one query.
IN_MEMORY_MAX = 10
_SEEN = "engagement.summaries.seen"


# --- Facts from events -------------------------------------------------------------------------


def _day_key(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _windowed(days: dict[str, int]) -> dict[str, int]:
    """Only the ACTIVITY_WINDOW_DAYS up to the latest day with activity."""
    if not days:
        return {}
    latest = date.fromisoformat(max(days))
    first = (latest - timedelta(days=ACTIVITY_WINDOW_DAYS - 1)).isoformat()
    return {day: count for day, count in sorted(days.items()) if day >= first}


def _apply_event(summary: CandidateSummary, kind: str, at: datetime) -> None:
    if kind not in ACTIVITY_KINDS:
        return
    counts = dict(summary.event_counts or {})
    counts[kind] = counts.get(kind, 0) + 1
    summary.event_counts = counts
    if summary.last_seen_at is None or at > summary.last_seen_at:
        summary.last_seen_at = at
    if kind in engagement.OPENED_KINDS:
        summary.opened_count = (summary.opened_count or 0) + 1
    days = dict(summary.activity_days or {})
    key = _day_key(at)
    days[key] = days.get(key, 0) + 1
    summary.activity_days = _windowed(days)


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
        _apply_event(summary, kind, at)
        _mark(session, _TO_EVALUATE, [candidate_id])


def _refresh_waiting(ids: list[int], everyone: bool = False) -> None:
    """Re-read what waits for an answer in these candidates' threads (one query); `everyone`
    reads every thread (for a rebuild of every summary) instead of naming the ids."""
    waiting = waiting_questions(None if everyone else ids)
    found = {row.candidate_id: row for row in db.session.execute(select(waiting))}
    for candidate_id in ids:
        summary = db.session.get(CandidateSummary, candidate_id)
        if summary is None:
            continue
        row = found.get(candidate_id)
        summary.unanswered = row.unanswered if row is not None else 0
        summary.waiting_since = row.waiting_since if row is not None else None
        summary.first_waiting_id = row.first_waiting_id if row is not None else None


def _last_two_pulses(ids: list[int] | None) -> dict[int, tuple[int | None, int | None]]:
    """Per candidate: the latest pulse score and the one before it (one query)."""
    ranking = select(
        PulseResponse.candidate_id.label("candidate_id"),
        PulseResponse.score.label("score"),
        func.row_number()
        .over(
            partition_by=PulseResponse.candidate_id,
            order_by=(PulseResponse.answered_at.desc(), PulseResponse.id.desc()),
        )
        .label("position"),
    )
    if ids is not None:
        ranking = ranking.where(PulseResponse.candidate_id.in_(ids))
    ranked = ranking.subquery("ranked_pulses")
    query = (
        select(
            ranked.c.candidate_id,
            func.max(case((ranked.c.position == 1, ranked.c.score))),
            func.max(case((ranked.c.position == 2, ranked.c.score))),
        )
        .where(ranked.c.position <= 2)
        .group_by(ranked.c.candidate_id)
    )
    return {row[0]: (row[1], row[2]) for row in db.session.execute(query)}


def _refresh_pulses(ids: list[int], everyone: bool = False) -> None:
    found = _last_two_pulses(None if everyone else ids)
    for candidate_id in ids:
        summary = db.session.get(CandidateSummary, candidate_id)
        if summary is not None:
            summary.last_pulse, summary.previous_pulse = found.get(candidate_id, (None, None))


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
        elif isinstance(obj, Message):
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
        if isinstance(obj, Message):
            seen.threads.add(obj.candidate_id)
        elif isinstance(obj, PulseResponse):
            seen.pulses.add(obj.candidate_id)


def _copied_columns() -> dict[str, Any]:
    """The summary's copies of the profile and account, as correlated subqueries."""
    profile = select(CandidateProfile).where(
        CandidateProfile.user_id == CandidateSummary.candidate_id
    )
    user = select(User).where(User.id == CandidateSummary.candidate_id)
    return {
        "recruiter_id": profile.with_only_columns(CandidateProfile.recruiter_id).scalar_subquery(),
        "joining_date": profile.with_only_columns(CandidateProfile.joining_date).scalar_subquery(),
        "location": profile.with_only_columns(CandidateProfile.location).scalar_subquery(),
        "is_active": user.with_only_columns(User.is_active).scalar_subquery(),
        "signed_up": user.with_only_columns(User.password_hash.is_not(None)).scalar_subquery(),
    }


def _insert_missing(ids: list[int] | None = None) -> Any:
    """INSERT a bare summary for every candidate with a profile and no summary (or these)."""
    query = (
        select(
            CandidateProfile.user_id,
            CandidateProfile.recruiter_id,
            CandidateProfile.joining_date,
            CandidateProfile.location,
            User.is_active,
            User.password_hash.is_not(None),
            literal(0, Integer()),
            literal(0, Integer()),
            literal(Status.ENGAGED.value),
            literal(BOARD_RANK[Status.ENGAGED], Integer()),
        )
        .join(User, User.id == CandidateProfile.user_id)
        .where(
            ~exists().where(CandidateSummary.candidate_id == CandidateProfile.user_id),
        )
    )
    if ids is not None:
        query = query.where(CandidateProfile.user_id.in_(ids))
    columns = [
        "candidate_id",
        "recruiter_id",
        "joining_date",
        "location",
        "is_active",
        "signed_up",
        "opened_count",
        "unanswered",
        "status",
        "board_rank",
    ]
    return insert(CandidateSummary).from_select(columns, query, include_defaults=True)


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
        connection.execute(_insert_missing(sorted(people)))  # new candidates
        connection.execute(
            update(CandidateSummary)
            .where(CandidateSummary.candidate_id.in_(people))
            .values(_copied_columns())
            .execution_options(synchronize_session=False)
        )
    with session.no_autoflush:
        loaded = _summaries_of(session, touched, expire=people)
        for found in events:
            if found.candidate_id in loaded:
                _apply_event(loaded[found.candidate_id], found.kind, found.occurred_at)
        if seen.threads:
            _refresh_waiting(sorted(seen.threads & loaded.keys()))
        if seen.pulses:
            _refresh_pulses(sorted(seen.pulses & loaded.keys()))
    _mark(session, _TO_EVALUATE, touched)


_COPIED = ["recruiter_id", "joining_date", "location", "is_active", "signed_up"]


def _summaries_of(session: Session, ids: set[int], *, expire: set[int]) -> dict[int, Any]:
    """These candidates' summaries: those the session holds (no query), the rest in one
    SELECT, creating any that do not exist yet. `expire`: ids whose copies SQL just updated."""
    loaded: dict[int, Any] = {}
    for candidate_id in ids:
        held = session.identity_map.get(identity_key(CandidateSummary, candidate_id))
        if held is not None:
            if candidate_id in expire:
                session.expire(held, _COPIED)
            loaded[candidate_id] = held
    absent = ids - loaded.keys()
    if absent:
        query = select(CandidateSummary).where(CandidateSummary.candidate_id.in_(absent))
        loaded |= {summary.candidate_id: summary for summary in session.scalars(query)}
        missing = absent - loaded.keys()
        if missing:
            session.connection().execute(_insert_missing(sorted(missing)))
            query = select(CandidateSummary).where(CandidateSummary.candidate_id.in_(missing))
            loaded |= {summary.candidate_id: summary for summary in session.scalars(query)}
    return loaded


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


def _stored(signal: engagement.CandidateSignal) -> tuple[str, list[dict[str, str]], int]:
    reasons = [
        {"code": reason.code, "status": str(reason.status), "text": reason.text}
        for reason in signal.reasons
    ]
    rank = JOINED_RANK if signal.has_joined else BOARD_RANK[signal.status]
    return str(signal.status), reasons, rank


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
    summaries = _summaries_of(session, set(ids), expire=set())
    changed = 0
    for signal in found:
        summary = summaries.get(signal.candidate_id)
        if summary is None:
            continue
        status, reasons, rank = _stored(signal)
        if (summary.status, summary.reasons, summary.board_rank) != (status, reasons, rank):
            summary.status, summary.reasons, summary.board_rank = status, reasons, rank
            changed += 1
        summary.evaluated_at = now
    return changed


def evaluate_all(now: datetime, found: list[engagement.CandidateSignal] | None = None) -> int:
    """The worker's pass: rebuild any missing summary, then store every candidate's status as
    of `now` (writing only those that changed, and the time of the check for all)."""
    missing = list(
        db.session.scalars(
            select(CandidateProfile.user_id).where(
                ~exists().where(CandidateSummary.candidate_id == CandidateProfile.user_id)
            )
        )
    )
    if missing:
        rebuild(missing)
    if found is None or missing:
        found = engagement.signals(now, active_only=False)
    changed = 0
    by_id = {s.candidate_id: s for s in found}
    rows = db.session.execute(
        select(
            CandidateSummary.candidate_id,
            CandidateSummary.status,
            CandidateSummary.reasons,
            CandidateSummary.board_rank,
        )
    )
    updates = []
    for candidate_id, status, reasons, rank in rows:
        signal = by_id.get(candidate_id)
        if signal is None:
            continue
        stored = _stored(signal)
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
        changed = len(updates)
    db.session.execute(
        update(CandidateSummary)
        .values(evaluated_at=now)
        .execution_options(synchronize_session=False)
    )
    return changed


# --- Rebuilding from the events ----------------------------------------------------------------


def _day_number(start: datetime) -> ColumnElement[int]:
    """SQL for the whole number of days between `start` and an event (dialect by dialect)."""
    column = EngagementEvent.occurred_at
    if db.session.get_bind().dialect.name == "sqlite":
        origin = literal(start.replace(tzinfo=None).isoformat(sep=" "))
        return cast(func.julianday(column) - func.julianday(origin), Integer)
    return cast(func.floor(func.extract("epoch", column - start) / 86400), Integer)


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def rebuild(ids: list[int] | None = None) -> int:
    """Recompute these candidates' summaries (everyone's when None) from the events, questions,
    pulses and profiles, replacing what was there; then evaluate them. A fixed number of
    queries, whatever the numbers. Returns how many summaries were rebuilt."""
    if ids is not None and not ids:
        return 0
    session = db.session()
    session.execute(_insert_missing(ids))
    chosen = select(CandidateSummary)
    if ids is not None:
        chosen = chosen.where(CandidateSummary.candidate_id.in_(ids))
    summaries = {summary.candidate_id: summary for summary in session.scalars(chosen)}
    if not summaries:
        return 0
    targets = list(summaries)
    for blank in summaries.values():
        blank.last_seen_at = None
        blank.opened_count = 0
        blank.event_counts = {}
        blank.activity_days = {}
    where = [EngagementEvent.kind.in_(ACTIVITY_KINDS)]
    if ids is not None:
        where.append(EngagementEvent.candidate_id.in_(ids))
    # Counts per kind, and the last time of each (one query).
    totals = session.execute(
        select(
            EngagementEvent.candidate_id,
            EngagementEvent.kind,
            func.count(),
            func.max(EngagementEvent.occurred_at),
        )
        .where(*where)
        .group_by(EngagementEvent.candidate_id, EngagementEvent.kind)
    )
    for candidate_id, kind, count, last in totals:
        if (summary := summaries.get(candidate_id)) is None:
            continue
        summary.event_counts = {**summary.event_counts, kind: count}
        if kind in engagement.OPENED_KINDS:
            summary.opened_count += count
        if summary.last_seen_at is None or last > summary.last_seen_at:
            summary.last_seen_at = last
    # Per UTC day, counted from a fixed origin, then kept to each one's window (one query).
    day = _day_number(_EPOCH).label("day")
    per_day = session.execute(
        select(EngagementEvent.candidate_id, day, func.count())
        .where(*where)
        .group_by(EngagementEvent.candidate_id, day)
    )
    days: dict[int, dict[str, int]] = {}
    for candidate_id, number, count in per_day:
        key = (_EPOCH.date() + timedelta(days=number)).isoformat()
        days.setdefault(candidate_id, {})[key] = count
    for candidate_id, found in days.items():
        if candidate_id in summaries:
            summaries[candidate_id].activity_days = _windowed(found)
    _refresh_waiting(targets, everyone=ids is None)
    _refresh_pulses(targets, everyone=ids is None)
    session.flush()
    evaluate(targets, clock.now(), session=session)
    return len(targets)
