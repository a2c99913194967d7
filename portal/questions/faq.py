"""The company FAQ: questions many candidates ask, answered once, without anyone's name."""

from __future__ import annotations

from sqlalchemy import or_, select

from portal.core import pages
from portal.core.extensions import db
from portal.people import audit
from portal.people.models import User
from portal.questions.models import FaqEntry, Message

MAX_RESULTS = 50


def search(query: str = "", *, include_drafts: bool = False) -> list[FaqEntry]:
    """Entries whose question or answer contain every word of `query`, newest first."""
    statement = select(FaqEntry)
    if not include_drafts:
        statement = statement.where(FaqEntry.published.is_(True))
    for word in query.split()[:8]:
        pattern = pages.contains(word)
        statement = statement.where(
            or_(
                FaqEntry.question.ilike(pattern, escape="\\"),
                FaqEntry.answer.ilike(pattern, escape="\\"),
            )
        )
    statement = statement.order_by(FaqEntry.updated_at.desc(), FaqEntry.id.desc())
    return list(db.session.scalars(statement.limit(MAX_RESULTS)))


def get(entry_id: int) -> FaqEntry | None:
    return db.session.get(FaqEntry, entry_id)


def save(
    entry: FaqEntry | None, *, actor: User, question: str, answer: str, published: bool
) -> FaqEntry:
    """Create or change an entry; the change is in the audit log."""
    if entry is None:
        entry = FaqEntry(created_by_id=actor.id)
        db.session.add(entry)
        action = "faq.created"
    else:
        action = "faq.updated"
    subject = f"FAQ “{entry.question}”" if entry.question else None
    old = entry.question
    entry.question = question.strip()
    entry.answer = answer.strip()
    entry.published = published
    db.session.flush()
    audit.record(actor, action, field="question", old=old, new=entry.question, subject=subject)
    return entry


def delete(entry: FaqEntry, actor: User) -> None:
    audit.record(actor, "faq.deleted", old=entry.question, subject=f"FAQ “{entry.question}”")
    db.session.delete(entry)
    db.session.flush()


def draft_from(message: Message, thread: list[Message]) -> tuple[str, str]:
    """A question and the answers that followed it, as a starting point for an FAQ entry.

    Staff edit it before publishing: it carries no names, but the text may still need care.
    """
    question = message.body or ""
    answers = []
    for later in thread:
        if later.id <= message.id or later.is_removed:
            continue
        if later.is_question:
            break
        answers.append(later.body or "")
    return question, "\n\n".join(answers)
