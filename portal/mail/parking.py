"""Parked mail: messages that could not go (see `portal.mail.delivery`), for HR to look at,
send again or discard; and dropped mail, decided against when it was due, with its reason.
Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from portal.core import pages
from portal.core.extensions import db
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people import audit
from portal.people.models import User

PAGE_SIZE = 50
DROPPED_SHOWN = 50


def count() -> int:
    """How many messages are parked."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutgoingEmail)
            .where(OutgoingEmail.status == EmailStatus.FAILED)
        )
        or 0
    )


def page(
    before: int | None = None, size: int = PAGE_SIZE
) -> tuple[Sequence[OutgoingEmail], int | None]:
    """The newest parked messages (before the id `before`), and the cursor of the next page."""
    parked = select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.FAILED)
    return pages.newest_first(parked, OutgoingEmail.id, before, size)


def dropped(size: int = DROPPED_SHOWN) -> Sequence[OutgoingEmail]:
    """The newest messages decided against when they were due (`portal.mail.rechecks`), each
    with its reason: nothing is lost without HR being able to see it."""
    return db.session.scalars(
        select(OutgoingEmail)
        .where(OutgoingEmail.status == EmailStatus.DROPPED)
        .order_by(OutgoingEmail.dropped_at.desc(), OutgoingEmail.id.desc())
        .limit(size)
    ).all()


def find(email_id: int) -> OutgoingEmail | None:
    """A parked message, or None (sent, still queued, or unknown)."""
    email = db.session.get(OutgoingEmail, email_id)
    return email if email is not None and email.status == EmailStatus.FAILED else None


def send_again(email: OutgoingEmail, actor: User, now: datetime) -> None:
    """Put a parked message back in the queue, as if new: the next delivery tries it."""
    email.status = EmailStatus.PENDING
    email.failed_at = None
    email.attempts = 0
    email.next_attempt_at = now
    audit.record(actor, "mail.resent", None, subject=_describe(email))
    db.session.flush()


def discard(email: OutgoingEmail, actor: User) -> None:
    """Give up on a parked message for good."""
    audit.record(actor, "mail.discarded", None, subject=_describe(email))
    db.session.delete(email)
    db.session.flush()


def _describe(email: OutgoingEmail) -> str:
    return f"“{email.subject}” to {email.to_address}"
