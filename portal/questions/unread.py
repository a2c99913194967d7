"""Unread messages kept per thread for the recruiters who follow it (ThreadUnread), so that a
recruiter's menu badge sums a few rows of their own instead of counting every message of every
candidate they look after on each page.

A thread's followers are its recruiter and its backup recruiter. Whenever a transaction adds or
removes a message, moves a read mark (`touched`, from threads.mark_read) or changes who
follows a candidate, the thread's rows are recounted from the messages and read marks just
before that transaction commits: a recount, not an increment, so the rows are right however the
changes combine. On PostgreSQL the recount first takes a lock of that thread's own (an advisory
transaction lock, threads in id order) and then reads what is committed by then; two
transactions changing one thread therefore recount one after the other, and the later one sees
the earlier one's change. Nothing else takes that lock, so it cannot deadlock with other locks
the transactions hold. SQLite runs one writer at a time.

A recruiter covering for a colleague who is away (people.availability) follows that
colleague's threads only while the absence lasts, which no write marks: those are counted live
in `badge_query`, bounded by the absent colleague's candidates. `rebuild` recounts every thread
(the migration's backfill, the worker's hourly check, `flask questions rebuild-unread`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction, aliased

from portal.core.extensions import db
from portal.people import availability
from portal.people.models import CandidateProfile
from portal.questions.models import Message, ThreadRead, ThreadUnread

_TOUCHED = "questions_unread_touched"  # session.info: candidates whose thread changed
# The first key of PostgreSQL's two-key advisory locks for "a thread's unread rows" (the
# second is the candidate's id); any constant no other lock in the portal uses.
_LOCK_SPACE = 0x7175  # "qu"
_FOLLOWER_FIELDS = ("recruiter_id", "backup_recruiter_id")
_READ_MARK = aliased(ThreadRead, name="unread_mark")
_IDS = "unread_ids"
_LOCK = select(
    func.pg_advisory_xact_lock(
        bindparam("space", type_=Integer()), bindparam("thread", type_=Integer())
    )
)


def touched(candidate_ids: Iterable[int], session: Session | None = None) -> None:
    """Note threads whose unread counts must be recounted before this transaction commits
    (for changes the session does not see as objects: a read mark moved by one statement)."""
    session = session or db.session()
    session.info.setdefault(_TOUCHED, set()).update(candidate_ids)


def _followers(some: bool) -> Any:
    """(candidate_id, reader_id) of each thread's recruiter and backup recruiter: of the
    threads bound as `unread_ids` when `some`, else of everyone's."""
    profile = CandidateProfile
    parts = []
    for column in (profile.recruiter_id, profile.backup_recruiter_id):
        part = select(profile.user_id.label("candidate_id"), column.label("reader_id")).where(
            column.is_not(None)
        )
        if some:
            part = part.where(profile.user_id.in_(bindparam(_IDS, expanding=True)))
        parts.append(part)
    return union(*parts).subquery("followers")


@cache
def counts(some: bool = False) -> Select[Any]:
    """(reader_id, candidate_id, messages) for every follower with unread messages in the
    threads bound as `unread_ids` (everyone's unless `some`): messages not removed, by someone
    else, after their mark. Built once: a post runs it, and building it cost more than that."""
    followers = _followers(some)
    mark = _READ_MARK
    return (
        select(followers.c.reader_id, followers.c.candidate_id, func.count(Message.id))
        .join(
            Message,
            and_(
                Message.candidate_id == followers.c.candidate_id,
                Message.removed_at.is_(None),
                Message.author_id != followers.c.reader_id,
            ),
        )
        .outerjoin(
            mark,
            and_(
                mark.candidate_id == followers.c.candidate_id,
                mark.reader_id == followers.c.reader_id,
            ),
        )
        .where(Message.id > func.coalesce(mark.last_read_message_id, 0))
        .group_by(followers.c.reader_id, followers.c.candidate_id)
    )


@cache
def _statements(some: bool) -> tuple[Any, Any]:
    """The recount's DELETE and INSERT ... SELECT, built once each."""
    gone = delete(ThreadUnread)
    if some:
        gone = gone.where(ThreadUnread.candidate_id.in_(bindparam(_IDS, expanding=True)))
    fill = insert(ThreadUnread).from_select(["reader_id", "candidate_id", "messages"], counts(some))
    return gone, fill


def _recount(session: Session, candidate_ids: list[int] | None) -> None:
    connection = session.connection()
    some = candidate_ids is not None
    values = {_IDS: candidate_ids} if some else {}
    if some and connection.dialect.name == "postgresql":
        for candidate_id in candidate_ids or ():  # sorted: transactions wait, never deadlock
            connection.execute(_LOCK, {"space": _LOCK_SPACE, "thread": candidate_id})
    gone, fill = _statements(some)
    connection.execute(gone, values)
    connection.execute(fill, values)


def refresh(candidate_ids: Iterable[int], session: Session | None = None) -> None:
    """Recount these threads' rows now (in id order), in the session's transaction."""
    ids = sorted(set(candidate_ids))
    if ids:
        _recount(session or db.session(), ids)


def rebuild() -> None:
    """Recount every thread's rows (the caller commits)."""
    _recount(db.session(), None)


# --- Following the session's changes --------------------------------------------------------


def _follows_changed(profile: CandidateProfile) -> bool:
    state = inspect(profile)
    return any(state.attrs[name].history.has_changes() for name in _FOLLOWER_FIELDS)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    """Messages added, removed or deleted, and candidates given another recruiter or backup.
    (A new candidate has no messages yet: nothing to count.)"""
    found: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Message) and obj.candidate_id is not None:
            found.add(obj.candidate_id)
        elif (
            isinstance(obj, CandidateProfile)
            and obj not in session.new
            and obj.user_id is not None
            and (obj in session.deleted or _follows_changed(obj))
        ):
            found.add(obj.user_id)
    if found:
        touched(found, session)


@event.listens_for(Session, "before_commit")
def _recount_touched(session: Session) -> None:
    """Just before the outer commit: recount every thread the transaction changed."""
    if session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    ids = session.info.pop(_TOUCHED, None)
    if ids:
        refresh(ids, session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """A transaction rolled back (or closed) changed nothing to recount. A savepoint's end
    keeps the notes: recounting a thread that did not change is harmless."""
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)


# --- The badge ----------------------------------------------------------------------------------


def badge_query(count_unread: Any, reader: Any, at: Any) -> Select[Any]:
    """A recruiter's unread messages: the sum of their rows, plus, counted live by
    `count_unread(threads)` (the thread-reading rule of questions.threads), the threads of the
    colleagues they cover for now that they do not follow themselves. The live count runs only
    while they cover for someone (a CASE: otherwise it would read every profile to find none)."""
    own = select(func.coalesce(func.sum(ThreadUnread.messages), 0)).where(
        ThreadUnread.reader_id == reader
    )
    covering = availability.recruiters_covered_by(reader, at)
    profile = CandidateProfile
    covered = select(profile.user_id).where(
        profile.recruiter_id.in_(covering),
        profile.recruiter_id != reader,
        or_(profile.backup_recruiter_id.is_(None), profile.backup_recruiter_id != reader),
    )
    live = case(
        (covering.exists(), func.coalesce(count_unread(covered).scalar_subquery(), 0)), else_=0
    )
    return select(own.scalar_subquery() + live)
