"""Reading a cohort from the candidates' summaries, never from the event log: the dashboards'
filters from the query string, a page of candidates in the board's order (riskiest first, then
soonest joining) after a cursor, and the counts the tiles show.

A page walks an index of the summaries and stops after the rows it needs (no OFFSET: the next
page starts after the last row shown), so it costs the same at 100 candidates as at 10,000.
The dashboards (portal.engagement.dashboard) and the API's candidate list read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import aliased

from portal.core import pages
from portal.core.extensions import db
from portal.core.i18n import _, format_number
from portal.engagement.models import CandidateSummary, Status
from portal.engagement.status import CandidateSignal, stored_signal
from portal.people.models import CandidateProfile, User

# Made once: building an alias costs more than the query it is used in.
_RECRUITER = aliased(User, name="recruiter")

PAGE_SIZE = 50
SEARCH_MAX = 100
LOCATION_MAX = 80
UNASSIGNED = "unassigned"
# The joining-window choices offered; any whole number of days up to a year is accepted.
JOINING_WINDOWS = (7, 14, 30, 90)
JOINING_WINDOW_MAX = 366
# The dashboard's order: riskiest first (summary_facts.BOARD_RANK).
STATUS_ORDER = (Status.AT_RISK, Status.QUIET, Status.INVITED, Status.ENGAGED)
# Board rank, joining date as days since 1970-01-01, candidate id: every string of this shape
# is a valid cursor (nothing to reject beyond the pattern).
_CURSOR = re.compile(r"([0-4])\.([0-9]{1,6})\.([0-9]{1,10})")
_DAY_ZERO = date(1970, 1, 1)


# --- Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this (board rank, joining date, candidate id)."""

    rank: int
    joining_date: date
    candidate_id: int

    def __str__(self) -> str:
        return f"{self.rank}.{(self.joining_date - _DAY_ZERO).days}.{self.candidate_id}"


@dataclass
class Filters:
    """The dashboard's GET filters, checked; `problems` says in words what was ignored."""

    status: Status | None = None
    search: str = ""
    recruiter: str = ""  # "" (everyone), "unassigned" or an active recruiter's id, as text
    joining_within: int | None = None  # days from today, today included
    location: str = ""
    after: Cursor | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def recruiter_id(self) -> int | None:
        return int(self.recruiter) if self.recruiter.isdigit() else None

    @property
    def unassigned(self) -> bool:
        return self.recruiter == UNASSIGNED

    @property
    def narrowed(self) -> bool:
        """Whether anything but the status narrows the list."""
        return bool(self.search or self.recruiter or self.joining_within or self.location)

    def query(self, **changes: str) -> dict[str, str]:
        """The query string with some filters changed (for the status links and the pager);
        a changed filter starts again from the first page."""
        args = {
            "status": str(self.status or ""),
            "q": self.search,
            "recruiter": self.recruiter,
            "joining": str(self.joining_within or ""),
            "location": self.location,
        } | changes
        return {name: value for name, value in args.items() if value}


def _whole_days(text: str) -> int | None:
    return int(text) if text.isdigit() and 1 <= int(text) <= JOINING_WINDOW_MAX else None


def _cursor(text: str) -> Cursor | None:
    found = _CURSOR.fullmatch(text)
    if not found:
        return None
    day = _DAY_ZERO + timedelta(days=int(found.group(2)))
    return Cursor(int(found.group(1)), day, int(found.group(3)))


