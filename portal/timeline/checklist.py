"""The candidate's checklist: the tasks of their timeline (timeline.dates says which and when
each is due), ticked off and back by the candidate, with the document an upload task asks for;
and the checklist's facts for many candidates at once, which the engagement summaries keep.

A task is addressed the way its timeline item is ("12" for a template's, "own-40" for one of the
candidate's own). Ticking off, taking back, uploading and removing are audit-logged (the staff
see them), and so is a member of staff opening a candidate's document. Flushes only.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core.extensions import db
from portal.core.i18n import _
from portal.core.ids import MAX_ID
from portal.people import audit
from portal.people.models import CandidateProfile, User
from portal.timeline import dates, documents
from portal.timeline.dates import TimelineItem
from portal.timeline.document_checks import CheckedDocument
from portal.timeline.models import (
    CandidateMilestone,
    ChecklistTick,
    MilestoneTemplate,
    TaskKind,
)

_KEY = re.compile(r"(own-)?([0-9]{1,10})")
# A fixed instant for the facts, which never depend on the time: only the dues are kept.
_FACTS_NOW = datetime(2000, 1, 1, tzinfo=UTC)


class ChecklistError(ValueError):
    """A task that cannot be ticked so, with a message for the candidate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_key(key: str) -> tuple[int | None, int | None] | None:
    """(template_id, None) for "12", (None, milestone_id) for "own-40"; None for anything else."""
    found = _KEY.fullmatch(key)
    if found is None or int(found.group(2)) > MAX_ID:
        return None
    number = int(found.group(2))
    return (None, number) if found.group(1) else (number, None)


def task(candidate: User, key: str, now: datetime) -> TimelineItem | None:
    """The candidate's visible task with this key (two queries); None for a plain milestone,
    a hidden one, anyone else's or none."""
    if parse_key(key) is None:
        return None
    items = dates.candidate_timeline(candidate, now)
    return next((item for item in items if item.key == key and item.is_task), None)


def subject(item: TimelineItem) -> str:
    """How the audit log names a task (in English, as the log keeps it)."""
    return f"Task “{item.title}”"


def _tick_of(candidate: User, item: TimelineItem) -> ChecklistTick | None:
    query = select(ChecklistTick).where(ChecklistTick.candidate_id == candidate.id)
    if item.is_own:
        query = query.where(ChecklistTick.milestone_id == item.milestone_id)
    else:
        query = query.where(ChecklistTick.template_id == item.template_id)
    return db.session.scalar(query)


def _new_tick(candidate: User, item: TimelineItem, now: datetime) -> ChecklistTick:
    return ChecklistTick(
        candidate_id=candidate.id,
        template_id=None if item.is_own else item.template_id,
        milestone_id=item.milestone_id if item.is_own else None,
        done_at=now,
    )


def _added(tick: ChecklistTick) -> bool:
    """Insert a tick; False when one is there already (the same form sent twice at once)."""
    try:
        with db.session.begin_nested():
            db.session.add(tick)
    except IntegrityError:
        return False
    return True


def tick_off(candidate: User, item: TimelineItem, now: datetime) -> bool:
    """Tick a task off (read, confirmed, acknowledged); False if it already was. An upload
    task is ticked off by its document (`attach`)."""
    if item.kind == TaskKind.UPLOAD:
        raise ChecklistError(_("This task asks for a document: upload it to tick the task off."))
    if item.done or not _added(_new_tick(candidate, item, now)):
        return False
    audit.record(candidate, "checklist.done", candidate, subject=subject(item))
    db.session.flush()
    return True


def take_back(candidate: User, item: TimelineItem) -> bool:
    """Undo a tick (and remove the document an upload task had); False if it was not ticked."""
    found = _tick_of(candidate, item)
    if found is None:
        return False
    if found.document_key:
        documents.discard_after_commit([found.document_key])
        audit.record(
            candidate,
            "checklist.document_removed",
            candidate,
            "document",
            old=found.document_name,
            subject=subject(item),
        )
    else:
        audit.record(candidate, "checklist.undone", candidate, subject=subject(item))
    db.session.delete(found)
    db.session.flush()
    return True


