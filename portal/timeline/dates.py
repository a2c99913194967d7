"""Where a candidate's milestones fall: dated on the workplace's calendar, done or not.

An offset counts every day, or (`working_days`) only the working days of the joining location's
calendar (timeline.workdays): "3 working days before" a Monday is the Wednesday before, and
never a weekend or a public holiday there.

A plain milestone is done once its moment has passed; a task (read, confirm, upload,
acknowledge) once the candidate has ticked it off, and it is overdue when its moment has passed
without. A template milestone reaches the candidates of its location and department (or
everyone's, left blank).

The reading side of the timeline (timeline.milestones edits it). Two queries whatever the
number of milestones; `assemble` is the one rule for what a candidate's list holds, shared by
the pages and the engagement summaries (timeline.checklist).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import Integer, and_, bindparam, select
from sqlalchemy.orm import aliased

from portal.core.extensions import db
from portal.core.i18n import _, ngettext
from portal.people.models import User
from portal.timeline import workdays
from portal.timeline.joining import joining_instant
from portal.timeline.models import CandidateMilestone, ChecklistTick, MilestoneTemplate, TaskKind
from portal.timeline.workdays import WorkingCalendar

# Made once: building an alias costs more than the query it is used in.
_VERSION = aliased(CandidateMilestone, name="version")
_TICK = aliased(ChecklistTick, name="tick")


@dataclass(frozen=True)
class MilestoneFields:
    """What HR enters for a milestone, wherever it is kept."""

    title: str
    day_offset: int
    time_of_day: time | None = None
    details: str = ""
    working_days: bool = False  # day_offset counts working days at the workplace
    kind: str = TaskKind.MILESTONE  # a plain milestone, or a task of the checklist

    @classmethod
    def of(cls, row: MilestoneTemplate | CandidateMilestone) -> MilestoneFields:
        return cls(
            row.title,
            row.day_offset,
            row.time_of_day,
            row.details or "",
            bool(row.working_days),
            str(row.kind or TaskKind.MILESTONE),
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def when_text(day_offset: int, time_of_day: time | None = None, working_days: bool = False) -> str:
    """ "14 days before joining", "Joining day, 09:00", "3 working days before joining", in the
    reader's language."""
    count = abs(day_offset)
    if day_offset < 0 and working_days:
        text = ngettext(
            "%(num)d working day before joining", "%(num)d working days before joining", count
        )
    elif day_offset < 0:
        text = ngettext("%(num)d day before joining", "%(num)d days before joining", count)
    elif day_offset > 0 and working_days:
        text = ngettext(
            "%(num)d working day after joining", "%(num)d working days after joining", count
        )
    elif day_offset > 0:
        text = ngettext("%(num)d day after joining", "%(num)d days after joining", count)
    else:
        text = _("Joining day")
    if time_of_day is None:
        return text
    return _("%(when)s, %(time)s", when=text, time=f"{time_of_day:%H:%M}")


@dataclass(frozen=True)
class Document:
    """The document a candidate uploaded for a task (its bytes are in timeline.documents)."""

    tick_id: int
    name: str
    content_type: str
    size: int


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
    done_at: datetime  # its moment, or for an untimed one the end of its day: a task's due
    done: bool  # a milestone: its moment has passed; a task: ticked off
    template_id: int | None = None  # None: a milestone of this candidate only
    milestone_id: int | None = None  # the candidate's own row (own milestone or version)
    changed: bool = False  # a template milestone this candidate has their own version of
    hidden: bool = False  # a template milestone dropped for this candidate
    working_days: bool = False
    kind: str = TaskKind.MILESTONE
    passed: bool = False  # its moment has passed
    ticked_at: datetime | None = None  # when the candidate ticked the task off
    document: Document | None = None  # what they uploaded for it

    @property
    def is_own(self) -> bool:
        return self.template_id is None

    @property
    def is_task(self) -> bool:
        return TaskKind(self.kind).is_task

    @property
    def due_at(self) -> datetime:
        """A task's deadline: its moment, or the end of its day at the workplace."""
        return self.done_at

    @property
    def overdue(self) -> bool:
        """A task not ticked off by its deadline."""
        return self.is_task and not self.done and self.passed

    @property
    def key(self) -> str:
        """How its addresses name it: "12" (a template's), "own-40" (the candidate's own)."""
        return f"own-{self.milestone_id}" if self.is_own else str(self.template_id)

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
        kind=values.kind,
        passed=done_at <= now,
    )


def place_key(place: str | None) -> str:
    """A location or a department as profiles and templates are matched: trimmed, lower case
    (as timeline.day_one matches locations)."""
    return (place or "").strip().lower()


class Whereabouts(Protocol):
    """What a candidate's timeline is dated and chosen from (a CandidateProfile, or a row)."""

    @property
    def joining_date(self) -> date: ...

    @property
    def joining_time_zone(self) -> str: ...

    @property
    def location(self) -> str: ...

    @property
    def department(self) -> str: ...


