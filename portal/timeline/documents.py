"""Where the documents candidates upload for their tasks are kept: files in a private folder
(CHECKLIST_DOCUMENTS_FOLDER, else `checklist-documents` in the instance folder: never under
static/), each under a random name of its own with no extension, readable by the portal's user
only. The name the candidate's file had is kept in the database for the download, never used
as a path. Who may read a document is timeline.checklist's to say.

Files follow the transaction: one written in a transaction that rolls back is removed at once;
one whose row goes (undone, replaced, its task deleted, retention) is removed only once the
deletion is committed. `sweep` removes any file no row names (a worker that died between the
two), and retention runs it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.core.extensions import db
from portal.timeline.document_checks import CheckedDocument, check
from portal.timeline.models import ChecklistTick

FOLDER_NAME = "checklist-documents"
_KEY = re.compile(r"[A-Za-z0-9_-]{32}")
_WRITTEN = "timeline.documents.written"  # files of this transaction, removed if it rolls back
_DISCARD = "timeline.documents.discard"  # files removed once this transaction commits


def folder() -> Path:
    """The private folder the documents are kept in."""
    configured = current_app.config.get("CHECKLIST_DOCUMENTS_FOLDER") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / FOLDER_NAME


def path_of(key: str) -> Path:
    """The file of a document key; ValueError for anything that is not a key the portal made
    (a key is never a path: no separators, no dots)."""
    if not _KEY.fullmatch(key):
        raise ValueError("not a document key")
    return folder() / key


def check_upload(stream: IO[bytes], filename: str | None) -> CheckedDocument:
    """`document_checks.check` with the limits the portal is configured with."""
    config = current_app.config
    return check(
        stream,
        filename,
        max_bytes=int(config["CHECKLIST_UPLOAD_MAX_BYTES"]),
        max_pixels=int(config["CHECKLIST_UPLOAD_MAX_PIXELS"]),
    )


def save(document: CheckedDocument) -> str:
    """Write a checked document under a new random key (removed again if the transaction rolls
    back); returns the key."""
    place = folder()
    place.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    target = path_of(key)
    partial = place / f".{key}.part"
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(document.data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    db.session().info.setdefault(_WRITTEN, set()).add(key)
    return key


def read(key: str) -> bytes | None:
    """A document's bytes; None if its file is missing."""
    try:
        return path_of(key).read_bytes()
    except (FileNotFoundError, ValueError):
        return None


def discard_after_commit(keys: Iterable[str | None]) -> None:
    """Remove these documents' files once the transaction that deletes their rows commits."""
    wanted = {key for key in keys if key}
    if wanted:
        db.session().info.setdefault(_DISCARD, set()).update(wanted)


def _remove(keys: Iterable[str]) -> None:
    for key in keys:
        try:
            path_of(key).unlink(missing_ok=True)
        except (ValueError, OSError):
            continue  # the sweep takes care of what could not be removed now


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    keys = session.info.pop(_DISCARD, None)
    if keys:
        _remove(keys)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's: the transaction goes on (what it wrote is left to the sweep)
    session.info.pop(_DISCARD, None)
    keys = session.info.pop(_WRITTEN, None)
    if keys:
        _remove(keys)


def keys_of(candidate_ids: list[int]) -> list[str]:
    """The document keys of these candidates (one query)."""
    if not candidate_ids:
        return []
    return [
        key
        for key in db.session.scalars(
            select(ChecklistTick.document_key).where(
                ChecklistTick.candidate_id.in_(candidate_ids),
                ChecklistTick.document_key.is_not(None),
            )
        )
        if key
    ]


def sweep(older_than: datetime) -> int:
    """Remove the files no row names any more, last changed before `older_than` (a file being
    written now is left alone); how many were removed. One query."""
    place = folder()
    if not place.is_dir():
        return 0
    named = set(
        db.session.scalars(
            select(ChecklistTick.document_key).where(ChecklistTick.document_key.is_not(None))
        )
    )
    cutoff = older_than.timestamp()
    removed = 0
    for entry in os.scandir(place):
        if not entry.is_file(follow_symlinks=False):
            continue
        key = entry.name.removeprefix(".").removesuffix(".part")
        if not _KEY.fullmatch(key) or (key in named and entry.name == key):
            continue
        if entry.stat(follow_symlinks=False).st_mtime < cutoff:
            Path(entry.path).unlink(missing_ok=True)
            removed += 1
    return removed
