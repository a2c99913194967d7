"""The email telling a candidate about new answers to their questions, batched.

Every candidate gets it, whatever their mail preference; it does not count toward the weekly
cap. The first answer's email waits ANSWER_BATCH_MINUTES (mail.cadence) and the answers
posted meanwhile join it: `notifications.queue` renders the waiting message again instead of
adding one. It lists the answers the candidate has not read yet, so an answer they already
read in the portal, or one its author took back, is not in it; and it is decided again when it
is sent (`recheck`): answers read or removed meanwhile are left out, and an email with none
left is not sent (HR sees it, with the reason, on the mail page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from portal.core.extensions import db
from portal.core.i18n import N_, _, ngettext
from portal.mail import notifications, rechecks
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import User
from portal.questions.answerers import signature
from portal.questions.models import Message, ThreadRead

KIND = "answer_posted"
TEMPLATE = "questions/email/answer_posted"
SHOWN = 5  # the latest answers quoted in the email
EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class AnswerLine:
    author: str
    excerpt: str
    # Who answered, in what capacity, as the thread says it: "Sam Lee (HR)", "Bo Chen
    # (covering for Ana Ruiz)", "Ana Ruiz (your recruiter)".
    signed: str = ""


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


@dataclass(frozen=True)
class Composed:
    """What an answer email says: its subject and its templates' context."""

    subject: str
    answers: list[AnswerLine]
    count: int


def compose(candidate: User, answers: list[Message]) -> Composed:
    """The email about these answers (at least one) to `candidate`, the latest SHOWN of them
    quoted; its subject in the candidate's language."""
    with notifications.written_for(candidate):
        return _composed(answers)


def _composed(answers: list[Message]) -> Composed:
    lines = [
        AnswerLine(signature(answer).name, _excerpt(answer), signature(answer).in_email)
        for answer in answers
    ]
    authors = {line.author for line in lines}
    if len(lines) == 1:
        subject = _("%(name)s answered your question", name=lines[0].author)
    elif len(authors) == 1:
        subject = ngettext(
            "%(name)s answered you: %(num)d new answer",
            "%(name)s answered you: %(num)d new answers",
            len(lines),
            name=lines[0].author,
        )
    else:
        subject = ngettext(
            "%(num)d new answer to your questions",
            "%(num)d new answers to your questions",
            len(lines),
        )
    return Composed(subject=subject, answers=lines[-SHOWN:], count=len(lines))


def queue(candidate: User) -> OutgoingEmail | None:
    """Queue the email telling the candidate about their new answers, or bring the one still
    waiting up to date (answers are batched: see mail.cadence). None if none are new."""
    answers = unread_answers(candidate)
    if not answers:
        return None
    composed = compose(candidate, answers)
    email = notifications.queue(
        to=candidate,
        kind=KIND,
        template=TEMPLATE,
        subject=composed.subject,
        about=_answers_about(candidate),
        answers=composed.answers,
        count=composed.count,
    )
    # What it tells, for `recheck` when it is sent: these answers, and no later one.
    email.covers = json.dumps({"answers": [answer.id for answer in answers]})
    db.session.flush()
    return email


def recheck(email: OutgoingEmail, now: datetime) -> rechecks.Verdict:
    """An answer email about to go, decided again from the thread as it is now (registered by
    `questions.app`): answers the candidate has read in the portal since, or that were removed,
    are left out; when none is left, it is not sent."""
    candidate = db.session.get(User, email.to_user_id) if email.to_user_id is not None else None
    if candidate is None:
        return rechecks.Drop(N_("The candidate's account no longer exists."))
    if not email.covers:  # queued before emails said what they cover: it says what it said
        return rechecks.Send()
    covered: list[int] = json.loads(email.covers).get("answers", [])
    answers = [answer for answer in unread_answers(candidate) if answer.id in set(covered)]
    if not answers:
        return rechecks.Drop(_why_none_left(candidate, covered))
    if [answer.id for answer in answers] == covered:
        return rechecks.Send()
    composed = compose(candidate, answers)
    context = {
        "recipient": candidate,
        "answers": composed.answers,
        "count": composed.count,
    }
    email.covers = json.dumps({"answers": [answer.id for answer in answers]})
    body_text, body_html = notifications.render_bodies(TEMPLATE, **context)
    return rechecks.Rewrite(
        subject=composed.subject,
        body_text=body_text,
        body_html=body_html,
    )


def _why_none_left(candidate: User, covered: list[int]) -> str:
    """Why an answer email has nothing left to say, in words (English: HR reads it in their
    language, `mail.parking.reason_words`)."""
    still_there = db.session.scalar(
        select(func.count(Message.id)).where(
            Message.id.in_(covered),
            Message.candidate_id == candidate.id,
            Message.removed_at.is_(None),
        )
    )
    if not still_there:
        return N_("Every answer in it was removed before it was sent.")
    if still_there < len(covered):
        return N_(
            "The candidate read the answers in the portal before it was sent; "
            "the others were removed."
        )
    return N_("The candidate read the answers in the portal before it was sent.")


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
