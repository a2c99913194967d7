"""The timeline: milestones relative to the joining date, as a template and per candidate.

Every candidate gets the template's milestones. A CandidateMilestone row changes that for one
candidate: with a template_id it is their version of that milestone (it replaces it) or, hidden,
drops it; without one it is a milestone of theirs only. A candidate's version keeps following
the template in the fields HR did not change for them: editing the template also updates each
such field that still held the old template value. A version left equal to the template and
not hidden is deleted, so "changed for this candidate" always means a real difference.

Plain module: no request knowledge. Functions flush; the caller commits. Every change is
audit-logged (people.audit) with the old and new value of each field it changed.
"""

from __future__ import annotations

from datetime import time
from typing import Any, cast

from sqlalchemy import Table, select, update

from portal.core import inputs
from portal.core.extensions import db
from portal.people import audit
from portal.people.models import User
from portal.timeline.dates import (
    MilestoneFields,
    TimelineItem,
    candidate_timeline,
    milestone_day,
    when_text,
)
from portal.timeline.models import CandidateMilestone, MilestoneTemplate

__all__ = [  # the reading side lives in timeline_dates; callers may import it from here
    "MilestoneFields",
    "TimelineItem",
    "candidate_timeline",
    "milestone_day",
    "when_text",
]

MIN_DAYS = -365
MAX_DAYS = 365
TITLE_MAX = 120
DETAILS_MAX = 2000


class TimelineError(ValueError):
    """A milestone that cannot be saved, with the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def clean_text(text: str, *, one_line: bool = False) -> str:
    """Plain text as it is stored: one kind of line break, no control characters, trimmed."""
    if one_line:
        return inputs.single_line(text)
    text = inputs.plain_text(text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def clean(values: MilestoneFields) -> MilestoneFields:
    """The fields as stored, or TimelineError naming the first field that is wrong."""
    title = clean_text(values.title or "", one_line=True)
    details = clean_text(values.details or "")
    if not title:
        raise TimelineError("title", "Enter a title.")
    if len(title) > TITLE_MAX:
        raise TimelineError("title", f"Keep the title to {TITLE_MAX} characters or fewer.")
    if len(details) > DETAILS_MAX:
        raise TimelineError("details", f"Keep the details to {DETAILS_MAX:,} characters or fewer.")
    if not isinstance(values.day_offset, int) or not MIN_DAYS <= values.day_offset <= MAX_DAYS:
        raise TimelineError(
            "day_offset", f"Enter a number of days between {MIN_DAYS} and {MAX_DAYS}."
        )
    moment = values.time_of_day
    if moment is not None:
        if moment.tzinfo is not None:
            raise TimelineError("time_of_day", "Enter the local time at the workplace.")
        moment = moment.replace(second=0, microsecond=0)
    return MilestoneFields(title, values.day_offset, moment, details, bool(values.working_days))


def summary(values: MilestoneFields) -> str:
    """One line for the audit log: "Joining day, 09:00: Reception, building B"."""
    when = when_text(values.day_offset, values.time_of_day, values.working_days)
    return f"{when}: {values.title}"


def _subject(row: MilestoneTemplate | CandidateMilestone) -> str:
    """Which milestone an audit entry is about, as it was before the change."""
    when = when_text(row.day_offset, row.time_of_day, row.working_days)
    return f"Milestone “{row.title}” ({when})"


def _differences(old: MilestoneFields, new: MilestoneFields) -> dict[str, tuple[Any, Any]]:
    before, after = old.as_dict(), new.as_dict()
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def _apply(row: MilestoneTemplate | CandidateMilestone, values: MilestoneFields) -> None:
    for name, value in values.as_dict().items():
        setattr(row, name, value)


# --- The template ------------------------------------------------------------------------------


def _order(values: MilestoneFields) -> tuple:
    # Within a day, "some time that day" comes first, as all-day events do in a calendar.
    timed = values.time_of_day is not None
    return (values.day_offset, timed, values.time_of_day or time.min)


def templates() -> list[MilestoneTemplate]:
    """Every template milestone, in timeline order."""
    rows = db.session.scalars(select(MilestoneTemplate)).all()
    return sorted(rows, key=lambda row: (*_order(MilestoneFields.of(row)), row.id))


def template(template_id: int) -> MilestoneTemplate | None:
    return db.session.get(MilestoneTemplate, template_id)


def create_template(actor: User | None, values: MilestoneFields) -> MilestoneTemplate:
    """Add a milestone every candidate gets."""
    values = clean(values)
    row = MilestoneTemplate(**values.as_dict())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "milestone_template.created", new=summary(values))
    return row


def update_template(
    actor: User | None, row: MilestoneTemplate, values: MilestoneFields
) -> dict[str, tuple[Any, Any]]:
    """Change a template milestone, for every candidate who has not had that field changed."""
    values = clean(values)
    changes = _differences(MilestoneFields.of(row), values)
    for name, (old, new) in changes.items():
        column = getattr(CandidateMilestone, name)
        # `column == None` compiles to IS NULL, which is what an untimed milestone needs.
        db.session.execute(
            update(CandidateMilestone)
            .where(CandidateMilestone.template_id == row.id, column == old)
            .values({name: new})
        )
    subject = _subject(row)
    _apply(row, values)
    audit.record_changes(actor, None, "milestone_template.updated", changes, subject)
    db.session.flush()
    _drop_versions_equal_to(row)
    return changes


def _drop_versions_equal_to(row: MilestoneTemplate) -> None:
    """Candidates' versions that now say exactly what the template says are no versions."""
    versions = db.session.scalars(
        select(CandidateMilestone).where(
            CandidateMilestone.template_id == row.id, CandidateMilestone.hidden.is_(False)
        )
    )
    wanted = MilestoneFields.of(row)
    for version in versions:
        if MilestoneFields.of(version) == wanted:
            db.session.delete(version)
    db.session.flush()


