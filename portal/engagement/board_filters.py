"""The dashboards' filters, read from the query string and checked: status, search, recruiter,
joining window, location and the page cursor (portal.engagement.cohort reads a cohort with
them; the API's candidate list takes its cursor)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.core.i18n import _, format_number
from portal.core.ids import MAX_ID
from portal.engagement.models import Status

# The dashboard's order: riskiest first (summary_facts.BOARD_RANK).
STATUS_ORDER = (Status.AT_RISK, Status.QUIET, Status.INVITED, Status.ENGAGED)
SEARCH_MAX = 100
LOCATION_MAX = 80
UNASSIGNED = "unassigned"
# The joining-window choices offered; any whole number of days up to a year is accepted.
JOINING_WINDOWS = (7, 14, 30, 90)
JOINING_WINDOW_MAX = 366
# Board rank, joining date as days since 1970-01-01, candidate id: every string of this shape
# is a valid cursor (nothing to reject beyond the pattern).
_CURSOR = re.compile(r"([0-4])\.([0-9]{1,6})\.([0-9]{1,10})")
_DAY_ZERO = date(1970, 1, 1)


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
    # No id is above MAX_ID (a 32-bit column): after a larger one is after MAX_ID, and the
    # queries' bound parameters stay in their column's range.
    return Cursor(int(found.group(1)), day, min(int(found.group(3)), MAX_ID))


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
