"""The email telling a candidate about new answers to their questions, batched.

Every candidate gets it, whatever their mail preference; it does not count toward the weekly
cap. The first answer's email waits ANSWER_BATCH_MINUTES (mail.cadence) and the answers
posted meanwhile join it: `notifications.queue` renders the waiting message again instead of
adding one. It lists the answers the candidate has not read yet, so an answer they already
read in the portal, or one its author took back, is not in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from portal.core.extensions import db
from portal.mail import notifications
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import User
from portal.questions.models import Message, ThreadRead

KIND = "answer_posted"
SHOWN = 5  # the latest answers quoted in the email
EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class AnswerLine:
    author: str
    excerpt: str


def _answers_about(candidate: User) -> str:
    return f"answers:{candidate.id}"


def unread_answers(candidate: User) -> list[Message]:
    """Answers in the candidate's thread that they have not read yet, oldest first."""
    read_mark = (
        select(ThreadRead.last_read_message_id)
        .where(ThreadRead.candidate_id == candidate.id, ThreadRead.reader_id == candidate.id)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(Message)
            .options(joinedload(Message.author))
            .where(
                Message.candidate_id == candidate.id,
                Message.author_id != candidate.id,
                Message.removed_at.is_(None),
                Message.id > func.coalesce(read_mark, 0),
            )
            .order_by(Message.id)
        )
    )


def queue(candidate: User) -> OutgoingEmail | None:
    """Queue the email telling the candidate about their new answers, or bring the one still
    waiting up to date (answers are batched: see mail.cadence). None if none are new."""
    answers = unread_answers(candidate)
    if not answers:
        return None
    lines = [
        AnswerLine(answer.author.name if answer.author else "Your recruiter", _excerpt(answer))
        for answer in answers
    ]
    authors = {line.author for line in lines}
    if len(lines) == 1:
        subject = f"{lines[0].author} answered your question"
    elif len(authors) == 1:
        subject = f"{lines[0].author} answered you: {len(lines)} new answers"
    else:
        subject = f"{len(lines)} new answers to your questions"
    return notifications.queue(
        to=candidate,
        kind=KIND,
        template="questions/email/answer_posted",
        subject=subject,
        about=_answers_about(candidate),
        answers=lines[-SHOWN:],
        count=len(lines),
    )


def answer_removed(candidate: User) -> None:
    """An answer was removed: the waiting answer email drops it (or goes, if it was the only
    one), and kept copies of answer emails already sent are erased."""
    about = _answers_about(candidate)
    db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.about == about, OutgoingEmail.status == EmailStatus.SENT)
        .values(body_text=None, body_html=None)
    )
    waiting = db.session.scalar(
        select(OutgoingEmail).where(
            OutgoingEmail.about == about,
            OutgoingEmail.status == EmailStatus.PENDING,
            OutgoingEmail.attempts == 0,
        )
    )
    if waiting is None:
        return
    if queue(candidate) is None:
        db.session.delete(waiting)
    db.session.flush()


def _excerpt(message: Message) -> str:
    flat = " ".join((message.body or "").split())
    return flat if len(flat) <= EXCERPT_LENGTH else flat[: EXCERPT_LENGTH - 1].rstrip() + "…"
