"""The whole cohort's summaries at once: the worker's pass that re-evaluates every active
candidate as time passes (`evaluate_all`), and `rebuild`, which recomputes summaries from the
event log, questions, pulses, checklists and profiles (`flask engagement rebuild-summaries`; rows
written in bulk with Core, which bypass `engagement.summaries`' listeners). A fixed number of
queries either way, whatever the number of candidates.
"""

from __future__ import annotations

import typing
from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, exists, func, select, update

from portal.core import clock
from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement import summary_facts as facts
from portal.engagement.models import CandidateSummary
from portal.engagement.summaries import evaluate
from portal.events.models import ACTIVITY_KINDS, EngagementEvent
from portal.people.models import CandidateProfile


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
    facts.refresh_tasks(targets, everyone=ids is None)
    session.flush()
    evaluate(targets, clock.now(), session=session)
    return len(targets)
