"""What the portal knew about candidates before their outcome, worked out from the event log,
the questions and the closures: whether and when they were first marked quiet or at risk, their
longest silence, the weeks they were active in, and how long their questions waited.

Read once per candidate, when their outcome is first recorded, in three queries for any number
of candidates; the reports then read the stored facts (portal.outcomes.models), never the log.
The status words are engagement's; what waits for an answer is the questions package's rule
(`waiting.waits`), applied to the thread as it stood at each moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import load_only

from portal.core.extensions import db
from portal.engagement.models import Status
from portal.events.models import ACTIVITY_KINDS, EngagementEvent, EventKind
from portal.outcomes.models import WEEKS_KEPT
from portal.questions.models import Message, ThreadClosure
from portal.questions.waiting import waits

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Subject:
    """A candidate whose facts are wanted: from their offer up to `until`."""

    candidate_id: int
    offered_at: datetime
    until: datetime


@dataclass
class AnswerWaits:
    """Their questions' waits against the promise: each wait in exactly one of these."""

    within_quarter: int = 0
    within_half: int = 0
    within_promise: int = 0
    late: int = 0
    unanswered: int = 0  # still waiting, past the promise, at `until`

    def add(self, wait: timedelta, promise: timedelta) -> None:
        if wait < promise / 4:
            self.within_quarter += 1
        elif wait < promise / 2:
            self.within_half += 1
        elif wait < promise:
            self.within_promise += 1
        else:
            self.late += 1


@dataclass
class Facts:
    first_quiet_at: datetime | None = None
    first_at_risk_at: datetime | None = None
    longest_silence_days: int = 0
    active_weeks: int = 0
    offered_weeks: int = 0
    answers: AnswerWaits = field(default_factory=AnswerWaits)


def facts_of(subjects: list[Subject], promise: timedelta) -> dict[int, Facts]:
    """Each subject's facts up to their `until` (three queries, whatever the numbers)."""
    if not subjects:
        return {}
    ids = [subject.candidate_id for subject in subjects]
    latest = max(subject.until for subject in subjects)
    activity: dict[int, list[datetime]] = {}
    statuses: dict[int, list[tuple[datetime, str]]] = {}
    for candidate_id, kind, at, data in db.session.execute(
        select(
            EngagementEvent.candidate_id,
            EngagementEvent.kind,
            EngagementEvent.occurred_at,
            EngagementEvent.data,
        )
        .where(
            EngagementEvent.candidate_id.in_(ids),
            EngagementEvent.kind.in_([*ACTIVITY_KINDS, EventKind.STATUS_CHANGED]),
            EngagementEvent.occurred_at <= latest,
        )
        .order_by(EngagementEvent.candidate_id, EngagementEvent.occurred_at)
    ):
        if kind == EventKind.STATUS_CHANGED:
            statuses.setdefault(candidate_id, []).append((at, _new_status(data)))
        else:
            activity.setdefault(candidate_id, []).append(at)
    threads = _threads(ids, latest)
    found = {}
    for subject in subjects:
        facts = Facts()
        _silences(facts, subject, activity.get(subject.candidate_id, []))
        _marks(facts, subject, statuses.get(subject.candidate_id, []))
        messages, closures = threads.get(subject.candidate_id, ([], []))
        _waits(facts.answers, subject.until, messages, closures, promise)
        found[subject.candidate_id] = facts
    return found


def _new_status(data: Any) -> str:
    return str(data.get("to", "")) if isinstance(data, dict) else ""


def _silences(facts: Facts, subject: Subject, moments: list[datetime]) -> None:
    """The longest silence and the active weeks, from the offer up to `until`."""
    start, until = subject.offered_at, subject.until
    if until <= start:
        return  # recorded as it was offered (a backdated offer): nothing to know
    seen = [moment for moment in moments if start <= moment <= until]
    points = [start, *seen, until]
    longest = max(later - earlier for earlier, later in zip(points, points[1:], strict=False))
    facts.longest_silence_days = longest.days
    for moment in seen:
        week = (until - moment) // WEEK
        if week < WEEKS_KEPT:
            facts.active_weeks |= 1 << week
    facts.offered_weeks = min(WEEKS_KEPT, ceil((until - start) / WEEK))


def _marks(facts: Facts, subject: Subject, changes: list[tuple[datetime, str]]) -> None:
    """The first time the portal marked them quiet, and at risk, up to `until`."""
    for at, status in changes:
        if at > subject.until:
            break
        if status == Status.AT_RISK and facts.first_at_risk_at is None:
            facts.first_at_risk_at = at
        elif status == Status.QUIET and facts.first_quiet_at is None:
            facts.first_quiet_at = at


_Thread = tuple[list[Message], list[tuple[int, datetime]]]


def _threads(ids: list[int], latest: datetime) -> dict[int, _Thread]:
    """Each candidate's messages and closures up to `latest` (two queries)."""
    threads: dict[int, _Thread] = {}
    messages = db.session.scalars(
        select(Message)
        .options(
            load_only(
                Message.candidate_id,
                Message.author_id,
                Message.created_at,
                Message.removed_at,
                Message.acknowledgement,
            )
        )
        .where(Message.candidate_id.in_(ids), Message.created_at <= latest)
        .order_by(Message.candidate_id, Message.id)
    )
    for message in messages:
        threads.setdefault(message.candidate_id, ([], []))[0].append(message)
    for candidate_id, through, closed_at in db.session.execute(
        select(
            ThreadClosure.candidate_id, ThreadClosure.through_message_id, ThreadClosure.closed_at
        )
        .where(ThreadClosure.candidate_id.in_(ids), ThreadClosure.closed_at <= latest)
        .order_by(ThreadClosure.candidate_id, ThreadClosure.closed_at)
    ):
        threads.setdefault(candidate_id, ([], []))[1].append((through, closed_at))
    return threads


def _is_reply(message: Message) -> bool:
    """An answer: from someone other than the candidate (whose account still exists), not
    removed, as questions.waiting counts it."""
    return (
        message.author_id is not None
        and message.author_id != message.candidate_id
        and message.removed_at is None
    )


def _waits(
    answers: AnswerWaits,
    until: datetime,
    messages: Iterable[Message],
    closures: Iterable[tuple[int, datetime]],
    promise: timedelta,
) -> None:
    """Replay the thread up to `until`: each reply ends a wait that began with the first
    question waiting before it; a closure ("no reply needed") ends the waits it covers without
    an answer (not counted); what still waits at `until` counts once it is past the promise."""
    timeline: list[tuple[datetime, int, Message | int]] = [
        (message.created_at, 0, message) for message in messages
    ]
    timeline += [(closed_at, 1, through) for through, closed_at in closures]
    timeline.sort(key=lambda step: (step[0], step[1]))
    last_reply: int | None = None
    waiting: list[Message] = []
    for at, _order, step in timeline:
        if at > until:
            break
        if isinstance(step, int):  # a closure, through this message
            last_reply = max(last_reply or 0, step)
            waiting = [message for message in waiting if message.id > step]
        elif _is_reply(step):
            if waiting:
                answers.add(at - waiting[0].created_at, promise)
                waiting = []
            last_reply = step.id
        elif waits(step, last_reply):
            waiting.append(step)
    if waiting and until - waiting[0].created_at >= promise:
        answers.unanswered += 1
