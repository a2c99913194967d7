"""Marking a thread "no reply needed", and taking the mark back.

The candidate, or whoever may answer them (questions.answerers), closes a thread whose last
messages need no answer ("never mind, I found it"): nothing in it up to the last message the
closer saw waits any more (questions.waiting counts a closure as a reply). A question after it
reopens the thread by itself; a bare "thanks" does not. Undo deletes the closure. Both are in
the audit log, with who and when.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, bindparam, exists, func, or_, select
from sqlalchemy.orm import joinedload

from portal.core.extensions import db
from portal.core.i18n import _
from portal.people import audit
from portal.people.models import User
from portal.questions.answerers import may_write
from portal.questions.models import Message, ThreadClosure
from portal.questions.thread_pages import ThreadPage
from portal.questions.waiting import waiting_questions, waits


class ClosureError(ValueError):
    """A closure that cannot be made or taken back, in words for the person who tried."""


# Built once (every thread page runs it); the candidate is bound when it runs.
_LATEST = (
    select(ThreadClosure)
    .where(ThreadClosure.candidate_id == bindparam("closure_candidate_id", type_=Integer()))
    .options(joinedload(ThreadClosure.closed_by))
    .order_by(ThreadClosure.through_message_id.desc(), ThreadClosure.id.desc())
    .limit(1)
)


def latest(candidate: User) -> ThreadClosure | None:
    """The thread's latest closure, with who made it (one query), current or not."""
    return db.session.scalar(_LATEST, {"closure_candidate_id": candidate.id})


def is_current(closure: ThreadClosure | None, messages: Sequence[Message]) -> bool:
    """Whether the closure still stands over these messages (the thread, oldest first): no
    answer after it, and no question reopened it. No queries."""
    if closure is None:
        return False
    for message in messages:
        if message.id <= closure.through_message_id or message.removed_at is not None:
            continue
        if message.author_id != message.candidate_id:
            return False  # answered since: the closure is history
        if waits(message, closure.through_message_id):
            return False  # asked again: reopened
    return True


def stands_over(candidate: User, closure: ThreadClosure | None, page: ThreadPage) -> bool:
    """`is_current` for a page of the thread. Only the latest page says (an earlier one shows
    history, not the thread's state): from its messages when it reaches back to the closure;
    when the closure is older than the page, also from the messages in between (one query,
    only while the page's own messages leave the closure standing)."""
    if closure is None or not page.latest:
        return False
    messages = page.messages
    if not is_current(closure, messages):
        return False
    if page.earlier is None or messages[0].id <= closure.through_message_id:
        return True  # every message after the closure is on the page
    return not db.session.scalar(
        _ENDS_CLOSURE,
        {
            "gap_candidate_id": candidate.id,
            "gap_after_id": closure.through_message_id,
            "gap_before_id": messages[0].id,
        },
    )


# `is_current`'s rule in SQL, for the messages between a closure and a page that starts after
# it: any answer, or a candidate's message that is more than thanks (questions.waiting.waits
# with a reply before it), not removed, ends the closure.
_ENDS_CLOSURE = select(
    exists().where(
        Message.candidate_id == bindparam("gap_candidate_id", type_=Integer()),
        Message.id > bindparam("gap_after_id", type_=Integer()),
        Message.id < bindparam("gap_before_id", type_=Integer()),
        Message.removed_at.is_(None),
        or_(Message.author_id != Message.candidate_id, Message.acknowledgement.is_(False)),
    )
)


def _thread_after(candidate: User, after_id: int) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.candidate_id == candidate.id, Message.id > after_id)
            .order_by(Message.id)
        )
    )


def close(candidate: User, by: User, through_id: int) -> ThreadClosure:
    """Mark the thread "no reply needed" up to message `through_id` (the last one the closer
    saw: a question posted since keeps waiting)."""
    if not may_write(by, candidate):
        raise ClosureError(_("You cannot close this conversation."))
    through = db.session.scalar(
        select(func.max(Message.id)).where(
            Message.candidate_id == candidate.id, Message.id <= through_id
        )
    )
    waiting = waiting_questions([candidate.id])
    first_waiting = db.session.scalar(select(waiting.c.first_waiting_id))
    if through is None or first_waiting is None or first_waiting > through:
        raise ClosureError(_("Nothing in this conversation is waiting for a reply."))
    closure = ThreadClosure(candidate_id=candidate.id, through_message_id=through, closed_by=by)
    db.session.add(closure)
    audit.record(by, "thread.closed", candidate, subject=f"up to message {through}")
    db.session.flush()
    return closure


def reopen(candidate: User, by: User) -> ThreadClosure:
    """Take back the closure that stands: what it covered waits again. Returns it (deleted)."""
    if not may_write(by, candidate):
        raise ClosureError(_("You cannot reopen this conversation."))
    closure = latest(candidate)
    if closure is None or not is_current(
        closure, _thread_after(candidate, closure.through_message_id)
    ):
        raise ClosureError(_("This conversation is not marked “no reply needed”."))
    db.session.delete(closure)
    audit.record(
        by, "thread.reopened", candidate, subject=f"up to message {closure.through_message_id}"
    )
    db.session.flush()
    return closure
