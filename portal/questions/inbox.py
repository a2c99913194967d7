"""Where each thread stands for a reader: waiting for an answer since when (questions.waiting),
when it last moved, how much of it they have not read, and whom a backup recruiter covers for.
Computed in SQL, so the inbox costs one query however many threads it lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ScalarSelect, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from portal.core.extensions import db
from portal.people.models import CandidateProfile, Role, User
from portal.questions.models import Message, ThreadRead
from portal.questions.waiting import waiting_questions


@dataclass(frozen=True)
class ThreadState:
    """Where a thread stands, for a given reader."""

    candidate: User
    last_message_at: datetime | None
    waiting_since: datetime | None  # the oldest question with no answer after it
    unread: int
    # The candidate's recruiter, when the reader is a recruiter answering as their backup.
    covering_for: User | None = None

    def answer_due(self, promise: timedelta) -> datetime | None:
        return self.waiting_since + promise if self.waiting_since else None

    def is_overdue(self, promise: timedelta, now: datetime) -> bool:
        due = self.answer_due(promise)
        return due is not None and due < now


def _read_columns(
    candidate_id_column: InstrumentedAttribute[int], reader_id: int
) -> tuple[ScalarSelect[datetime], ScalarSelect[int]]:
    """Correlated scalar subqueries: when the thread last moved, and what the reader has not
    read in it, one row per candidate."""
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
    return last_message_at, unread


def thread_states(
    reader: User, candidate_ids: list[int] | None = None, recruiter: User | None = None
) -> list[ThreadState]:
    """Thread states for a recruiter's candidates, those they are the backup of included (or
    the given candidates), unanswered first."""
    last_message_at, unread = _read_columns(User.id, reader.id)
    filters: list[ColumnElement[bool]] = [User.is_active.is_(True)]
    if recruiter is not None:
        filters.append(in_care_of(recruiter.id))
    if candidate_ids is not None:
        filters.append(User.id.in_(candidate_ids))
    scope = (
        select(User.id)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .where(*filters)
        .scalar_subquery()
    )
    waiting = waiting_questions(scope)
    waiting_since = waiting.c.waiting_since
    query = (
        select(User, last_message_at, waiting_since, unread)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .outerjoin(waiting, waiting.c.candidate_id == User.id)
        .where(*filters)
        .options(joinedload(User.candidate_profile).joinedload(CandidateProfile.recruiter))
    )
    query = query.order_by(
        waiting_since.is_(None),
        waiting_since,
        last_message_at.is_(None),
        last_message_at.desc(),
        User.name,
    )
    return [
        ThreadState(candidate, last_at, since, count or 0, _covered(candidate, reader))
        for candidate, last_at, since, count in db.session.execute(query).unique()
    ]


def _covered(candidate: User, reader: User) -> User | None:
    profile = candidate.profile
    if reader.role != Role.RECRUITER or profile.recruiter_id == reader.id:
        return None
    return profile.recruiter if profile.backup_recruiter_id == reader.id else None


def in_care_of(recruiter_id: int) -> ColumnElement[bool]:
    """The profiles whose thread the recruiter answers: as their recruiter or their backup."""
    return or_(
        CandidateProfile.recruiter_id == recruiter_id,
        CandidateProfile.backup_recruiter_id == recruiter_id,
    )


def thread_state(candidate: User, reader: User) -> ThreadState:
    (state,) = thread_states(reader, candidate_ids=[candidate.id]) or [
        ThreadState(candidate, None, None, 0)
    ]
    return state
