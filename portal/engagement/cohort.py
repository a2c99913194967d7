"""Reading a cohort from the candidates' summaries, never from the event log: with the
dashboards' filters (portal.engagement.board_filters), a page of candidates in the board's
order (riskiest first, then soonest joining) after a cursor, and the counts the tiles show
(from the counts kept ahead in portal.engagement.tiles unless a search, place or joining window
narrows the scope).

A page walks an index of the summaries and stops after the rows it needs (no OFFSET: the next
page starts after the last row shown), so it costs the same at 100 candidates as at 10,000.
The dashboards (portal.engagement.dashboard) and the API's candidate list read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import aliased

from portal.core import pages
from portal.core.extensions import db
from portal.engagement import tiles
from portal.engagement.board_filters import (
    JOINING_WINDOWS,
    STATUS_ORDER,
    Cursor,
    Filters,
    read_cursor,
    read_filters,
)
from portal.engagement.models import CandidateSummary
from portal.engagement.status import CandidateSignal, stored_signal
from portal.engagement.tiles import Tiles
from portal.people.models import CandidateProfile, User

# Made once: building an alias costs more than the query it is used in.
_RECRUITER = aliased(User, name="recruiter")

PAGE_SIZE = 50

# The filters are read in board_filters, the tiles' counts in tiles; the pages and the API take
# them from here.
__all__ = [
    "JOINING_WINDOWS",
    "PAGE_SIZE",
    "STATUS_ORDER",
    "Cursor",
    "Filters",
    "Page",
    "Tiles",
    "bound_page",
    "candidates_page",
    "count_in_scope",
    "page_query",
    "read_cursor",
    "read_filters",
]


# --- Pages and counts ---------------------------------------------------------------------------


def _where(
    *,
    recruiter_id: Any = None,
    unassigned: bool = False,
    joining: tuple[Any, Any] | None = None,
    location: Any = None,
    pattern: Any = None,
) -> list[ColumnElement[bool]]:
    """The scope's conditions: each value given (or bound parameter) narrows it, None does
    not. Everything but the status and the page: the tiles count within this."""
    where: list[ColumnElement[bool]] = [CandidateSummary.is_active.is_(True)]
    if recruiter_id is not None:
        where.append(CandidateSummary.recruiter_id == recruiter_id)
    elif unassigned:
        where.append(CandidateSummary.recruiter_id.is_(None))
    if joining is not None:
        where.append(CandidateSummary.joining_date.between(*joining))
    if location is not None:
        where.append(CandidateSummary.location == location)
    if pattern is not None:
        where.append(
            CandidateSummary.candidate_id.in_(
                select(User.id).where(
                    or_(
                        func.lower(User.name).like(pattern, escape="\\"),
                        func.lower(User.email).like(pattern, escape="\\"),
                    )
                )
            )
        )
    return where


def _scope_values(filters: Filters, recruiter_id: int | None, today: date) -> dict[str, Any]:
    """What narrows the scope, by `_where`'s argument names: a recruiter's own board, else the
    recruiter the filters name, the joining window, the location, the search."""
    values: dict[str, Any] = {}
    if recruiter_id is None:
        recruiter_id = filters.recruiter_id
        if filters.unassigned:
            values["unassigned"] = True
    if recruiter_id is not None:
        values["recruiter_id"] = recruiter_id
    if filters.joining_within:
        values["joining"] = (today, today + timedelta(days=filters.joining_within - 1))
    if filters.location:
        values["location"] = filters.location
    if filters.search:
        values["pattern"] = pages.contains(filters.search)
    return values


def _scope(filters: Filters, recruiter_id: int | None, today: date) -> list[ColumnElement[bool]]:
    return _where(**_scope_values(filters, recruiter_id, today))


# --- The dashboards' queries, built once per shape -------------------------------------------
#
# A shape is which filters narrow the board (the names `_scope_values` gives); each shape's
# queries are built once per process with bound parameters in place of the values, and run
# with `_parameters`: building a query and its cache key cost more than running it.

Shape = tuple[str, ...]


def _parameters(values: dict[str, Any]) -> tuple[Shape, dict[str, Any]]:
    """The shape of a scope and its values as the bound parameters' values."""
    shape = tuple(sorted(values))
    parameters: dict[str, Any] = {}
    for name, value in values.items():
        if name == "joining":
            parameters["board_joining_from"], parameters["board_joining_to"] = value
        elif name != "unassigned":
            parameters[f"board_{name}"] = value
    return shape, parameters


