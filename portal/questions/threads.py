"""Questions and answers: each candidate's private thread with their recruiter.

Candidates ask; their assigned recruiter answers, or their backup recruiter, or HR (who may
answer is questions.answerers). Every new message is mailed to the other side through the
notification service. Where a thread stands (unanswered since when, unread for whom) is
questions.inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import Integer, Select, and_, bindparam, case, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from portal.core import clock, inputs
from portal.core.clock import utcnow
from portal.core.database import upsert
from portal.core.extensions import db
from portal.core.i18n import _, _l, format_number
from portal.events import log as events
from portal.events.models import EventKind
from portal.mail import notifications
from portal.mail.models import OutgoingEmail
from portal.people.models import Role, User
from portal.questions import answer_mail, cover, unread
from portal.questions.answerers import capacity, covering_for, may_write
from portal.questions.models import Message, ThreadRead
from portal.questions.waiting import is_acknowledgement, last_replies, waits
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEventType

# Made once: building an alias costs more than the query it is used in.
_READ_MARK = aliased(ThreadRead, name="read_mark")
# Built once, like the statements below: every post runs it, and building a statement (and
# its cache key) cost more than running it.
_BY_CLIENT_KEY = select(Message).where(
    Message.author_id == bindparam("author_id"), Message.client_key == bindparam("client_key")
)
# The thread's last reply (an acknowledgement after it asks nothing).
_LAST_REPLY = select(last_replies(bindparam("ids", expanding=True)).c.last_reply_id)
# The read mark's upsert, per dialect (mark_read).
_MARK_READ: dict[str, Any] = {}

MAX_LENGTH = 5000
EXCERPT_LENGTH = 160


class QuestionError(ValueError):
    """A message that cannot be posted or removed, in words for the person who tried."""


def clean_body(body: str) -> str:
    """The text as stored: surrounding blank lines trimmed, line breaks normalised."""
    text = inputs.plain_text(body).strip()
    if not text:
        raise QuestionError(_("Write a message first."))
    if len(text) > MAX_LENGTH:
        raise QuestionError(
            _(
                "Keep it under %(max)s characters (%(now)s now).",
                max=format_number(MAX_LENGTH),
                now=format_number(len(text)),
            )
        )
    return text


__all__ = ["may_write"]  # who may write is answerers'; callers of threads ask here too


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool  # False when the same form was sent twice
    email_ids: list[int]

    @property
    def message_id(self) -> int:
        """The message's id, read without a query even after the commit expired the message."""
        identity = inspect(self.message).identity
        return int(identity[0]) if identity else self.message.id


def post(candidate: User, author: User, body: str, client_key: str | None) -> Posted:
    """Add a message to the candidate's thread, at most once per form (client_key)."""
    if not may_write(author, candidate):
        raise QuestionError(_("You cannot write in this conversation."))
    text = clean_body(body)
    message = Message(
        candidate_id=candidate.id, author_id=author.id, body=text, client_key=client_key or None
    )
    if author.id == candidate.id:
        message.acknowledgement = is_acknowledgement(text)
    else:  # who answered, in what capacity: the thread and the answer email say it
        answered_as = capacity(author, candidate)
        message.answered_as = answered_as
        message.covering_for = covering_for(candidate, answered_as)
    # The same form sent twice (client_key) stores nothing the second time: the unique index
    # refuses it, only this savepoint is rolled back, and the first message is the answer. No
    # look-up beforehand: a form is almost always sent once.
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        existing = _by_client_key(author, client_key) if client_key else None
        if existing is None:
            raise
        return Posted(existing, False, [])
    mark_read(candidate.id, author.id, message.id)
    if author.id != candidate.id:
        return Posted(message, True, [email.id for email in _notify(candidate, author, message)])
    asks = not _asks_nothing(candidate, message)
    # The event, the webhook's rows and the emails go out in one flush (the email's, or the
    # commit's): the look-ups in between read none of them.
    with db.session.no_autoflush:
        _record_question(candidate, message, asks=asks)
        if not asks:  # "thanks!" after an answer: activity, but nobody is asked anything
            return Posted(message, True, [])
        emails = _notify(candidate, author, message)
    return Posted(message, True, [email.id for email in emails])


