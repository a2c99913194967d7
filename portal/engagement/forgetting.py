"""How retention forgets departed candidates: a rule for every table, not a list of tables.

For each batch of candidates (portal.engagement.retention decides who and when):

1. Copies first: rows that quote a person rather than point at them. Email to them, or that
   names them, is deleted; the webhook messages about them are emptied; the audit log keeps its
   entries about them without the values, and their name, email address and phone number are
   replaced wherever the audit log or a webhook message quotes them.
2. Then every table of the metadata with a foreign key to `users`, by what the key says
   should happen when the person goes (ON DELETE): CASCADE, the rows are theirs and are
   deleted; SET NULL, the row is someone else's and only points at them: the pointer is
   cleared. A table added tomorrow is handled the day it exists; a key that says neither stops
   the job (RetentionGap) rather than keep what the page promises to remove.
3. Their account last.

The documents they uploaded for their checklist are files (timeline.documents): they are
removed once the deletion of their rows is committed.

Only flushes; the worker commits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from markupsafe import escape
from sqlalchemy import (
    Column,
    CursorResult,
    MetaData,
    Table,
    delete,
    func,
    or_,
    select,
    update,
)

from portal.core.extensions import db
from portal.core.models import Base
from portal.core.pages import contains
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, User
from portal.timeline import documents
from portal.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookMessage

PEOPLE = "users"
REMOVED = "[removed]"  # what stands where a name, address or number was
# Audit entries record these fields of a person: their old values name them too.
IDENTIFYING_FIELDS = ("name", "email", "phone")
CHUNK = 40  # spellings searched for in one statement
SHORTEST = 3  # shorter strings are not searched for: they would match other people's words
# The free text that quotes people (columns of other people's rows): their identifiers are
# replaced there. Every other copy is in a row deleted in step 1 or 2.
QUOTING: dict[str, tuple[str, ...]] = {
    "audit_log": ("subject", "old_value", "new_value"),
    "webhook_messages": ("body", "last_error"),
    "webhook_attempts": ("error",),
    # The API's answers kept for Idempotency-Key retries (a day at most).
    "api_idempotency_keys": ("response_body",),
}
ERASED_BEFORE_SENDING = "not sent: the candidate's records were removed (retention)"


class RetentionGap(RuntimeError):
    """A foreign key to users whose ON DELETE says neither CASCADE nor SET NULL."""


@dataclass
class Forgotten:
    """What one run removed: candidates, and rows per table."""

    candidates: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        if count:
            self.rows[table] = self.rows.get(table, 0) + count


@dataclass(frozen=True)
class Reference:
    """A column that points at users, and what to do with it when the person goes."""

    table: Table
    column: Column[Any]
    delete_row: bool  # True: the row is theirs (ON DELETE CASCADE); False: clear the pointer


def references(metadata: MetaData = Base.metadata) -> list[Reference]:
    """Every column of every table that points at users, dependents first (the rule of step 2).
    RetentionGap names a key whose ON DELETE says neither CASCADE nor SET NULL."""
    found = []
    for table in reversed(metadata.sorted_tables):
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name != PEOPLE:
                    continue
                action = (key.ondelete or "").upper()
                if action not in ("CASCADE", "SET NULL"):
                    raise RetentionGap(
                        f"{table.name}.{column.name} refers to users with ON DELETE "
                        f"{action or 'NO ACTION'}: say CASCADE (the row is the person's) or "
                        "SET NULL (it only points at them), so retention knows what to do."
                    )
                found.append(Reference(table, column, action == "CASCADE"))
    return sorted(found, key=lambda ref: not ref.delete_row)  # deletes before clears


def forget(ids: list[int], now: datetime, forgotten: Forgotten) -> None:
    """Remove or anonymise every row about these candidates (steps 1 to 3)."""
    if not ids:
        return
    identifiers = _identifiers(ids)
    addresses = [value for value in identifiers if "@" in value]
    _forget_email(ids, addresses, identifiers, forgotten)
    _empty_webhook_messages(ids, now, forgotten)
    _strip_audit_values(ids, forgotten)
    for table, columns in QUOTING.items():
        forgotten.add(table, _replace_quotes(Base.metadata.tables[table], columns, identifiers))
    documents.discard_after_commit(documents.keys_of(ids))
    for ref in references():
        if ref.delete_row:
            statement: Any = delete(ref.table).where(ref.column.in_(ids))
        else:
            statement = update(ref.table).where(ref.column.in_(ids)).values({ref.column.name: None})
        forgotten.add(ref.table.name, _count(db.session.execute(statement)))
    people = Base.metadata.tables[PEOPLE]
    forgotten.add(PEOPLE, _count(db.session.execute(delete(people).where(people.c.id.in_(ids)))))
    forgotten.candidates += len(ids)


def _count(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount or 0


def _identifiers(ids: list[int]) -> set[str]:
    """Their names, email addresses and phone numbers, now and as the audit log recorded them
    before a change."""
    found: set[str] = set()
    for name, email, phone in db.session.execute(
        select(User.name, User.email, User.phone).where(User.id.in_(ids))
    ):
        found.update((name, email, phone or ""))
    for old, new in db.session.execute(
        select(AuditEntry.old_value, AuditEntry.new_value).where(
            AuditEntry.target_user_id.in_(ids), AuditEntry.field.in_(IDENTIFYING_FIELDS)
        )
    ):
        found.update((old or "", new or ""))
    return {value.strip() for value in found if len(value.strip()) >= SHORTEST}


def _variants(identifiers: Iterable[str]) -> list[str]:
    """Each identifier as text, as HTML and as a JSON string quotes it; longest first."""
    spelled: set[str] = set()
    for value in identifiers:
        spelled.update((value, str(escape(value)), json.dumps(value)[1:-1]))
    return sorted(spelled, key=len, reverse=True)


def _pattern(identifiers: Iterable[str]) -> re.Pattern[str]:
    words = "|".join(re.escape(value) for value in _variants(identifiers))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def _mentioning(key: Any, columns: list[Any], identifiers: set[str]) -> set[Any]:
    """The keys of the rows where any of `columns` may mention an identifier: a coarse SQL
    filter (the pattern decides), a few spellings at a time so that the statement stays short.
    Lower case on both sides, and the exact spelling too (SQLite lowers ASCII only)."""
    spelled = _variants(identifiers)
    keys: set[Any] = set()
    for start in range(0, len(spelled), CHUNK):
        chunk = spelled[start : start + CHUNK]
        found = or_(
            *(
                condition
                for column in columns
                for value in chunk
                for condition in (
                    func.lower(column).like(contains(value), escape="\\"),
                    column.like(_exactly(value), escape="\\"),
                )
            )
        )
        keys.update(db.session.scalars(select(key).where(found)))
    return keys


def _exactly(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _forget_email(
    ids: list[int], addresses: list[str], identifiers: set[str], forgotten: Forgotten
) -> None:
    """Email to them (queued, sent or parked) and email to others that names them."""
    to_them = db.session.execute(
        delete(OutgoingEmail).where(
            or_(
                OutgoingEmail.to_user_id.in_(ids),
                func.lower(OutgoingEmail.to_address).in_([a.lower() for a in addresses]),
            )
        )
    )
    forgotten.add("outgoing_emails", _count(to_them))
    if not identifiers:
        return
    texts = [OutgoingEmail.subject, OutgoingEmail.body_text, OutgoingEmail.body_html]
    pattern = _pattern(identifiers)
    maybe = _mentioning(OutgoingEmail.id, texts, identifiers)
    naming = [
        row.id
        for row in db.session.execute(
            select(OutgoingEmail.id, *texts).where(OutgoingEmail.id.in_(maybe))
        )
        if any(text and pattern.search(text) for text in row[1:])
    ]
    if naming:
        result = db.session.execute(delete(OutgoingEmail).where(OutgoingEmail.id.in_(naming)))
        forgotten.add("outgoing_emails", _count(result))


def _empty_webhook_messages(ids: list[int], now: datetime, forgotten: Forgotten) -> None:
    """Messages about them keep that they were sent, not what they said; one still waiting is
    not sent any more."""
    about = select(WebhookMessage.id).where(WebhookMessage.candidate_id.in_(ids))
    db.session.execute(
        update(WebhookAttempt).where(WebhookAttempt.message_id.in_(about)).values(error=None)
    )
    db.session.execute(
        update(WebhookMessage)
        .where(
            WebhookMessage.candidate_id.in_(ids), WebhookMessage.status == DeliveryStatus.PENDING
        )
        .values(status=DeliveryStatus.FAILED, last_error=ERASED_BEFORE_SENDING)
    )
    result = db.session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.candidate_id.in_(ids))
        .values(body="", erased_at=func.coalesce(WebhookMessage.erased_at, now))
    )
    forgotten.add("webhook_messages", _count(result))


def _strip_audit_values(ids: list[int], forgotten: Forgotten) -> None:
    """Entries about them keep who did what and when, not the values."""
    result = db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.target_user_id.in_(ids))
        .values(old_value=None, new_value=None)
    )
    forgotten.add("audit_log", _count(result))


def _replace_quotes(table: Table, names: tuple[str, ...], identifiers: set[str]) -> int:
    """Replace the identifiers wherever these columns quote them; how many rows changed."""
    if not identifiers:
        return 0
    columns = [table.c[name] for name in names]
    key = next(iter(table.primary_key.columns))
    pattern = _pattern(identifiers)
    changed = 0
    maybe = _mentioning(key, columns, identifiers)
    if not maybe:
        return 0
    rows = db.session.execute(select(key, *columns).where(key.in_(maybe)))
    for row in rows.all():
        values = {
            name: pattern.sub(REMOVED, text)
            for name, text in zip(names, row[1:], strict=True)
            if text and pattern.search(text)
        }
        if values:
            db.session.execute(update(table).where(key == row[0]).values(values))
            changed += 1
    return changed
