"""Milestones between offer and first day, relative to the joining date; the tasks among them
the candidate ticks off (the checklist), with the documents they upload for them."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime, one_of


class TaskKind(StrEnum):
    """What a milestone asks of the candidate. A plain milestone asks nothing (it is done once
    its moment has passed); the others are tasks on their checklist, done when they tick them
    off (an upload task: when they upload the document it asks for)."""

    MILESTONE = "milestone"
    READ = "read"
    CONFIRM = "confirm"
    UPLOAD = "upload"
    ACKNOWLEDGE = "acknowledge"

    @property
    def is_task(self) -> bool:
        return self is not TaskKind.MILESTONE


KIND_LENGTH = 12
PLACE_LENGTH = 80  # a location or a department, as on the candidates' profiles


class MilestoneTemplate(Base):
    """A milestone every candidate gets, e.g. "14 days before: documents to prepare"."""

    __tablename__ = "milestone_templates"
    __table_args__ = (
        CheckConstraint(f"kind IN ({one_of(TaskKind)})", name="kind"),
        # HR's list, in timeline order, a page at a time (timeline.milestones.templates_page).
        Index("ix_milestone_templates_order", "day_offset", "sort_minute", "id"),
    )

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
    kind: Mapped[str] = mapped_column(
        String(KIND_LENGTH), default=TaskKind.MILESTONE, server_default=TaskKind.MILESTONE.value
    )
    # Who gets it: candidates joining at this location and in this department ("" for any),
    # matched as day_one matches locations (trimmed, any case).
    location: Mapped[str] = mapped_column(
        String(PLACE_LENGTH), default="", server_default=text("''")
    )
    department: Mapped[str] = mapped_column(
        String(PLACE_LENGTH), default="", server_default=text("''")
    )
    # The minute of the day of `time_of_day`, -1 for "some time that day": the list's order.
    sort_minute: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")


class CandidateMilestone(Base):
    """One candidate's own milestone, or their version of a template's (which it replaces)."""

    __tablename__ = "candidate_milestones"
    __table_args__ = (
        UniqueConstraint("candidate_id", "template_id", name="uq_candidate_milestones_template"),
        CheckConstraint(f"kind IN ({one_of(TaskKind)})", name="kind"),
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
    kind: Mapped[str] = mapped_column(
        String(KIND_LENGTH), default=TaskKind.MILESTONE, server_default=TaskKind.MILESTONE.value
    )


class ChecklistTick(Base):
    """A task one candidate has ticked off: a template's (by `template_id`, whatever their
    version of it says) or one of their own milestones (`milestone_id`). An upload task's tick
    carries the document: stored under a random name in the instance folder
    (timeline.documents), never in the database and never under a name the candidate chose."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (
        UniqueConstraint("candidate_id", "template_id", name="uq_checklist_ticks_template"),
        CheckConstraint(
            "(template_id IS NULL) <> (milestone_id IS NULL)", name="template_or_milestone"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone_templates.id", ondelete="CASCADE"), default=None
    )
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidate_milestones.id", ondelete="CASCADE"), default=None, unique=True
    )
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The uploaded document, if the task asked for one: its stored file's name (random), the
    # name the candidate's file had (cleaned, for the download), the type its bytes are, size.
    document_key: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    document_name: Mapped[str | None] = mapped_column(String(160), default=None)
    document_type: Mapped[str | None] = mapped_column(String(40), default=None)
    document_size: Mapped[int | None] = mapped_column(Integer, default=None)


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
