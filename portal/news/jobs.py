"""News's job runner: queueing the candidates' update emails, one committed transaction each.

A commit boundary, like views, CLI commands and the worker's loop: the worker runs
`queue_candidate_updates(now)`; it ends the read of who may be due, then decides about each
candidate with `portal.news.updates.queue_for` in a transaction of its own and commits it at
once, so the candidate's lock is held only while deciding about them.
"""

from __future__ import annotations

from datetime import datetime

from portal.core.extensions import db
from portal.news import updates


def queue_candidate_updates(now: datetime) -> int:
    """Queue the update emails that are due at `now`; returns how many were queued."""
    try:
        due = updates.due(now)
    finally:
        db.session.rollback()  # only read: end the transaction before deciding per candidate
    return sum(_decided(user_id, kind, now) for user_id, kind in due)


def _decided(user_id: int, kind: str, now: datetime) -> int:
    """Decide about one candidate in a transaction of its own: 1 if an email was queued."""
    try:
        queued = updates.queue_for(user_id, kind, now)
        if queued:
            db.session.commit()
        else:
            db.session.rollback()  # nothing written: just let the candidate go
    except BaseException:
        db.session.rollback()
        raise
    return int(queued)