def _bound_where(shape: Shape) -> list[ColumnElement[bool]]:
    joining_from = bindparam("board_joining_from", type_=Date())
    joining_to = bindparam("board_joining_to", type_=Date())
    bound: dict[str, Any] = {
        "recruiter_id": bindparam("board_recruiter_id", type_=Integer()),
        "unassigned": True,
        "joining": (joining_from, joining_to),
        "location": bindparam("board_location", type_=String()),
        "pattern": bindparam("board_pattern", type_=String()),
    }
    return _where(**{name: bound[name] for name in shape})


@cache
def _tiles_query(shape: Shape) -> Select[Any]:
    """The tiles' row (`Tiles.of`) counted from the summaries in scope: for the scopes the
    counts of portal.engagement.tiles do not answer."""

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    today = bindparam("board_today", type_=Date())
    week_end = bindparam("board_week_end", type_=Date())
    return select(
        func.count(),
        *(count(CandidateSummary.status == status) for status in STATUS_ORDER),
        count(CandidateSummary.joining_date.between(today, week_end)),
    ).where(*_bound_where(shape))


@dataclass(frozen=True)
class Page:
    """One page of candidates in the board's order, with their stored status."""

    signals: list[CandidateSignal]
    activity: list[dict[str, int]]  # each one's activity per day, for the sparkline
    next_after: Cursor | None  # the next page, None on the last one
    checked_at: datetime | None  # the oldest status evaluation among these


def page_query(
    filters: Filters,
    *,
    recruiter_id: int | None,
    today: date,
    size: int = PAGE_SIZE,
    with_activity: bool = True,
) -> Select[*tuple[Any, ...]]:
    """The SELECT of `candidates_page` (one page and one row more, to know if another follows):
    in the order of the summaries' board indexes, so the database stops after those rows."""
    return _page_select(
        _scope(filters, recruiter_id, today),
        filters.status,
        filters.after,
        size=size,
        with_activity=with_activity,
    )


_ORDER = (CandidateSummary.board_rank, CandidateSummary.joining_date, CandidateSummary.candidate_id)


def _page_select(
    where: list[ColumnElement[bool]],
    status: Any,
    after: Cursor | None,
    *,
    size: Any,
    with_activity: bool,
) -> Select[*tuple[Any, ...]]:
    if status is not None:
        where.append(CandidateSummary.status == status)
    if after is not None:
        where.append(tuple_(*_ORDER) > tuple_(after.rank, after.joining_date, after.candidate_id))
    recruiter = _RECRUITER
    summary = CandidateSummary
    # Columns, not the entity: a page reads rows, it never changes them (and skips the JSON it
    # does not show).
    activity = [summary.activity_days] if with_activity else []
    return (
        select(
            summary.candidate_id,
            summary.recruiter_id,
            summary.board_rank,
            summary.signed_up,
            summary.last_seen_at,
            summary.unanswered,
            summary.waiting_since,
            summary.first_waiting_id,
            summary.last_pulse,
            summary.previous_pulse,
            summary.status,
            summary.reasons,
            summary.evaluated_at,
            summary.tasks_total,
            summary.tasks_done,
            summary.task_dues,
            summary.joining_date.label("board_joining_date"),
            *activity,
            User.name,
            User.email,
            User.last_sign_in_at,
            CandidateProfile.job_title,
            CandidateProfile.joining_date,
            CandidateProfile.joining_time,
            CandidateProfile.joining_time_zone,
            recruiter.name.label("recruiter_name"),
        )
        .join(User, User.id == CandidateSummary.candidate_id)
        .join(CandidateProfile, CandidateProfile.user_id == CandidateSummary.candidate_id)
        .outerjoin(
            recruiter,
            and_(recruiter.id == CandidateSummary.recruiter_id, recruiter.is_active.is_(True)),
        )
        .where(*where)
        .order_by(*_ORDER)
        .limit(size + 1)
    )


