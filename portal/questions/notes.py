"""Private notes on a candidate, for the staff who look after them.

Their recruiter, their backup recruiter, whoever covers for the recruiter while they are away,
and HR read and add notes (the views find the candidate through the same "candidate or 404"
as the thread); the candidate never sees them, and neither does the API. The audit log records
that a note was added or deleted, never its text. A note goes with its candidate (its
candidate_id cascades: retention deletes it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core import inputs, pages
from portal.core.extensions import db
from portal.core.i18n import _
from portal.people import audit
from portal.people.models import Role, User
from portal.questions.models import CandidateNote

MAX_LENGTH = 2000
PAGE_SIZE = 20
LATEST = 3  # shown on the thread page, above a link to all of them


class NoteError(ValueError):
    """A note that cannot be added or deleted, in words for the person who tried."""


def clean(body: str) -> str:
    try:
        text = inputs.multi_line(body, max_length=MAX_LENGTH)
    except inputs.InputError as error:
        raise NoteError(error.message) from None
    if not text:
        raise NoteError(_("Write the note first."))
    return text


def add(candidate: User, author: User, body: str) -> CandidateNote:
    """A note on the candidate (and "note added" in the audit log, without its text)."""
    note = CandidateNote(candidate_id=candidate.id, author=author, body=clean(body))
    db.session.add(note)
    audit.record(author, "note.added", candidate)
    db.session.flush()
    return note


@dataclass(frozen=True)
class NotePage:
    notes: list[CandidateNote]
    next_before: int | None


def _query(candidate: User):  # type: ignore[no-untyped-def]
    return (
        select(CandidateNote)
        .where(CandidateNote.candidate_id == candidate.id)
        .options(joinedload(CandidateNote.author))
    )


def page(candidate: User, before: int | None = None, size: int = PAGE_SIZE) -> NotePage:
    """The candidate's notes, newest first, a page before the note `before` (one query)."""
    notes, next_before = pages.newest_first(_query(candidate), CandidateNote.id, before, size)
    return NotePage(notes, next_before)


def latest(candidate: User, size: int = LATEST) -> NotePage:
    return page(candidate, None, size)


def note_of(candidate: User, note_id: int) -> CandidateNote | None:
    return db.session.scalar(
        select(CandidateNote).where(
            CandidateNote.id == note_id, CandidateNote.candidate_id == candidate.id
        )
    )


def may_delete(reader: User, note: CandidateNote) -> bool:
    return note.author_id == reader.id or reader.role == Role.HR


def delete(note: CandidateNote, by: User) -> None:
    """The author (or HR) deletes a note; "note deleted" in the audit log."""
    if not may_delete(by, note):
        raise NoteError(_("Only the note's author or HR can delete it."))
    candidate = db.session.get_one(User, note.candidate_id)
    db.session.delete(note)
    audit.record(by, "note.deleted", candidate)
    db.session.flush()
