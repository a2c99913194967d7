"""The API's tables: personal tokens (only their hash is stored), the answers kept for
Idempotency-Key retries, and the offers an applicant tracking system has pushed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime, one_of
from portal.people.models import User


class TokenScope(StrEnum):
    READ = "read"  # candidates, statuses and events
    WRITE = "write"  # also adds candidates and changes joining details and recruiters


class ApiToken(Base):
    """A personal token for the JSON API. Shown once; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(f"scope IN ({one_of(TokenScope)})", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so people can tell their tokens apart; not enough to use one.
    prefix: Mapped[str] = mapped_column(String(16))
    # What it may do; tokens made before scopes existed only read.
    scope: Mapped[str] = mapped_column(String(8), default=TokenScope.READ, server_default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class IdempotentRequest(Base):
    """A write sent with an Idempotency-Key: claimed before it runs (the unique key makes two
    at once impossible), then holding its answer, which a retry with the same key and the same
    request gets again. Kept API_IDEMPOTENCY_HOURS (api.idempotency)."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the method, the path and the body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the request that holds the key started (or took over an abandoned claim).
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The answer, once the write is committed; None while it runs.
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)
    location: Mapped[str | None] = mapped_column(String(300), default=None)


class InboundOffer(Base):
    """An accepted offer an applicant tracking system pushed (api.inbound): its id in that
    system, once, and the candidate it became. The pointer is cleared when retention removes
    the candidate, so the same offer pushed again is refused rather than recreated."""

    __tablename__ = "inbound_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[str] = mapped_column(String(200), unique=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