def delete_template(actor: User | None, row: MilestoneTemplate) -> None:
    """Remove a template milestone from every candidate's timeline (and their versions of it)."""
    versions = cast(Table, CandidateMilestone.__table__)
    db.session.execute(versions.delete().where(CandidateMilestone.template_id == row.id))
    audit.record(actor, "milestone_template.deleted", old=summary(MilestoneFields.of(row)))
    db.session.delete(row)
    db.session.flush()


# --- One candidate's timeline --------------------------------------------------------------------


def _require_candidate(candidate: User) -> None:
    if candidate.candidate_profile is None:
        raise TimelineError("candidate", "Only candidates have a timeline.")


def _lock(candidate: User) -> None:
    """Serialise changes to one candidate's timeline (PostgreSQL row lock; SQLite writes one at
    a time anyway), so two HR people cannot both create that candidate's version of a milestone."""
    db.session.execute(select(User.id).where(User.id == candidate.id).with_for_update())


def version_of(candidate: User, row: MilestoneTemplate) -> CandidateMilestone | None:
    """The candidate's version of a template milestone, if they have one."""
    return db.session.scalar(
        select(CandidateMilestone).where(
            CandidateMilestone.candidate_id == candidate.id,
            CandidateMilestone.template_id == row.id,
        )
    )


def own_milestone(candidate: User, milestone_id: int) -> CandidateMilestone | None:
    """A milestone of this candidate only; None for anyone else's, or for a template version."""
    return db.session.scalar(
        select(CandidateMilestone).where(
            CandidateMilestone.id == milestone_id,
            CandidateMilestone.candidate_id == candidate.id,
            CandidateMilestone.template_id.is_(None),
        )
    )


