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
