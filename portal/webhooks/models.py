"""How other systems hear from the portal: webhook endpoints with their outbox and delivery log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime, one_of
from portal.people.models import User


class WebhookEventType(StrEnum):
    CANDIDATE_STATUS_CHANGED = "candidate.status_changed"
    QUESTION_ASKED = "question.asked"
    QUESTION_OVERDUE = "question.overdue"
    PULSE_ANSWERED = "pulse.answered"
    CANDIDATE_JOINED = "candidate.joined"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # retries used up (3 days), or the endpoint went away (410)


class WebhookEndpoint(Base):
    """A URL registered by HR that receives signed events (Standard Webhooks)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # "whsec_" + base64 of at least 24 random bytes. Needed in clear to sign each delivery.
    secret: Mapped[str] = mapped_column(String(120))
    # True from the moment a secret is made until HR's page has shown it, once: replaying an
    # old session cookie that asked for it cannot show it again.
    secret_to_show: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # HR's explicit choice to send candidates' names, email addresses and reasons in words
    # (outbox.personal marks them); otherwise payloads carry ids, codes and times only.
    personal_fields: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Only events about this recruiter's candidates; None for every candidate.
    recruiter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    disabled_reason: Mapped[str | None] = mapped_column(String(300), default=None)

    recruiter: Mapped[User | None] = relationship(foreign_keys=[recruiter_id])

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None


class WebhookMessage(Base):
    """The transactional outbox: one event for one endpoint, written in the same transaction as
    the change it reports. `webhook_id` stays the same on every attempt so receivers can dedupe."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        CheckConstraint(f"status IN ({one_of(DeliveryStatus)})", name="status"),
        Index("ix_webhook_messages_due", "status", "next_attempt_at"),
        Index("ix_webhook_messages_endpoint", "endpoint_id", "id"),
        # HR's delivery log filtered by status, and its counts by status.
        Index("ix_webhook_messages_endpoint_status", "endpoint_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    webhook_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON bytes that are signed and sent
    # The candidate the event is about (None for a test event), so that retention finds it.
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    # When retention emptied `body` (some days after delivery): it can no longer be redelivered.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Due time; while a worker holds the message it is pushed past the worker's lease.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)

    endpoint: Mapped[WebhookEndpoint] = relationship()


class WebhookAttempt(Base):
    """One try at delivering a message: the delivery log HR reads."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
