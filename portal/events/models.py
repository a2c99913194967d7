"""What candidates do, as append-only events: the facts engagement, the API and the recruiter's
pages all read. Explained to candidates on /what-we-record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import utcnow
from portal.core.models import Base, BigId, UTCDateTime, one_of


class EventKind(StrEnum):
    """What the portal records about a candidate. Explained to candidates on /what-we-record."""

    SIGNED_IN = "signed_in"
    HOME_VIEWED = "home_viewed"  # at most once an hour
    NEWS_OPENED = "news_opened"
    QUESTION_ASKED = "question_asked"
    ANSWER_READ = "answer_read"
    FAQ_SEARCHED = "faq_searched"
    CALENDAR_DOWNLOADED = "calendar_downloaded"
    TIMELINE_VIEWED = "timeline_viewed"
    PULSE_ANSWERED = "pulse_answered"
    # Written by the portal itself, not by something the candidate did:
    STATUS_CHANGED = "status_changed"
    QUESTION_OVERDUE = "question_overdue"
    JOINED = "joined"


# Kinds that count as the candidate doing something (for "last seen" and the sparkline).
ACTIVITY_KINDS = tuple(
    kind
    for kind in EventKind
    if kind not in (EventKind.STATUS_CHANGED, EventKind.QUESTION_OVERDUE, EventKind.JOINED)
)


class EngagementEvent(Base):
    """One thing that happened, appended and never changed. Its id is the API's cursor."""

    __tablename__ = "engagement_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({one_of(EventKind)})", name="kind"),
        Index("ix_engagement_events_candidate_time", "candidate_id", "occurred_at"),
        Index("ix_engagement_events_kind_candidate", "kind", "candidate_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What it was about, e.g. "news:12" or "message:40" (never the text itself).
    subject: Mapped[str | None] = mapped_column(String(60), default=None)
    # Small structured facts: a pulse score, a status change's old/new status and reasons.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
