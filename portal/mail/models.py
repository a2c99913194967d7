"""Outgoing email, written in the same transaction as the change that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Parked: it cannot go (it could not be built, the server refused it for good, or it kept
    # failing). Never tried again by itself, never in the way of the others; HR sees it with
    # its reason (`last_error`) and may try it again or discard it.
    FAILED = "failed"
    # Dropped: decided against when it was about to go (`portal.mail.rechecks`: the candidate
    # had already read it, the news was hidden, a later change superseded it...). Kept with its
    # reason (`drop_reason`) so that HR sees what was not sent and why; never sent.
    DROPPED = "dropped"


class OutgoingEmail(Base):
    """One message on its way out. Bodies are erased once delivered (they may hold sign-in links),
    unless the development mailbox keeps them for people trying the portal by hand."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'dropped')", name="status"),
        Index("ix_outgoing_emails_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    to_address: Mapped[str] = mapped_column(String(254))
    to_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(40))
    # What the message is about, e.g. "message:42", so it can be withdrawn if that goes away.
    about: Mapped[str | None] = mapped_column(String(60), index=True, default=None)
    # How the cadence rules treat mail to a candidate (cadence.Category); None for staff.
    category: Mapped[str | None] = mapped_column(String(20), default=None)
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str | None] = mapped_column(Text, default=None)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(12), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    drop_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # What the message told, as its kind's recheck reads it when it is sent (JSON, set by
    # whoever queued it: the answers it lists, the news window it covers...).
    covers: Mapped[str | None] = mapped_column(Text, default=None)

    attachments: Mapped[list[EmailAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="EmailAttachment.id"
    )


class EmailAttachment(Base):
    """A file sent with a message (such as the joining day's .ics). Text formats only."""

    __tablename__ = "email_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(
        ForeignKey("outgoing_emails.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
