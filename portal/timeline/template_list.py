"""HR's list of template milestones and tasks: in timeline order, a page at a time, narrowed
to a kind and to what reaches the candidates of one location or department; and the places
candidates join at, for the filters and the form's suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from portal.core import pages
from portal.core.pages import Key
from portal.people import directory
from portal.timeline.models import MilestoneTemplate, TaskKind

PAGE_SIZE = 50
KINDS = ("milestones", "tasks")  # the kind filter: plain milestones, or tasks of any kind
ORDER = (
    Key(MilestoneTemplate.day_offset),
    Key(MilestoneTemplate.sort_minute),
    Key(MilestoneTemplate.id),
)


@dataclass(frozen=True)
class TemplateFilter:
    kind: str = ""  # "", or one of KINDS
    location: str = ""  # what reaches candidates joining here (everyone's included)
    department: str = ""

    def query(self) -> dict[str, str]:
        """The filter as the list's address says it (for its pages' links)."""
        return {name: value for name, value in vars(self).items() if value}


@dataclass(frozen=True)
class TemplatesPage:
    rows: list[MilestoneTemplate]
    next_after: int | None


def _reaching(column: InstrumentedAttribute[str], value: str) -> ColumnElement[bool]:
    """Templates for everyone (blank), or for this value (trimmed, any case)."""
    key = value.strip().lower()
    return or_(column == "", func.lower(func.trim(column)) == key)


def _filtered(wanted: TemplateFilter) -> Select[MilestoneTemplate]:
    query = select(MilestoneTemplate)
    if wanted.kind == "milestones":
        query = query.where(MilestoneTemplate.kind == TaskKind.MILESTONE)
    elif wanted.kind == "tasks":
        query = query.where(MilestoneTemplate.kind != TaskKind.MILESTONE)
    if wanted.location:
        query = query.where(_reaching(MilestoneTemplate.location, wanted.location))
    if wanted.department:
        query = query.where(_reaching(MilestoneTemplate.department, wanted.department))
    return query


def templates_page(wanted: TemplateFilter, after: int | None) -> TemplatesPage:
    """A page of the template in timeline order, after the template `after` (one query)."""
    values = None
    if after is not None:
        values = [
            pages.value_of(MilestoneTemplate.day_offset, MilestoneTemplate.id, after),
            pages.value_of(MilestoneTemplate.sort_minute, MilestoneTemplate.id, after),
            after,
        ]
    rows, last = pages.in_order(_filtered(wanted), ORDER, values, PAGE_SIZE)
    return TemplatesPage(rows, last.id if last is not None else None)


def places() -> tuple[list[str], list[str]]:
    """The locations and departments candidates and the template name, for the filters and
    suggestions (one query)."""
    return directory.place_names((MilestoneTemplate.location, MilestoneTemplate.department))