def _asks_nothing(candidate: User, message: Message) -> bool:
    """Whether the candidate's new message waits for no answer (an acknowledgement after a
    reply, by questions.waiting's rule): no "new question" email, no `question.asked`."""
    if not message.acknowledgement:
        return False
    last_reply_id = db.session.scalar(_LAST_REPLY, {"ids": [candidate.id]})
    return not waits(message, last_reply_id)


def _record_question(candidate: User, message: Message, *, asks: bool) -> None:
    """The `question_asked` event and the `question.asked` webhook, in the same transaction as
    the message. Never its text: it may be private, and receivers read it in the portal. A
    message that `asks` nothing is recorded as activity, without the webhook."""
    events.record(
        candidate.id,
        EventKind.QUESTION_ASKED,
        subject=f"message:{message.id}",
        at=message.created_at,
        flush=False,  # written with the email (or at the commit): one flush less
    )
    if not asks:
        return
    profile = candidate.profile
    data = {
        "candidate": webhooks.candidate_data(candidate.id, candidate.name, candidate.email),
        "question": {
            "id": message.id,
            "asked_at": webhooks.instant(message.created_at),
        },
        "recruiter_id": profile.recruiter_id,
    }
    webhooks.publish(WebhookEventType.QUESTION_ASKED, data, recruiter_id=profile.recruiter_id)


def _by_client_key(author: User, client_key: str) -> Message | None:
    return db.session.scalar(_BY_CLIENT_KEY, {"author_id": author.id, "client_key": client_key})


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_LENGTH else flat[: EXCERPT_LENGTH - 1].rstrip() + "…"


def _notify(candidate: User, author: User, message: Message) -> list[OutgoingEmail]:
    about = f"message:{message.id}"
    excerpt = _excerpt(message.body or "")
    if message.is_question:
        # Whoever answers the candidate now (questions.cover): their recruiter, whoever covers
        # while the recruiter is away, else HR (nobody assigned, or nobody covering).
        recipients = cover.question_recipients(candidate, clock.now())
        return [
            notifications.queue(
                to=recipient,
                kind="question_asked",
                template="questions/email/question_asked",
                subject=_l("New question from %(name)s", name=candidate.name),
                about=about,
                candidate=candidate,
                excerpt=excerpt,
                covering_for=recipients.covering_for,
            )
            for recipient in recipients.people
        ]
    # Answers are batched: this one joins the candidate's answer email still waiting, if any.
    email = answer_mail.queue(candidate)
    return [email] if email is not None else []


def remove(message: Message, by: User) -> None:
    """The author takes a message back: its text is erased, a tombstone keeps its place."""
    if message.author_id != by.id:
        raise QuestionError(_("Only the author can remove a message."))
    if message.removed_at is not None:
        return
    message.body = None
    message.removed_at = utcnow()
    notifications.withdraw(f"message:{message.id}")
    if not message.is_question:  # the candidate's waiting answer email must drop it too
        answer_mail.answer_removed(db.session.get_one(User, message.candidate_id))
    db.session.flush()


# Built once (every thread page runs it); the candidate is bound when it runs.
_THREAD = (
    select(Message)
    .where(Message.candidate_id == bindparam("thread_candidate_id", type_=Integer()))
    .options(joinedload(Message.author), joinedload(Message.covering_for))
    .order_by(Message.id)
)


def thread(candidate: User) -> list[Message]:
    """Every message of the thread, oldest first, authors loaded in the same query."""
    return list(db.session.scalars(_THREAD, {"thread_candidate_id": candidate.id}))


def mark_read(candidate_id: int, reader_id: int, up_to_id: int) -> None:
    """Move the reader's read mark forward (never back), in one statement (run on the
    connection: the session holds no read marks to flush or update first)."""
    db.session.connection().execute(
        _mark_read_statement(),
        {
            "candidate_id": candidate_id,
            "reader_id": reader_id,
            "up_to_id": up_to_id,
            "read_at": utcnow(),
        },
    )
    if reader_id != candidate_id:  # staff: their unread count in it, recounted at the commit
        unread.touched([candidate_id])


