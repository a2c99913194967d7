"""The facts of a candidate's summary, worked out: from one event at a time (as it is
written), or for many candidates at once from the tables (a rebuild). Used by
portal.engagement.summaries, which decides when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement.models import CandidateSummary, PulseResponse, Status
from portal.events.models import ACTIVITY_KINDS, EngagementEvent
from portal.people.models import CandidateProfile, User
from portal.questions.waiting import waiting_questions
from portal.timeline import checklist

# Days of per-day counts kept, up to the latest active day (the sparkline shows 30).
ACTIVITY_WINDOW_DAYS = 35
# The board's order: riskiest first (as engagement.SEVERITY says); those who have joined last.
BOARD_RANK = {Status.AT_RISK: 0, Status.QUIET: 1, Status.INVITED: 2, Status.ENGAGED: 3}
JOINED_RANK = 4

# Built once: every message a candidate posts re-reads what waits in their thread, and
# building this statement cost more than running it. Run with {"ids": [...]}.
_WAITING_OF = select(waiting_questions(bindparam("ids", expanding=True)))
# Likewise the summaries by id (summaries_of).
_SUMMARIES_OF = select(CandidateSummary).where(
    CandidateSummary.candidate_id.in_(bindparam("ids", expanding=True))
)


def day_key(moment: datetime) -> str:
    """The UTC day of an instant, as the activity-per-day keys spell it ("2026-12-04")."""
    return moment.astimezone(UTC).date().isoformat()


def windowed(days: dict[str, int]) -> dict[str, int]:
    """Only the ACTIVITY_WINDOW_DAYS up to the latest day with activity."""
    if not days:
        return {}
    latest = date.fromisoformat(max(days))
    first = (latest - timedelta(days=ACTIVITY_WINDOW_DAYS - 1)).isoformat()
    return {day: count for day, count in sorted(days.items()) if day >= first}


def apply_event(summary: CandidateSummary, kind: str, at: datetime) -> None:
    """Add one event to a summary's facts (only what the candidate did counts)."""
    if kind not in ACTIVITY_KINDS:
        return
    counts = dict(summary.event_counts or {})
    counts[kind] = counts.get(kind, 0) + 1
    summary.event_counts = counts
    if summary.last_seen_at is None or at > summary.last_seen_at:
        summary.last_seen_at = at
    if summary.first_seen_at is None or at < summary.first_seen_at:
        summary.first_seen_at = at
    if kind in engagement.OPENED_KINDS:
        summary.opened_count = (summary.opened_count or 0) + 1
    days = dict(summary.activity_days or {})
    key = day_key(at)
    days[key] = days.get(key, 0) + 1
    summary.activity_days = windowed(days)


def refresh_waiting(ids: list[int], everyone: bool = False) -> None:
    """Re-read what waits for an answer in these candidates' threads (one query); `everyone`
    reads every thread (for a rebuild of every summary) instead of naming the ids."""
    if everyone:
        rows = db.session.execute(select(waiting_questions()))
    elif ids:
        rows = db.session.execute(_WAITING_OF, {"ids": ids})
    else:
        return
    found = {row.candidate_id: row for row in rows}
    for candidate_id in ids:
        summary = db.session.get(CandidateSummary, candidate_id)
        if summary is None:
            continue
        row = found.get(candidate_id)
        summary.unanswered = row.unanswered if row is not None else 0
        summary.waiting_since = row.waiting_since if row is not None else None
        summary.first_waiting_id = row.first_waiting_id if row is not None else None


def refresh_tasks(ids: list[int], everyone: bool = False) -> None:
    """Re-read these candidates' checklists (timeline.checklist, by the rule their pages use: a
    few queries); `everyone` reads every candidate's without naming the ids."""
    found = checklist.task_facts(None if everyone else ids)
    summaries = summaries_of(db.session(), set(ids), expire=set())
    blank = checklist.TaskFacts()
    for candidate_id in ids:
        summary = summaries.get(candidate_id)
        if summary is None:
            continue
        facts = found.get(candidate_id, blank)
        if (summary.tasks_total, summary.tasks_done, summary.task_dues) != (
            facts.total,
            facts.done,
            facts.dues,
        ):
            summary.tasks_total, summary.tasks_done = facts.total, facts.done
            summary.task_dues = list(facts.dues)


def last_two_pulses(ids: list[int] | None) -> dict[int, tuple[int | None, int | None]]:
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


def refresh_pulses(ids: list[int], everyone: bool = False) -> None:
    """Re-read these candidates' last two pulses (one query; `everyone`: without naming ids)."""
    found = last_two_pulses(None if everyone else ids)
    for candidate_id in ids:
        summary = db.session.get(CandidateSummary, candidate_id)
        if summary is not None:
            summary.last_pulse, summary.previous_pulse = found.get(candidate_id, (None, None))


def copied_columns() -> dict[str, Any]:
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


def insert_missing(ids: list[int] | None = None) -> Any:
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
            literal(Status.INVITED.value),  # until evaluated, before the commit
            literal(BOARD_RANK[Status.INVITED], Integer()),
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


COPIED = ["recruiter_id", "joining_date", "location", "is_active", "signed_up"]


def summaries_of(session: Session, ids: set[int], *, expire: set[int]) -> dict[int, Any]:
    """These candidates' summaries: those the session holds (no query), the rest in one
    SELECT, creating any that do not exist yet. `expire`: ids whose copies SQL just updated."""
    loaded: dict[int, Any] = {}
    for candidate_id in ids:
        held = session.identity_map.get(identity_key(CandidateSummary, candidate_id))
        if held is not None:
            if candidate_id in expire:
                session.expire(held, COPIED)
            loaded[candidate_id] = held
    absent = ids - loaded.keys()
    if absent:
        found = session.scalars(_SUMMARIES_OF, {"ids": sorted(absent)})
        loaded |= {summary.candidate_id: summary for summary in found}
        missing = absent - loaded.keys()
        if missing:
            session.connection().execute(insert_missing(sorted(missing)))
            found = session.scalars(_SUMMARIES_OF, {"ids": sorted(missing)})
            loaded |= {summary.candidate_id: summary for summary in found}
    return loaded


def stored(signal: engagement.CandidateSignal) -> tuple[str, list[dict[str, Any]], int]:
    """What a summary keeps of an evaluation: the status, its reasons (each with the facts it
    is worded from in the reader's language), the board's order."""
    reasons = [
        {"code": reason.code, "status": str(reason.status), "text": reason.text}
        | ({"facts": reason.facts} if reason.facts is not None else {})
        for reason in signal.reasons
    ]
    rank = JOINED_RANK if signal.has_joined else BOARD_RANK[signal.status]
    return str(signal.status), reasons, rank


def day_number(start: datetime) -> ColumnElement[int]:
    """SQL for the whole number of days between `start` and an event (dialect by dialect)."""
    column = EngagementEvent.occurred_at
    if db.session.get_bind().dialect.name == "sqlite":
        origin = literal(start.replace(tzinfo=None).isoformat(sep=" "))
        return cast(func.julianday(column) - func.julianday(origin), Integer)
    return cast(func.floor(func.extract("epoch", column - start) / 86400), Integer)


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
