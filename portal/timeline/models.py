"""Milestones between offer and first day, relative to the joining date."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Time, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime


class MilestoneTemplate(Base):
    """A milestone every candidate gets, e.g. "14 days before: documents to prepare"."""

    __tablename__ = "milestone_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text, default="")
    # Days from the joining date: negative before it, 0 on the day, positive after.
    day_offset: Mapped[int] = mapped_column(Integer)
    # True: day_offset counts working days at the workplace (timeline.workdays), not every day.
    working_days: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Local time at the workplace; None for "some time that day".
    time_of_day: Mapped[time | None] = mapped_column(Time, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CandidateMilestone(Base):
    """One candidate's own milestone, or their version of a template's (which it replaces)."""

    __tablename__ = "candidate_milestones"
    __table_args__ = (
        UniqueConstraint("candidate_id", "template_id", name="uq_candidate_milestones_template"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone_templates.id", ondelete="CASCADE"), default=None
    )
    title: Mapped[str] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text, default="")
    day_offset: Mapped[int] = mapped_column(Integer)
    working_days: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    time_of_day: Mapped[time | None] = mapped_column(Time, default=None)
    # True drops the template's milestone for this candidate.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class DayOnePlan(Base):
    """What the first day looks like at one joining location: the address, whom to ask for,
    what to bring, the dress code and the agenda. HR keeps one per location; each candidate's
    own values (DayOneOverride) win where set."""

    __tablename__ = "day_one_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    location: Mapped[str] = mapped_column(String(80))  # as HR typed it, as on the profiles
    # The location as profiles are matched to it: trimmed, lower case (timeline.day_one).
    location_key: Mapped[str] = mapped_column(String(80), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    ask_for: Mapped[str] = mapped_column(String(200), default="")
    bring: Mapped[str] = mapped_column(Text, default="")  # one thing per line
    dress_code: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")  # "09:30 Welcome coffee" per line
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DayOneOverride(Base):
    """One candidate's own first-day values; None keeps their location's (DayOnePlan)."""

    __tablename__ = "day_one_overrides"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str | None] = mapped_column(Text, default=None)
    ask_for: Mapped[str | None] = mapped_column(String(200), default=None)
    bring: Mapped[str | None] = mapped_column(Text, default=None)
    dress_code: Mapped[str | None] = mapped_column(String(200), default=None)
    agenda: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
