"""A thread a page at a time: the latest THREAD_PAGE_SIZE messages, and "earlier messages"
pages before them (keyset: the messages before the first one shown), so a thread of hundreds of
messages costs the same to show as a short one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import joinedload

from portal.core.extensions import db
from portal.people.models import User
from portal.questions.models import Message

THREAD_PAGE_SIZE = 50

# Built once each (every thread page runs one); the candidate, the cursor and the size bound.
_LATEST = (
    select(Message)
    .where(Message.candidate_id == bindparam("thread_candidate_id", type_=Integer()))
    .options(joinedload(Message.author), joinedload(Message.covering_for))
    .order_by(Message.id.desc())
    .limit(bindparam("thread_rows", type_=Integer()))
)
_BEFORE = _LATEST.where(Message.id < bindparam("thread_before", type_=Integer()))


@dataclass(frozen=True)
class ThreadPage:
    """Messages of one thread, oldest first; `earlier`: the cursor of the page before this one
    (the first message's id), None when this page starts the thread."""

    messages: list[Message]
    earlier: int | None
    latest: bool  # the thread's latest page: its last message is the thread's last

    @property
    def last_id(self) -> int | None:
        return self.messages[-1].id if self.messages else None


def thread_page(candidate: User, before: int | None = None) -> ThreadPage:
    """The latest messages of the thread, or those before message `before` (one query; a
    cursor before which the thread has nothing, stale or made up, gives the latest page)."""
    values = {"thread_candidate_id": candidate.id, "thread_rows": THREAD_PAGE_SIZE + 1}
    found = []
    if before is not None:
        found = list(db.session.scalars(_BEFORE, values | {"thread_before": before}))
    if not found:
        before = None
        found = list(db.session.scalars(_LATEST, values))
    more = len(found) > THREAD_PAGE_SIZE
    messages = found[:THREAD_PAGE_SIZE][::-1]
    earlier = messages[0].id if more and messages else None
    return ThreadPage(messages, earlier, latest=before is None)
