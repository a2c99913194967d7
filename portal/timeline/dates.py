"""Where a candidate's milestones fall: dated on the workplace's calendar, done or not.

An offset counts every day, or (`working_days`) only the working days of the joining location's
calendar (timeline.workdays): "3 working days before" a Monday is the Wednesday before, and
never a weekend or a public holiday there.

The reading side of the timeline (timeline.milestones edits it). Two queries whatever the
number of milestones.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.words import plural
from portal.people.models import User
from portal.timeline import workdays
from portal.timeline.joining import joining_instant
from portal.timeline.models import CandidateMilestone, MilestoneTemplate
from portal.timeline.workdays import WorkingCalendar


@dataclass(frozen=True)
class MilestoneFields:
    """What HR enters for a milestone, wherever it is kept."""

    title: str
    day_offset: int
    time_of_day: time | None = None
    details: str = ""
    working_days: bool = False  # day_offset counts working days at the workplace

    @classmethod
    def of(cls, row: MilestoneTemplate | CandidateMilestone) -> MilestoneFields:
        return cls(
            row.title, row.day_offset, row.time_of_day, row.details or "", bool(row.working_days)
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def when_text(day_offset: int, time_of_day: time | None = None, working_days: bool = False) -> str:
    """ "14 days before joining", "Joining day, 09:00", "3 working days before joining"."""
    count = abs(day_offset)
    days = plural(count, "working day" if working_days else "day")
    if day_offset < 0:
        text = f"{days} before joining"
    elif day_offset > 0:
        text = f"{days} after joining"
    else:
        text = "Joining day"
    return f"{text}, {time_of_day:%H:%M}" if time_of_day is not None else text


# --- What the timeline says, and when ------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    """One milestone of a candidate's timeline, placed on the calendar of the workplace."""

    title: str
    details: str
    day_offset: int
    time_of_day: time | None
    day: date  # in the workplace's zone (on its working days, for a working-day offset)
    starts_at: datetime | None  # the moment, aware in the workplace's zone; None if untimed
    done_at: datetime  # its moment, or for an untimed one the end of its day
    done: bool
    template_id: int | None = None  # None: a milestone of this candidate only
    milestone_id: int | None = None  # the candidate's own row (own milestone or version)
    changed: bool = False  # a template milestone this candidate has their own version of
    hidden: bool = False  # a template milestone dropped for this candidate
    working_days: bool = False

    @property
    def is_own(self) -> bool:
        return self.template_id is None

    @property
    def when(self) -> str:
        return when_text(self.day_offset, self.time_of_day, self.working_days)


def milestone_day(values: MilestoneFields, joining_date: date, calendar: WorkingCalendar) -> date:
    """The day a milestone falls on: its offset from the joining date, in working days on
    `calendar` (the joining location's) or in days."""
    if values.working_days:
        return workdays.shift(joining_date, values.day_offset, calendar)
    return joining_date + timedelta(days=values.day_offset)


def _place(
    values: MilestoneFields,
    joining_date: date,
    zone: str,
    now: datetime,
    calendar: WorkingCalendar,
) -> TimelineItem:
    day = milestone_day(values, joining_date, calendar)
    if values.time_of_day is not None:
        starts_at = joining_instant(day, values.time_of_day, zone)
        done_at = starts_at
    else:
        starts_at = None
        # The next day's first instant: midnight, or later where a zone skips midnight.
        done_at = joining_instant(day + timedelta(days=1), time.min, zone)
    return TimelineItem(
        title=values.title,
        details=values.details,
        day_offset=values.day_offset,
        time_of_day=values.time_of_day,
        day=day,
        starts_at=starts_at,
        done_at=done_at,
        done=done_at <= now,
        working_days=values.working_days,
    )


def candidate_timeline(
    candidate: User, now: datetime, *, include_hidden: bool = False
) -> list[TimelineItem]:
    """The candidate's milestones in order, dated in the workplace's zone, done or not at `now`.

    Two queries whatever the number of milestones: the template, and the candidate's rows.
    """
    profile = candidate.candidate_profile
    if profile is None:
        return []
    rows = db.session.scalars(
        select(CandidateMilestone).where(CandidateMilestone.candidate_id == candidate.id)
    ).all()
    versions = {row.template_id: row for row in rows if row.template_id is not None}
    joining_date, zone = profile.joining_date, profile.joining_time_zone
    calendar = workdays.calendar_for(profile.location)
    items = []
    for row in db.session.scalars(select(MilestoneTemplate)):
        version = versions.get(row.id)
        if version is not None and version.hidden and not include_hidden:
            continue
        values = MilestoneFields.of(version or row)
        item = _place(values, joining_date, zone, now, calendar)
        items.append(
            replace(
                item,
                template_id=row.id,
                milestone_id=version.id if version is not None else None,
                changed=version is not None and values != MilestoneFields.of(row),
                hidden=version is not None and version.hidden,
            )
        )
    for milestone in rows:
        if milestone.template_id is None and (include_hidden or not milestone.hidden):
            item = _place(MilestoneFields.of(milestone), joining_date, zone, now, calendar)
            items.append(replace(item, milestone_id=milestone.id, hidden=milestone.hidden))
    items.sort(
        key=lambda i: (
            i.day,
            i.time_of_day is not None,
            i.time_of_day or time.min,
            i.is_own,
            i.template_id or i.milestone_id or 0,
        )
    )
    return items
