"""The timeline: milestones relative to the joining date, as a template and per candidate.

A milestone may be a task the candidate ticks off (`TaskKind`: read, confirm, upload,
acknowledge; timeline.checklist ticks them); a template milestone may be for the candidates of
one location and one department only (`Target`).

Every candidate gets the template's milestones that reach them. A CandidateMilestone row
changes that for one candidate: with a template_id it is their version of that milestone (it
replaces it) or, hidden, drops it; without one it is a milestone of theirs only. A candidate's
version keeps following the template in the fields HR did not change for them: editing the
template also updates each such field that still held the old template value. A version left
equal to the template and not hidden is deleted, so "changed for this candidate" always means
a real difference.

Plain module: no request knowledge. Functions flush; the caller commits. Every change is
audit-logged (people.audit) with the old and new value of each field it changed.
"""

from __future__ import annotations

from datetime import time
from typing import Any, cast

from sqlalchemy import Table, select, update

from portal.core.extensions import db
from portal.core.i18n import _
from portal.people import audit
from portal.people.models import User
from portal.timeline import documents
from portal.timeline.dates import (
    MilestoneFields,
    TimelineItem,
    candidate_timeline,
    milestone_day,
    when_text,
)
from portal.timeline.milestone_rules import (
    DETAILS_MAX,
    MAX_DAYS,
    MIN_DAYS,
    PLACE_MAX,
    TITLE_MAX,
    Target,
    TimelineError,
    clean,
    clean_target,
    clean_text,
    subject,
    summary,
)
from portal.timeline.models import CandidateMilestone, ChecklistTick, MilestoneTemplate

__all__ = [  # the reading side lives in timeline.dates, the rules in timeline.milestone_rules
    "DETAILS_MAX",
    "MAX_DAYS",
    "MIN_DAYS",
    "PLACE_MAX",
    "TITLE_MAX",
    "MilestoneFields",
    "Target",
    "TimelineError",
    "TimelineItem",
    "candidate_timeline",
    "clean",
    "clean_target",
    "clean_text",
    "milestone_day",
    "summary",
    "when_text",
]


def _differences(old: MilestoneFields, new: MilestoneFields) -> dict[str, tuple[Any, Any]]:
    before, after = old.as_dict(), new.as_dict()
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def _apply(row: MilestoneTemplate | CandidateMilestone, values: MilestoneFields) -> None:
    for name, value in values.as_dict().items():
        setattr(row, name, value)
    if isinstance(row, MilestoneTemplate):
        moment = values.time_of_day
        row.sort_minute = -1 if moment is None else moment.hour * 60 + moment.minute


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


def create_template(
    actor: User | None, values: MilestoneFields, target: Target | None = None
) -> MilestoneTemplate:
    """Add a milestone every candidate gets (of `target`'s location and department)."""
    values = clean(values)
    target = clean_target(target or Target())
    row = MilestoneTemplate(location=target.location, department=target.department)
    _apply(row, values)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "milestone_template.created", new=summary(values))
    for name, value in vars(target).items():
        if value:
            audit.record(actor, "milestone_template.created", field=name, new=value)
    return row


def update_template(
    actor: User | None,
    row: MilestoneTemplate,
    values: MilestoneFields,
    target: Target | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change a template milestone, for every candidate who has not had that field changed;
    and (given `target`) whom it reaches."""
    values = clean(values)
    reach: dict[str, tuple[Any, Any]] = {}
    if target is not None:
        target = clean_target(target)
        before = Target.of(row)
        reach = {
            name: (getattr(before, name), value)
            for name, value in vars(target).items()
            if getattr(before, name) != value
        }
    changes = _differences(MilestoneFields.of(row), values)
    for name, (old, new) in changes.items():
        column = getattr(CandidateMilestone, name)
        # `column == None` compiles to IS NULL, which is what an untimed milestone needs.
        db.session.execute(
            update(CandidateMilestone)
            .where(CandidateMilestone.template_id == row.id, column == old)
            .values({name: new})
        )
    about = subject(row)
    _apply(row, values)
    for name, (_old, new) in reach.items():
        setattr(row, name, new)
    audit.record_changes(actor, None, "milestone_template.updated", changes | reach, about)
    db.session.flush()
    _drop_versions_equal_to(row)
    return changes | reach


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
    """Remove a template milestone from every candidate's timeline (and their versions of it,
    their ticks and the documents they uploaded for it)."""
    documents.discard_after_commit(
        db.session.scalars(
            select(ChecklistTick.document_key).where(
                ChecklistTick.template_id == row.id, ChecklistTick.document_key.is_not(None)
            )
        )
    )
    ticks = cast(Table, ChecklistTick.__table__)
    db.session.execute(ticks.delete().where(ChecklistTick.template_id == row.id))
    versions = cast(Table, CandidateMilestone.__table__)
    db.session.execute(versions.delete().where(CandidateMilestone.template_id == row.id))
    audit.record(actor, "milestone_template.deleted", old=summary(MilestoneFields.of(row)))
    db.session.delete(row)
    db.session.flush()


# --- One candidate's timeline --------------------------------------------------------------------


def _require_candidate(candidate: User) -> None:
    if candidate.candidate_profile is None:
        raise TimelineError("candidate", _("Only candidates have a timeline."))


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
    audit.record_changes(actor, candidate, "candidate_milestone.updated", changes, subject(row))
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
    audit.record_changes(actor, candidate, "candidate_milestone.reset", changes, subject(row))
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
        raise TimelineError("milestone", _("That is not one of this candidate's own milestones."))
    values = clean(values)
    changes = _differences(MilestoneFields.of(milestone), values)
    about = subject(milestone)
    _apply(milestone, values)
    audit.record_changes(actor, candidate, "candidate_milestone.updated", changes, about)
    db.session.flush()
    return changes


def delete_own(actor: User | None, candidate: User, milestone: CandidateMilestone) -> None:
    """Remove a candidate's own milestone."""
    if milestone.candidate_id != candidate.id or milestone.template_id is not None:
        raise TimelineError("milestone", _("That is not one of this candidate's own milestones."))
    audit.record(
        actor, "candidate_milestone.deleted", candidate, old=summary(MilestoneFields.of(milestone))
    )
    documents.discard_after_commit(
        db.session.scalars(
            select(ChecklistTick.document_key).where(
                ChecklistTick.milestone_id == milestone.id, ChecklistTick.document_key.is_not(None)
            )
        )
    )
    db.session.execute(
        cast(Table, ChecklistTick.__table__)
        .delete()
        .where(ChecklistTick.milestone_id == milestone.id)
    )
    db.session.delete(milestone)
    db.session.flush()
