"""Saved replies: text staff insert into an answer instead of typing it again.

A recruiter keeps their own; HR writes shared ones every recruiter (and HR) may insert. Only
the owner edits or deletes their own; any HR person edits the shared ones. Inserting fills
the placeholders ({first_name}, {name}, {my_name}, {joining_date}, {location}) in one pass:
what they are filled with is never read for placeholders again, a placeholder not in the list
stays as typed, and the text stays plain text (the page escapes it like any message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from portal.core import inputs, pages
from portal.core.extensions import db
from portal.core.i18n import _, _l, in_language
from portal.core.templating import long_date
from portal.people.models import Role, User
from portal.questions.models import SavedReply
from portal.questions.threads import MAX_LENGTH

TITLE_MAX_LENGTH = 80
BODY_MAX_LENGTH = MAX_LENGTH  # a reply fits in a message on its own
MOST_REPLIES = 100  # per recruiter, and shared by HR: the answer form lists them all
PAGE_SIZE = 50
_PLACEHOLDER = re.compile(r"\{([a-z_]{1,30})\}")
PLACEHOLDERS = {
    "first_name": _l("the candidate's first name"),
    "name": _l("the candidate's full name"),
    "my_name": _l("your name"),
    "joining_date": _l("the candidate's joining day"),
    "location": _l("where the candidate joins"),
}


class ReplyError(ValueError):
    """A saved reply that cannot be saved, with the field to show the message beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def fill(text: str, candidate: User, writer: User) -> str:
    """The reply's text with its placeholders filled for this candidate, in one pass (the
    joining day in the candidate's language: they read it)."""
    profile = candidate.candidate_profile
    with in_language(candidate.language):
        joining_date = long_date(profile.joining_date) if profile else ""
    values = {
        "first_name": first_name(candidate.name),
        "name": candidate.name,
        "my_name": writer.name,
        "joining_date": joining_date,
        "location": profile.location if profile and profile.location else "",
    }
    return _PLACEHOLDER.sub(lambda found: values.get(found.group(1), found.group(0)), text)


def _visible(reader: User) -> list:
    if reader.role == Role.HR:
        return [SavedReply.shared.is_(True)]
    return [or_(SavedReply.shared.is_(True), SavedReply.owner_id == reader.id)]


def usable(reader: User) -> list[SavedReply]:
    """The replies the reader may insert: their own first, then the shared ones, by title
    (at most 2 × MOST_REPLIES: the answer form's list)."""
    return list(
        db.session.scalars(
            select(SavedReply)
            .where(*_visible(reader))
            .order_by(SavedReply.shared, SavedReply.title, SavedReply.id)
            .limit(2 * MOST_REPLIES)
        )
    )


@dataclass(frozen=True)
class ReplyPage:
    replies: list[SavedReply]
    next_after: int | None


_ORDER = (pages.Key(SavedReply.shared), pages.Key(SavedReply.title), pages.Key(SavedReply.id))


def page(reader: User, after: int | None = None, size: int = PAGE_SIZE) -> ReplyPage:
    """The reader's replies a page at a time (own first, then shared, by title): one query."""
    position = None
    if after is not None:
        position = [
            pages.value_of(SavedReply.shared, SavedReply.id, after),
            pages.value_of(SavedReply.title, SavedReply.id, after),
            after,
        ]
    query = select(SavedReply).where(*_visible(reader))
    found, last = pages.in_order(query, _ORDER, position, size)
    return ReplyPage(found, last.id if last is not None else None)


def may_edit(reader: User, reply: SavedReply) -> bool:
    if reply.shared:
        return reader.role == Role.HR
    return reply.owner_id == reader.id


def usable_reply(reader: User, reply_id: int) -> SavedReply | None:
    """A reply the reader may insert, by id; None for anyone else's."""
    return db.session.scalar(select(SavedReply).where(SavedReply.id == reply_id, *_visible(reader)))


def editable_reply(reader: User, reply_id: int) -> SavedReply | None:
    """A reply the reader may change or delete, by id; None otherwise (the view says 404)."""
    reply = usable_reply(reader, reply_id)
    return reply if reply is not None and may_edit(reader, reply) else None


def _clean(title: str, body: str) -> tuple[str, str]:
    try:
        title = inputs.one_line(title, max_length=TITLE_MAX_LENGTH, what=_("a title"))
    except inputs.InputError as error:
        raise ReplyError("title", error.message) from None
    try:
        body = inputs.multi_line(body, max_length=BODY_MAX_LENGTH)
    except inputs.InputError as error:
        raise ReplyError("body", error.message) from None
    if not body:
        raise ReplyError("body", _("Write the reply's text."))
    return title, body


def create(reader: User, title: str, body: str) -> SavedReply:
    """A new reply: the recruiter's own, or shared when HR writes it. Flushes only."""
    title, body = _clean(title, body)
    shared = reader.role == Role.HR
    mine = SavedReply.shared.is_(True) if shared else SavedReply.owner_id == reader.id
    full = db.session.scalar(
        select(SavedReply.id)
        .where(mine, SavedReply.shared.is_(shared))
        .offset(MOST_REPLIES - 1)
        .limit(1)
    )
    if full is not None:
        raise ReplyError(
            "title",
            _("There are %(num)d saved replies already: delete one.", num=MOST_REPLIES),
        )
    reply = SavedReply(owner_id=reader.id, shared=shared, title=title, body=body)
    db.session.add(reply)
    db.session.flush()
    return reply


def update(reply: SavedReply, title: str, body: str) -> None:
    reply.title, reply.body = _clean(title, body)
    db.session.flush()


def delete(reply: SavedReply) -> None:
    db.session.delete(reply)
    db.session.flush()
