"""Where each thread stands for a reader: waiting for an answer since when (questions.waiting)
and due when (the promise, counted in the recruiter's working week), when it last moved, how
much of it they have not read, and whom a recruiter covers for there. The inbox lists the
threads that wait, oldest first, a keyset page at a time. Computed in SQL, so a page of the
inbox costs one query however many threads there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    bindparam,
    false,
    func,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from portal.core import clock, pages
from portal.core.database import OrBound
from portal.core.extensions import db
from portal.core.models import UTCDateTime
from portal.people import availability, directory
from portal.people.models import CandidateProfile, Role, User, WorkingHours
from portal.questions.models import Message, ThreadRead
from portal.questions.waiting import answer_due, waiting_questions
from portal.questions.working_hours import promise_week

PAGE_SIZE = 50


@dataclass(frozen=True)
class ThreadState:
    """Where a thread stands, for a given reader."""

    candidate: User
    last_message_at: datetime | None
    waiting_since: datetime | None  # the oldest question with no answer after it
    unread: int
    # The candidate's recruiter, when the reader is a recruiter answering for them (as the
    # candidate's backup, or covering while the recruiter is away).
    covering_for: User | None = None
    due: datetime | None = None  # when the answer is due (questions.waiting.answer_due)
    last_read_id: int = 0  # the reader's read mark: later messages are new to them

    def is_overdue(self, now: datetime) -> bool:
        return self.due is not None and self.due <= now

    def time_left(self, now: datetime) -> timedelta | None:
        """How long until the answer is due (negative once overdue); None when nothing waits."""
        return self.due - now if self.due is not None else None


def _read_columns(
    candidate_id_column: InstrumentedAttribute[int], reader_id: OrBound[int]
) -> tuple[ScalarSelect[datetime], ScalarSelect[int], ScalarSelect[int]]:
    """Correlated scalar subqueries: when the thread last moved, what the reader has not read
    in it, and their read mark, one row per candidate."""
    read_mark = (
        select(ThreadRead.last_read_message_id)
        .where(ThreadRead.candidate_id == candidate_id_column, ThreadRead.reader_id == reader_id)
        .correlate_except(ThreadRead)
        .scalar_subquery()
    )
    unread = (
        select(func.count(Message.id))
        .where(
            Message.candidate_id == candidate_id_column,
            Message.removed_at.is_(None),
            Message.author_id != reader_id,
            Message.id > func.coalesce(read_mark, 0),
        )
        .correlate_except(Message)
        .scalar_subquery()
    )
    last_message_at = (
        select(func.max(Message.created_at))
        .where(Message.candidate_id == candidate_id_column)
        .correlate_except(Message)
        .scalar_subquery()
    )
    return last_message_at, unread, read_mark


def in_care_of(recruiter_id: int, now: datetime | None = None) -> ColumnElement[bool]:
    """The profiles whose thread the recruiter answers: as their recruiter, their backup, or
    covering for their recruiter who is away `now` (people.directory.in_care_of)."""
    return directory.in_care_of(recruiter_id, now or clock.now())


def _states_query(
    reader: User, filters: list[ColumnElement[bool]], now: datetime, *, waiting_only: bool
) -> tuple[Select[Any], Any]:
    """The states of the candidates `filters` names, for `reader`, and the waiting subquery
    (its `waiting_since` orders the inbox)."""
    return _states_select(reader.role, reader.id, filters, now, waiting_only=waiting_only)


def _states_select(
    role: str,
    reader_id: OrBound[int],
    filters: list[ColumnElement[bool]],
    now: OrBound[datetime],
    *,
    waiting_only: bool,
) -> tuple[Select[Any], Any]:
    last_message_at, unread, read_mark = _read_columns(User.id, reader_id)
    scope = (
        select(User.id)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .where(*filters)
        .scalar_subquery()
    )
    waiting = waiting_questions(scope)
    covered: ColumnElement[bool] = false()
    if role == Role.RECRUITER:
        covered = CandidateProfile.recruiter_id.in_(
            availability.recruiters_covered_by(reader_id, now)
        )
    query = (
        select(
            User,
            last_message_at,
            waiting.c.waiting_since,
            unread,
            WorkingHours,
            covered.label("covered"),
            read_mark.label("read_mark"),
        )
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .outerjoin(WorkingHours, WorkingHours.user_id == CandidateProfile.recruiter_id)
        .where(*filters)
        .options(joinedload(User.candidate_profile).joinedload(CandidateProfile.recruiter))
    )
    if waiting_only:
        query = query.join(waiting, waiting.c.candidate_id == User.id)
    else:
        query = query.outerjoin(waiting, waiting.c.candidate_id == User.id)
    return query, waiting


def _states(rows: Sequence[Any], reader: User) -> list[ThreadState]:
    states = []
    for candidate, last_at, since, count, hours, covered, mark in rows:
        profile = candidate.profile
        week = promise_week(profile.recruiter, hours, profile.joining_time_zone)
        states.append(
            ThreadState(
                candidate,
                last_at,
                since,
                count or 0,
                _covered(profile, reader, bool(covered)),
                answer_due(since, week),
                mark or 0,
            )
        )
    return states


def _covered(profile: CandidateProfile, reader: User, covered: bool) -> User | None:
    if reader.role != Role.RECRUITER or profile.recruiter_id == reader.id:
        return None
    return profile.recruiter if covered or profile.backup_recruiter_id == reader.id else None


@cache
def _thread_state_query(role: str) -> Select[Any]:
    """`thread_state`'s query for a reader of `role`, built once (every thread page runs it):
    the candidate, the reader and the moment are bound when it runs."""
    candidate = bindparam("thread_candidate_id", type_=Integer())
    query, _ = _states_select(
        role,
        bindparam("thread_reader_id", type_=Integer()),
        [User.id == candidate, User.is_active.is_(True)],
        bindparam("thread_now", type_=UTCDateTime()),
        waiting_only=False,
    )
    return query


def thread_state(candidate: User, reader: User) -> ThreadState:
    """One candidate's thread as `reader` sees it (one query)."""
    values = {
        "thread_candidate_id": candidate.id,
        "thread_reader_id": reader.id,
        "thread_now": clock.now(),
    }
    rows = db.session.execute(_thread_state_query(Role(reader.role)), values).unique().all()
    states = _states(rows, reader)
    return states[0] if states else ThreadState(candidate, None, None, 0)


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox, and the cursor of the next (None on the last page)."""

    states: list[ThreadState]
    next_after: str | None


def cursor_of(state: ThreadState) -> str:
    """The next page's cursor after this thread (pages.instant_cursor)."""
    return pages.instant_cursor(
        state.waiting_since or datetime.fromtimestamp(0, UTC), state.candidate.id
    )


def inbox_page(
    reader: User, after: tuple[datetime, int] | None = None, size: int = PAGE_SIZE
) -> InboxPage:
    """The threads waiting for an answer that `reader` (a recruiter) answers: their own
    candidates', those they are the backup of, and those of a recruiter they cover for now;
    the longest waiting first, `size` at a time after `after` (one query)."""
    now = clock.now()
    filters = [User.is_active.is_(True), in_care_of(reader.id, now)]
    query, waiting = _states_query(reader, filters, now, waiting_only=True)
    keys = (pages.Key(waiting.c.waiting_since), pages.Key(User.id))
    if after is not None:
        query = query.where(pages.after(keys, list(after)))
    query = query.order_by(waiting.c.waiting_since, User.id).limit(size + 1)
    states = _states(db.session.execute(query).unique().all(), reader)
    more = len(states) > size
    states = states[:size]
    return InboxPage(states, cursor_of(states[-1]) if more and states else None)