def change_for_candidate(
    actor: User | None, candidate: User, row: MilestoneTemplate, values: MilestoneFields
) -> dict[str, tuple[Any, Any]]:
    """Give one candidate their own version of a template milestone. Returns what changed."""
    _require_candidate(candidate)
    values = clean(values)
    _lock(candidate)
    version = version_of(candidate, row)
    changes = _differences(MilestoneFields.of(version or row), values)
    if not changes:
        return {}
    if version is None:
        version = CandidateMilestone(candidate_id=candidate.id, template_id=row.id, hidden=False)
        db.session.add(version)
    _apply(version, values)
    if not version.hidden and values == MilestoneFields.of(row):
        db.session.delete(version)  # changed back to the template: nothing of theirs is left
    audit.record_changes(actor, candidate, "candidate_milestone.updated", changes, _subject(row))
    db.session.flush()
    return changes


def hide(actor: User | None, candidate: User, row: MilestoneTemplate) -> bool:
    """Drop a template milestone from one candidate's timeline. False if it already was."""
    _require_candidate(candidate)
    _lock(candidate)
    version = version_of(candidate, row)
    if version is not None and version.hidden:
        return False
    if version is None:
        version = CandidateMilestone(candidate_id=candidate.id, template_id=row.id)
        _apply(version, MilestoneFields.of(row))
        db.session.add(version)
    version.hidden = True
    audit.record(
        actor, "candidate_milestone.hidden", candidate, old=summary(MilestoneFields.of(version))
    )
    db.session.flush()
    return True


def show(actor: User | None, candidate: User, row: MilestoneTemplate) -> bool:
    """Bring a hidden template milestone back (as their version, if they had one)."""
    _require_candidate(candidate)
    _lock(candidate)
    version = version_of(candidate, row)
    if version is None or not version.hidden:
        return False
    version.hidden = False
    audit.record(
        actor, "candidate_milestone.shown", candidate, new=summary(MilestoneFields.of(version))
    )
    if MilestoneFields.of(version) == MilestoneFields.of(row):
        db.session.delete(version)
    db.session.flush()
    return True


def reset(actor: User | None, candidate: User, row: MilestoneTemplate) -> bool:
    """Back to the template: forget the candidate's version (and unhide). False if none."""
    _require_candidate(candidate)
    _lock(candidate)
    version = version_of(candidate, row)
    if version is None:
        return False
    changes = _differences(MilestoneFields.of(version), MilestoneFields.of(row))
    if version.hidden:
        changes["hidden"] = (True, False)
    audit.record_changes(actor, candidate, "candidate_milestone.reset", changes, _subject(row))
    db.session.delete(version)
    db.session.flush()
    return True


def add_own(actor: User | None, candidate: User, values: MilestoneFields) -> CandidateMilestone:
    """Add a milestone for this candidate only."""
    _require_candidate(candidate)
    values = clean(values)
    milestone = CandidateMilestone(candidate_id=candidate.id, template_id=None, hidden=False)
    _apply(milestone, values)
    db.session.add(milestone)
    audit.record(actor, "candidate_milestone.created", candidate, new=summary(values))
    db.session.flush()
    return milestone


def update_own(
    actor: User | None, candidate: User, milestone: CandidateMilestone, values: MilestoneFields
) -> dict[str, tuple[Any, Any]]:
    """Change a candidate's own milestone. Returns what changed."""
    if milestone.candidate_id != candidate.id or milestone.template_id is not None:
        raise TimelineError("milestone", "That is not one of this candidate's own milestones.")
    values = clean(values)
    changes = _differences(MilestoneFields.of(milestone), values)
    subject = _subject(milestone)
    _apply(milestone, values)
    audit.record_changes(actor, candidate, "candidate_milestone.updated", changes, subject)
    db.session.flush()
    return changes


def delete_own(actor: User | None, candidate: User, milestone: CandidateMilestone) -> None:
    """Remove a candidate's own milestone."""
    if milestone.candidate_id != candidate.id or milestone.template_id is not None:
        raise TimelineError("milestone", "That is not one of this candidate's own milestones.")
    audit.record(
        actor, "candidate_milestone.deleted", candidate, old=summary(MilestoneFields.of(milestone))
    )
    db.session.delete(milestone)
    db.session.flush()
