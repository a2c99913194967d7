"""Idempotency-Key for the API's writes (the IETF draft `Idempotency-Key` header, as Stripe
and others use it): a client that retries a write with the same key gets the first answer
again instead of a second candidate.

A write sent with a key first claims it: one INSERT, which the unique (token, key) constraint
lets only one request win, on SQLite and PostgreSQL alike (no check-then-insert race). The
claim is committed before the write runs, so a second request with the key meanwhile sees it
and is refused (409); the answer is stored in the write's own transaction, so it exists exactly
when the write does. A write that fails gives its key back. Then:

- the same key with the same request (method, path, content type, body) replays the answer;
- the same key with another request is refused (422): a key names one request;
- a claim whose request died before answering (a killed worker) is taken over after
  ABANDONED_AFTER.

Keys are per token and kept `API_IDEMPOTENCY_HOURS` (the worker purges older ones). Functions
here only flush; the API's write views commit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from portal.api.models import IdempotentRequest
from portal.core.database import upsert
from portal.core.extensions import db

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
# Longer than any request may run (gunicorn's timeout is 30 s): a claim this old whose
# request never answered belongs to a worker that died.
ABANDONED_AFTER = timedelta(minutes=2)
# Printable ASCII without spaces at either end: what a client puts in a header.
KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"  # for the OpenAPI document
_KEY = re.compile(KEY_PATTERN.removeprefix("^").removesuffix("$"))


class KeyInUse(Exception):
    """Another request with this key is running now."""


class KeyReused(Exception):
    """This key was used for another request."""


@dataclass(frozen=True)
class Answer:
    """What a write answered, as stored for its retries."""

    status_code: int
    body: str
    location: str | None = None


def valid_key(key: str) -> bool:
    return len(key) <= KEY_MAX_LENGTH and _KEY.fullmatch(key) is not None


def fingerprint(method: str, path: str, content_type: str, body: bytes) -> str:
    """What makes two requests "the same" for a key: method, path, content type and body."""
    digest = hashlib.sha256()
    for part in (method.upper(), path, content_type.split(";")[0].strip().lower()):
        digest.update(part.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


def claim(
    token_id: int, key: str, request_print: str, *, now: datetime, keep: timedelta
) -> int | Answer:
    """Claim `key` for this request (the claim's id, to complete or release), or the answer a
    finished request with the same key and fingerprint gave. KeyInUse or KeyReused otherwise."""
    same_key = (IdempotentRequest.token_id == token_id) & (IdempotentRequest.key == key)
    # An expired key no longer counts: it may name a new request.
    db.session.execute(
        delete(IdempotentRequest).where(same_key, IdempotentRequest.created_at < now - keep)
    )
    claimed = db.session.scalar(
        upsert(IdempotentRequest)
        .values(
            token_id=token_id, key=key, fingerprint=request_print, created_at=now, claimed_at=now
        )
        .on_conflict_do_nothing(index_elements=["token_id", "key"])
        .returning(IdempotentRequest.id)
    )
    if claimed is not None:
        return int(claimed)
    found = db.session.scalar(select(IdempotentRequest).where(same_key))
    if found is None:  # released by a failed request between our insert and this read
        raise KeyInUse
    if found.fingerprint != request_print:
        raise KeyReused
    if found.status_code is not None:
        return Answer(found.status_code, found.response_body or "", found.location)
    if found.claimed_at > now - ABANDONED_AFTER or not _take_over(found, now):
        raise KeyInUse
    return found.id


def _take_over(found: IdempotentRequest, now: datetime) -> bool:
    """Claim an abandoned key again; False if another request got there first."""
    taken: Any = db.session.execute(
        update(IdempotentRequest)
        .where(
            IdempotentRequest.id == found.id,
            IdempotentRequest.status_code.is_(None),
            IdempotentRequest.claimed_at == found.claimed_at,
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], taken).rowcount == 1


def complete(claim_id: int, answer: Answer) -> None:
    """Keep the answer of the claimed request, in the write's own transaction."""
    db.session.execute(
        update(IdempotentRequest)
        .where(IdempotentRequest.id == claim_id)
        .values(status_code=answer.status_code, response_body=answer.body, location=answer.location)
        .execution_options(synchronize_session=False)
    )


def release(claim_id: int) -> None:
    """Give the key back after a failed write: the client may correct and send it again."""
    db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.id == claim_id))


def purge(now: datetime, keep: timedelta) -> int:
    """Forget keys older than `keep`; how many went."""
    gone: Any = db.session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at < now - keep)
    )
    return cast(CursorResult[Any], gone).rowcount or 0