@cache
def _bound_page(
    shape: Shape, by_status: bool, after: bool, with_activity: bool, columns: tuple[str, ...]
) -> Select[*tuple[Any, ...]]:
    """`page_query` for one shape of board, every value a bound parameter (`bound_page`),
    narrowed to `columns` (their keys) when some are named."""
    cursor = Cursor(
        cast(Any, bindparam("board_after_rank", type_=Integer())),
        cast(Any, bindparam("board_after_date", type_=Date())),
        cast(Any, bindparam("board_after_id", type_=Integer())),
    )
    query = _page_select(
        _bound_where(shape),
        bindparam("board_status", type_=String()) if by_status else None,
        cursor if after else None,
        size=bindparam("board_size", type_=Integer()),
        with_activity=with_activity,
    )
    if not columns:
        return query
    by_key = {column.key: column for column in query.selected_columns}
    return query.with_only_columns(*(by_key[key] for key in columns))


def bound_page(
    filters: Filters,
    *,
    recruiter_id: int | None,
    today: date,
    size: int = PAGE_SIZE,
    with_activity: bool = True,
    columns: tuple[str, ...] = (),
) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
    """`page_query` as run: the SELECT built once per process for this shape of filters, with
    bound parameters in place of the values (building a query and its cache key cost more than
    running it), and the values to run it with. `columns` (keys of the page's columns) narrows
    it to what the caller reads: the API's list leaves out what a Candidate does not show."""
    shape, parameters = _parameters(_scope_values(filters, recruiter_id, today))
    query = _bound_page(
        shape, filters.status is not None, filters.after is not None, with_activity, columns
    )
    parameters["board_size"] = size
    if filters.status is not None:
        parameters["board_status"] = str(filters.status)
    if filters.after is not None:
        parameters["board_after_rank"] = filters.after.rank
        parameters["board_after_date"] = filters.after.joining_date
        parameters["board_after_id"] = filters.after.candidate_id
    return query, parameters


def candidates_page(
    now: datetime,
    filters: Filters,
    *,
    recruiter_id: int | None = None,
    today: date | None = None,
    size: int = PAGE_SIZE,
    with_activity: bool = True,
) -> Page:
    """Up to `size` candidates after `filters.after`, riskiest first, then soonest joining, in
    the filters' scope and status, with each one's activity per day unless `with_activity` is
    False. One query, walking an index of the summaries."""
    query, parameters = bound_page(
        filters,
        recruiter_id=recruiter_id,
        today=today or now.date(),
        size=size,
        with_activity=with_activity,
    )
    found = list(db.session.execute(query, parameters).all())
    more = len(found) > size
    found = found[:size]
    last = found[-1] if found else None
    checked = [row.evaluated_at for row in found if row.evaluated_at is not None]
    return Page(
        signals=[stored_signal(row, now) for row in found],
        activity=[(row.activity_days or {}) if with_activity else {} for row in found],
        next_after=(
            Cursor(last.board_rank, last.board_joining_date, last.candidate_id)
            if more and last is not None
            else None
        ),
        checked_at=min(checked) if checked else None,
    )


def count_in_scope(
    now: datetime, filters: Filters, *, recruiter_id: int | None = None, today: date | None = None
) -> Tiles:
    """The tiles: counts in the filters' scope, any status. One query: of the counts the
    triggers keep for everyone, one recruiter or no recruiter (portal.engagement.tiles), else
    of the summaries in scope (a search, a place, a joining window narrows it)."""
    today = today or now.date()
    shape, parameters = _parameters(_scope_values(filters, recruiter_id, today))
    query = tiles.counts_query(shape) if tiles.counted(shape, parameters) else _tiles_query(shape)
    week = {"board_today": today, "board_week_end": today + timedelta(days=6)}
    return Tiles.of(db.session.execute(query, parameters | week).one())
