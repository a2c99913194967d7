"""Engagement: what candidates do (append-only events), how they feel (pulse) and the status the
portal derives from both, plus the recruiters' daily digests and the worker's job leases."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


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


class Status(StrEnum):
    ENGAGED = "engaged"
    QUIET = "quiet"
    AT_RISK = "at_risk"


class MailPreference(StrEnum):
    """A candidate's own choice of how much mail they get from the portal."""

    EVERYTHING = "everything"
    WEEKLY_SUMMARY = "weekly_summary"
    ESSENTIALS = "essentials"


def _in(values: type[StrEnum]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class EngagementEvent(Base):
    """One thing that happened, appended and never changed. Its id is the API's cursor."""

    __tablename__ = "engagement_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(EventKind)})", name="kind"),
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


class PulseResponse(Base):
    """An answer to "How do you feel about joining?" (1 = worried … 5 = can't wait)."""

    __tablename__ = "pulse_responses"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_pulse_responses_candidate_time", "candidate_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CandidateStatus(Base):
    """The last status the worker recorded for a candidate, so a change can be noticed once."""

    __tablename__ = "candidate_statuses"
    __table_args__ = (CheckConstraint(f"status IN ({_in(Status)})", name="status"),)

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(12))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecruiterDigest(Base):
    """One daily digest per recruiter and local day: the unique key makes it go out once."""

    __tablename__ = "recruiter_digests"
    __table_args__ = (UniqueConstraint("recruiter_id", "local_date", name="uq_recruiter_digests"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when nothing had changed: the day is settled and no mail was sent.
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_emails.id", ondelete="SET NULL"), default=None
    )


class WorkerJob(Base):
    """A periodic job of the worker loop and who holds it: several workers run each job once."""

    __tablename__ = "worker_jobs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    locked_by: Mapped[str | None] = mapped_column(String(100), default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