def attach(
    candidate: User, item: TimelineItem, document: CheckedDocument, now: datetime
) -> ChecklistTick:
    """Keep the document an upload task asks for (in place of one uploaded before), which ticks
    the task off."""
    if item.kind != TaskKind.UPLOAD:
        raise ChecklistError(_("This task does not ask for a document."))
    found = _tick_of(candidate, item)
    if found is None:
        fresh = _new_tick(candidate, item, now)
        found = fresh if _added(fresh) else _tick_of(candidate, item)
        if found is None:  # pragma: no cover - taken back between the two statements
            raise ChecklistError(_("Something changed meanwhile. Please try again."))
    key = documents.save(document)  # after the savepoint: its rollback would not remove it
    old_name = found.document_name
    documents.discard_after_commit([found.document_key])
    found.document_key = key
    found.document_name = document.name
    found.document_type = document.kind.content_type
    found.document_size = len(document.data)
    found.done_at = now
    audit.record(
        candidate,
        "checklist.document_uploaded",
        candidate,
        "document",
        old=old_name,
        new=document.name,
        subject=subject(item),
    )
    db.session.flush()
    return found


def document(candidate: User, tick_id: int) -> ChecklistTick | None:
    """One of the candidate's documents, by its tick's id; None for anyone else's (the views
    decide who may ask: the candidate, their recruiter, HR)."""
    return db.session.scalar(
        select(ChecklistTick).where(
            ChecklistTick.id == tick_id,
            ChecklistTick.candidate_id == candidate.id,
            ChecklistTick.document_key.is_not(None),
        )
    )


def opened_by_staff(reader: User, candidate: User, found: ChecklistTick) -> None:
    """A recruiter or HR opened a candidate's document: the audit log keeps who and when."""
    audit.record(
        reader,
        "checklist.document_opened",
        candidate,
        "document",
        new=found.document_name,
        subject=f"Document “{found.document_name}”",
    )


# --- The facts the engagement summaries keep ---------------------------------------------------


@dataclass(frozen=True)
class TaskFacts:
    """A candidate's checklist at a glance: how many tasks, how many ticked off, and when each
    open one is due (ISO instants in UTC, soonest first)."""

    total: int = 0
    done: int = 0
    dues: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, items: list[TimelineItem]) -> TaskFacts:
        tasks = dates.tasks_of(items)
        dues = sorted(instant(item.due_at) for item in tasks if not item.done)
        return cls(total=len(tasks), done=sum(1 for item in tasks if item.done), dues=dues)


def instant(moment: datetime) -> str:
    """How a due moment is kept: ISO 8601 in UTC, which sorts as it reads."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def overdue_count(dues: list[str] | None, now: datetime) -> int:
    """How many of these due moments (`TaskFacts.dues`) have passed at `now`."""
    return bisect_right(sorted(dues or []), instant(now))


def task_facts(candidate_ids: list[int] | None) -> dict[int, TaskFacts]:
    """The checklist facts of these candidates (everyone's with a profile when None), by the
    same rule as their pages (`dates.assemble`). Four queries, whatever the numbers."""
    profiles = select(
        CandidateProfile.user_id,
        CandidateProfile.joining_date,
        CandidateProfile.joining_time_zone,
        CandidateProfile.location,
        CandidateProfile.department,
    )
    rows = select(CandidateMilestone)
    ticks = select(ChecklistTick)
    if candidate_ids is not None:
        if not candidate_ids:
            return {}
        profiles = profiles.where(CandidateProfile.user_id.in_(candidate_ids))
        rows = rows.where(CandidateMilestone.candidate_id.in_(candidate_ids))
        ticks = ticks.where(ChecklistTick.candidate_id.in_(candidate_ids))
    templates = list(db.session.scalars(select(MilestoneTemplate)))
    versions: dict[int, dict[int, CandidateMilestone]] = defaultdict(dict)
    own: dict[int, list[CandidateMilestone]] = defaultdict(list)
    for row in db.session.scalars(rows):
        if row.template_id is None:
            own[row.candidate_id].append(row)
        else:
            versions[row.candidate_id][row.template_id] = row
    by_template: dict[tuple[int, int], ChecklistTick] = {}
    by_milestone: dict[int, ChecklistTick] = {}
    for tick in db.session.scalars(ticks):
        if tick.template_id is not None:
            by_template[(tick.candidate_id, tick.template_id)] = tick
        elif tick.milestone_id is not None:
            by_milestone[tick.milestone_id] = tick
    facts = {}
    for found in db.session.execute(profiles):
        profile = SimpleNamespace(
            joining_date=found.joining_date,
            joining_time_zone=found.joining_time_zone,
            location=found.location or "",
            department=found.department or "",
        )
        candidate_id = found.user_id
        items = dates.assemble(
            profile,
            (
                (
                    template,
                    versions[candidate_id].get(template.id),
                    by_template.get((candidate_id, template.id)),
                )
                for template in templates
            ),
            ((row, by_milestone.get(row.id)) for row in own[candidate_id]),
            _FACTS_NOW,
        )
        facts[candidate_id] = TaskFacts.of(items)
    return facts