def _mark_read_statement() -> Any:
    """mark_read's upsert, built once per dialect (every post and thread visit runs it)."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in _MARK_READ:
        statement = upsert(ThreadRead).values(
            candidate_id=bindparam("candidate_id"),
            reader_id=bindparam("reader_id"),
            last_read_message_id=bindparam("up_to_id"),
            read_at=bindparam("read_at"),
        )
        current = ThreadRead.last_read_message_id
        newer = statement.excluded.last_read_message_id
        _MARK_READ[dialect] = statement.on_conflict_do_update(
            index_elements=[ThreadRead.candidate_id, ThreadRead.reader_id],
            set_={
                "last_read_message_id": case((newer > current, newer), else_=current),
                "read_at": statement.excluded.read_at,
            },
        )
    return _MARK_READ[dialect]


@dataclass(frozen=True)
class ReadingDue:
    """What showing a thread to a reader must write, worked out from what the page loaded."""

    candidate_id: int
    reader_id: int
    up_to_id: int  # move the read mark here
    answers: int  # answers the candidate had not read yet (0 for other readers)
    newest_answer_id: int | None


def reading_due(
    candidate: User, reader: User, messages: list[Message], last_read: int
) -> ReadingDue | None:
    """What the reader's visit must write; None when they had seen every message already (the
    usual visit writes nothing). No queries: from the messages the page shows."""
    if not messages or messages[-1].id <= last_read:
        return None
    answers = [
        message.id
        for message in messages
        if message.id > last_read
        and reader.id == candidate.id
        and message.author_id != candidate.id
        and message.removed_at is None
    ]
    return ReadingDue(
        candidate_id=candidate.id,
        reader_id=reader.id,
        up_to_id=messages[-1].id,
        answers=len(answers),
        newest_answer_id=max(answers) if answers else None,
    )


def record_reading(due: ReadingDue) -> None:
    """Move the read mark, and record `answer_read` (naming the newest answer) when the
    candidate has just read answers. By ids only, so it can run in a short write transaction
    of its own after the page is rendered."""
    mark_read(due.candidate_id, due.reader_id, due.up_to_id)
    if due.answers:
        events.record(
            due.candidate_id,
            EventKind.ANSWER_READ,
            subject=f"message:{due.newest_answer_id}",
            data={"answers": due.answers},
        )


def _unread_count(thread_ids: Select[Any]) -> Select[int]:
    read = _READ_MARK
    reader_id = bindparam(UNREAD_READER, type_=Integer())
    return (
        select(func.count(Message.id))
        .outerjoin(
            read, and_(read.candidate_id == Message.candidate_id, read.reader_id == reader_id)
        )
        .where(
            Message.candidate_id.in_(thread_ids),
            Message.removed_at.is_(None),
            Message.author_id != reader_id,
            Message.id > func.coalesce(read.last_read_message_id, 0),
        )
    )


# The names of the values the unread queries are run with (`unread_values`).
UNREAD_READER = "unread_reader_id"
_UNREAD_AT = "unread_at"
# Built once (every page's menu runs one): a candidate's own thread, or a recruiter's
# candidates' threads.
_UNREAD = {
    Role.CANDIDATE: _unread_count(select(bindparam(UNREAD_READER, type_=Integer()))),
    # Their own threads' counts kept ahead (questions.unread), and those of the colleagues
    # they cover for now counted live.
    Role.RECRUITER: unread.badge_query(
        _unread_count, bindparam(UNREAD_READER, type_=Integer()), bindparam(_UNREAD_AT)
    ),
}


def unread_query(role: str) -> Select[int] | None:
    """The count of unread messages in every thread a reader of `role` follows (their own, or
    their candidates'), as a query to run alone or beside others with `unread_values`; None
    for readers of no thread."""
    return _UNREAD.get(Role(role))


def unread_values(reader: User) -> dict[str, Any]:
    """What `unread_query` is run with: the reader, and the moment that says whom a recruiter
    covers for."""
    return {UNREAD_READER: reader.id, _UNREAD_AT: clock.now()}


def note_unread(count: int) -> None:
    """The menu's unread count (questions.app's `unread_messages`), when a page has already
    read it beside other things: one query less."""
    g.unread_messages = count


def unread_for(reader: User) -> int:
    """Unread messages in every thread the reader follows: their own, or their candidates'."""
    query = unread_query(reader.role)
    return 0 if query is None else (db.session.scalar(query, unread_values(reader)) or 0)