def applies(row: MilestoneTemplate, profile: Whereabouts) -> bool:
    """Whether a template milestone reaches this candidate: their location and department
    (a blank one on the template reaches everyone)."""
    location, department = place_key(row.location), place_key(row.department)
    return (not location or location == place_key(profile.location)) and (
        not department or department == place_key(profile.department)
    )


def _ticked(item: TimelineItem, tick: ChecklistTick | None) -> TimelineItem:
    """A task's state from its tick; a plain milestone is done once its moment has passed."""
    if not item.is_task:
        return item
    document = None
    if tick is not None and tick.document_key:
        document = Document(
            tick.id, tick.document_name or "", tick.document_type or "", tick.document_size or 0
        )
    return replace(
        item,
        done=tick is not None,
        ticked_at=tick.done_at if tick is not None else None,
        document=document,
    )


def assemble(
    profile: Whereabouts,
    templates: Iterable[tuple[MilestoneTemplate, CandidateMilestone | None, ChecklistTick | None]],
    own: Iterable[tuple[CandidateMilestone, ChecklistTick | None]],
    now: datetime,
    *,
    include_hidden: bool = False,
) -> list[TimelineItem]:
    """A candidate's milestones and tasks in order, dated in the workplace's zone, done or not
    at `now`: each template milestone that reaches them (in their version, with their tick),
    then their own milestones (with theirs). No queries."""
    joining_date, zone = profile.joining_date, profile.joining_time_zone
    calendar = workdays.calendar_for(profile.location)
    items = []
    for row, version, tick in templates:
        if not applies(row, profile):
            continue
        if version is not None and version.hidden and not include_hidden:
            continue
        values = MilestoneFields.of(version or row)
        item = _place(values, joining_date, zone, now, calendar)
        items.append(
            _ticked(
                replace(
                    item,
                    template_id=row.id,
                    milestone_id=version.id if version is not None else None,
                    changed=version is not None and values != MilestoneFields.of(row),
                    hidden=version is not None and version.hidden,
                ),
                tick,
            )
        )
    for milestone, tick in own:
        if include_hidden or not milestone.hidden:
            item = _place(MilestoneFields.of(milestone), joining_date, zone, now, calendar)
            items.append(
                _ticked(replace(item, milestone_id=milestone.id, hidden=milestone.hidden), tick)
            )
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


# The candidate's timeline in two queries, built once (every home view runs them): the
# templates with the candidate's version and tick of each, and their own milestones with
# theirs. The candidate's id is bound as _CANDIDATE.
_CANDIDATE = "timeline_candidate_id"
_TEMPLATES_WITH_VERSIONS = (
    select(MilestoneTemplate, _VERSION, _TICK)
    .outerjoin(
        _VERSION,
        and_(
            _VERSION.template_id == MilestoneTemplate.id,
            _VERSION.candidate_id == bindparam(_CANDIDATE, type_=Integer()),
        ),
    )
    .outerjoin(
        _TICK,
        and_(
            _TICK.template_id == MilestoneTemplate.id,
            _TICK.candidate_id == bindparam(_CANDIDATE, type_=Integer()),
        ),
    )
)
_OWN_MILESTONES = (
    select(CandidateMilestone, ChecklistTick)
    .outerjoin(ChecklistTick, ChecklistTick.milestone_id == CandidateMilestone.id)
    .where(
        CandidateMilestone.candidate_id == bindparam(_CANDIDATE, type_=Integer()),
        CandidateMilestone.template_id.is_(None),
    )
)


def candidate_timeline(
    candidate: User, now: datetime, *, include_hidden: bool = False
) -> list[TimelineItem]:
    """The candidate's milestones in order, dated in the workplace's zone, done or not at `now`.

    Two queries whatever the number of milestones: the templates with the candidate's version
    and tick of each, and the candidate's own milestones with their ticks.
    """
    profile = candidate.candidate_profile
    if profile is None:
        return []
    values = {_CANDIDATE: candidate.id}
    templates = db.session.execute(_TEMPLATES_WITH_VERSIONS, values).all()
    own = db.session.execute(_OWN_MILESTONES, values).all()
    return assemble(profile, templates, own, now, include_hidden=include_hidden)


def tasks_of(items: Iterable[TimelineItem]) -> list[TimelineItem]:
    """The tasks among a timeline's items (its checklist), in the same order."""
    return [item for item in items if item.is_task]


@dataclass(frozen=True)
class Progress:
    """How far a candidate is through their checklist: "3 of 7 done, 1 overdue"."""

    total: int
    done: int
    overdue: int

    @classmethod
    def of(cls, items: Iterable[TimelineItem]) -> Progress:
        tasks = tasks_of(items)
        return cls(
            total=len(tasks),
            done=sum(1 for item in tasks if item.done),
            overdue=sum(1 for item in tasks if item.overdue),
        )

    @property
    def left(self) -> int:
        return self.total - self.done

    def words(self) -> str:
        """ "3 of 7 done, 1 overdue", in the reader's language."""
        done = ngettext(
            "%(num)d of %(total)d done", "%(num)d of %(total)d done", self.done, total=self.total
        )
        if not self.overdue:
            return done
        return ngettext(
            "%(done)s, %(num)d overdue", "%(done)s, %(num)d overdue", self.overdue, done=done
        )
