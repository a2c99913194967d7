"""What the engagement dashboards show (the recruiter's and HR's): the tiles, a page of 50
candidates with their 30-day sparklines, and the filters, all read from the candidates'
summaries through portal.engagement.cohort: three queries whatever the cohort, and the same
page weight at 100 candidates as at 10,000. Shared by the recruiter's and HR's views; the
markup is shared too (templates/engagement/_dashboard.html).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from portal.core.extensions import db
from portal.engagement.cohort import (
    JOINING_WINDOWS,
    PAGE_SIZE,
    STATUS_ORDER,
    Cursor,
    Filters,
    Tiles,
    candidates_page,
    count_in_scope,
)
from portal.engagement.models import CandidateSummary, Status
from portal.engagement.sparkline import Sparkline, day_counts, sparkline, window
from portal.engagement.status import CandidateSignal

# Made once: building an alias costs more than the query it is used in.
_SUMMARY = aliased(CandidateSummary, name="later")

ACTIVITY_DAYS = 30


# A row's links for its reader: the candidate's page, and their questions and answers.
Links = Callable[[CandidateSignal], tuple[str, str]]
_SIGNAL_FIELDS = tuple(item.name for item in fields(CandidateSignal))


@dataclass(frozen=True)
class Row:
    signal: CandidateSignal
    counts: tuple[int, ...]  # actions per day over the sparkline's days, oldest first
    now: datetime
    links: Links

    @cached_property
    def spark(self) -> Sparkline:
        """Drawn when the row is rendered: a row the page already keeps rendered needs none."""
        return sparkline(list(self.counts), self.now)

    @cached_property
    def _urls(self) -> tuple[str, str]:
        return self.links(self.signal)

    @property
    def url(self) -> str:
        return self._urls[0]

    @property
    def thread_url(self) -> str:
        return self._urls[1]

    @cached_property
    def key(self) -> tuple[Hashable, ...]:
        """Everything the row shows, for the page to keep its HTML (core/fragments.py): every
        field of the signal, the counts and the day they end on, whose links."""
        signal = tuple(
            tuple(value) if isinstance(value, list) else value
            for value in (getattr(self.signal, name) for name in _SIGNAL_FIELDS)
        )
        return (signal, self.counts, self.now.astimezone(UTC).date(), self.links)


@dataclass(frozen=True)
class Board:
    rows: list[Row]
    tiles: Tiles
    filters: Filters
    next_after: Cursor | None  # the next page, None on the last one
    locations: list[str]
    checked_at: datetime | None  # the oldest status evaluation among the rows shown

    @property
    def counts(self) -> dict[Status, int]:
        return self.tiles.counts

    @property
    def total(self) -> int:
        return self.tiles.total

    @property
    def statuses(self) -> list[tuple[Status, str, int]]:
        return [(status, status.label, self.counts[status]) for status in STATUS_ORDER]

    @property
    def first_page(self) -> bool:
        return self.filters.after is None

    joining_windows = JOINING_WINDOWS
    page_size = PAGE_SIZE


def _places_query() -> Select[Any]:
    """The places candidates join at, by a loose scan of the location index: one seek per
    distinct place, however many candidates share it."""
    summary = _SUMMARY
    first = select(func.min(CandidateSummary.location)).where(CandidateSummary.location > "")
    places = first.cte("places", recursive=True)
    after = (
        select(func.min(summary.location)).where(summary.location > places.c[0]).scalar_subquery()
    )
    places = places.union_all(select(after).where(places.c[0].is_not(None)))
    return select(places.c[0])


# Built once: the same for every dashboard.
_PLACES = _places_query()


def _locations() -> list[str]:
    """The places candidates join at (for the filter)."""
    return [place for place in db.session.scalars(_PLACES) if place is not None]


def build(
    now: datetime,
    filters: Filters,
    *,
    links: Links,
    recruiter_id: int | None = None,
    today: date | None = None,
) -> Board:
    """One page of a dashboard. `recruiter_id` scopes a recruiter's own board (whatever the
    filters say); HR's board takes the recruiter from the filters. `today` is the reader's
    date (joining windows and "this week"). Three queries."""
    today = today or now.date()
    tiles = count_in_scope(now, filters, recruiter_id=recruiter_id, today=today)
    page = candidates_page(now, filters, recruiter_id=recruiter_id, today=today)
    keys = window(now, ACTIVITY_DAYS)
    rows = [
        Row(signal, tuple(day_counts(days, keys)), now, links)
        for signal, days in zip(page.signals, page.activity, strict=True)
    ]
    return Board(
        rows=rows,
        tiles=tiles,
        filters=filters,
        next_after=page.next_after,
        locations=_locations(),
        checked_at=page.checked_at,
    )