def read_filters(args: Mapping[str, str], recruiter_ids: set[int] | None = None) -> Filters:
    """Filters from the query string. `recruiter_ids` are the ids HR may filter by; None means
    the page has no recruiter filter (a recruiter's own dashboard ignores the argument)."""
    filters = Filters()
    status = (args.get("status") or "").strip()
    if status:
        try:
            filters.status = Status(status)
        except ValueError:
            known = ", ".join(f"“{known.label}”" for known in STATUS_ORDER)
            filters.problems.append(
                _(
                    "There is no status “%(status)s” (the statuses are %(known)s): "
                    "showing every status.",
                    status=status[:40],
                    known=known,
                )
            )
    search = " ".join((args.get("q") or "").split())
    if len(search) > SEARCH_MAX:
        filters.problems.append(
            _("Searches are limited to %(max)s characters.", max=format_number(SEARCH_MAX))
        )
        search = search[:SEARCH_MAX]
    filters.search = search
    recruiter = (args.get("recruiter") or "").strip()
    if recruiter_ids is not None and recruiter:
        if recruiter == UNASSIGNED or (recruiter.isdigit() and int(recruiter) in recruiter_ids):
            filters.recruiter = recruiter
        else:
            filters.problems.append(
                _(
                    "That recruiter is not one of the active recruiters: showing everyone's "
                    "candidates."
                )
            )
    joining_within = (args.get("joining") or "").strip()
    if joining_within:
        filters.joining_within = _whole_days(joining_within)
        if filters.joining_within is None:
            filters.problems.append(
                _(
                    "“Joining within” takes a number of days from 1 to %(max)s: showing every "
                    "joining date.",
                    max=format_number(JOINING_WINDOW_MAX),
                )
            )
    filters.location = " ".join((args.get("location") or "").split())[:LOCATION_MAX]
    after = (args.get("after") or "").strip()
    if after:
        filters.after = _cursor(after)
        if filters.after is None:
            filters.problems.append(
                _("That page link is not valid any more: showing the first page.")
            )
    return filters


def read_cursor(text: str) -> Cursor | None:
    """A page cursor from its text (`str(cursor)`), None when it is not one."""
    return _cursor(text)


# --- Pages and counts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tiles:
    """The counts at the top, in the recruiter/search/joining/location scope (any status)."""

    total: int
    counts: dict[Status, int]
    joining_this_week: int  # today and the six days after

    @property
    def invited(self) -> int:
        """Invited and not signed in yet (the status: a longer wait is quiet or at risk)."""
        return self.counts[Status.INVITED]


def _scope(filters: Filters, recruiter_id: int | None, today: date) -> list[ColumnElement[bool]]:
    """Everything but the status and the page: the tiles count within this."""
    where: list[ColumnElement[bool]] = [CandidateSummary.is_active.is_(True)]
    if recruiter_id is not None:
        where.append(CandidateSummary.recruiter_id == recruiter_id)
    elif filters.unassigned:
        where.append(CandidateSummary.recruiter_id.is_(None))
    elif filters.recruiter_id is not None:
        where.append(CandidateSummary.recruiter_id == filters.recruiter_id)
    if filters.joining_within:
        last = today + timedelta(days=filters.joining_within - 1)
        where.append(CandidateSummary.joining_date.between(today, last))
    if filters.location:
        where.append(CandidateSummary.location == filters.location)
    if filters.search:
        pattern = pages.contains(filters.search)
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


def _tiles(where: list[ColumnElement[bool]], today: date) -> Tiles:
    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            func.count(),
            *(count(CandidateSummary.status == status) for status in STATUS_ORDER),
            count(CandidateSummary.joining_date.between(today, today + timedelta(days=6))),
        ).where(*where)
    ).one()
    total, *by_status, this_week = (int(value) for value in row)
    counts = dict(zip(STATUS_ORDER, by_status, strict=True))
    return Tiles(total=total, counts=counts, joining_this_week=this_week)


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
    where = _scope(filters, recruiter_id, today)
    if filters.status is not None:
        where.append(CandidateSummary.status == filters.status)
    order = (
        CandidateSummary.board_rank,
        CandidateSummary.joining_date,
        CandidateSummary.candidate_id,
    )
    if filters.after is not None:
        after = filters.after
        where.append(tuple_(*order) > tuple_(after.rank, after.joining_date, after.candidate_id))
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
        .order_by(*order)
        .limit(size + 1)
    )


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
    query = page_query(
        filters,
        recruiter_id=recruiter_id,
        today=today or now.date(),
        size=size,
        with_activity=with_activity,
    )
    found = list(db.session.execute(query).all())
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
    """The tiles: counts in the filters' scope, any status. One query."""
    today = today or now.date()
    return _tiles(_scope(filters, recruiter_id, today), today)
