"""What the engagement dashboards show (the recruiter's and HR's): the filters read from the
query string, one row per candidate with its 30-day sparkline, and the counts per status.

Shared by the recruiter's and HR's views; the markup is shared too
(templates/engagement/_dashboard.html). A fixed number of queries, whatever the number of
candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from portal.core.words import plural
from portal.engagement import activity
from portal.engagement import status as engagement
from portal.engagement.models import Status
from portal.engagement.status import CandidateSignal

ACTIVITY_DAYS = 30
SEARCH_MAX = 100
UNASSIGNED = "unassigned"
# The dashboard's order: riskiest first.
STATUS_ORDER = (Status.AT_RISK, Status.QUIET, Status.ENGAGED)


# --- Filters -------------------------------------------------------------------------------------


@dataclass
class Filters:
    """The dashboard's GET filters, checked; `problems` says in words what was ignored."""

    status: Status | None = None
    search: str = ""
    recruiter: str = ""  # "" (everyone), "unassigned" or an active recruiter's id, as text
    problems: list[str] = field(default_factory=list)

    @property
    def recruiter_id(self) -> int | None:
        return int(self.recruiter) if self.recruiter.isdigit() else None

    @property
    def unassigned(self) -> bool:
        return self.recruiter == UNASSIGNED

    def query(self, **changes: str) -> dict[str, str]:
        """The query string with some filters changed (for the status links)."""
        args = {
            "status": str(self.status or ""),
            "q": self.search,
            "recruiter": self.recruiter,
        } | changes
        return {name: value for name, value in args.items() if value}


def read_filters(args: Mapping[str, str], recruiter_ids: set[int] | None = None) -> Filters:
    """Filters from the query string. `recruiter_ids` are the ids HR may filter by; None means
    the page has no recruiter filter (a recruiter's own dashboard ignores the argument)."""
    filters = Filters()
    status = (args.get("status") or "").strip()
    if status:
        try:
            filters.status = Status(status)
        except ValueError:
            filters.problems.append(f"There is no status “{status[:40]}”: showing every status.")
    search = " ".join((args.get("q") or "").split())
    if len(search) > SEARCH_MAX:
        filters.problems.append(f"Searches are limited to {SEARCH_MAX} characters.")
        search = search[:SEARCH_MAX]
    filters.search = search
    recruiter = (args.get("recruiter") or "").strip()
    if recruiter_ids is not None and recruiter:
        if recruiter == UNASSIGNED or (recruiter.isdigit() and int(recruiter) in recruiter_ids):
            filters.recruiter = recruiter
        else:
            filters.problems.append(
                "That recruiter is not one of the active recruiters: showing everyone's candidates."
            )
    return filters


# --- The sparkline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    day: date
    count: int

    @property
    def label(self) -> str:
        return f"{_short_day(self.day)}: {plural(self.count, 'action')}"


@dataclass(frozen=True)
class Sparkline:
    """Bars for the last days of activity, drawn as an inline SVG by the template."""

    bars: list[Bar]
    days: int
    total: int
    label: str
    width: int
    height: int
    baseline: float

    BAR_WIDTH = 3
    STEP = 4  # bar plus gap
    TALLEST = 24


def _short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def sparkline(counts: list[int], now: datetime) -> Sparkline:
    """Bars scaled to the busiest day (which is TALLEST high), and a sentence that says it all."""
    days = len(counts)
    last_day = now.astimezone(UTC).date()  # UTC days, like activity_by_day's
    first_day = last_day - timedelta(days=days - 1)
    peak = max(counts, default=0)
    total = sum(counts)
    bars = []
    for index, count in enumerate(counts):
        if count <= 0:
            continue
        height = max(2, round(count / peak * Sparkline.TALLEST))
        bars.append(
            Bar(
                x=index * Sparkline.STEP,
                y=Sparkline.TALLEST + 1 - height,
                height=height,
                day=first_day + timedelta(days=index),
                count=count,
            )
        )
    if total:
        last = _short_day(bars[-1].day)
        label = f"{plural(total, 'action')} in the last {days} days, last on {last}"
    else:
        label = f"No activity in the last {days} days"
    return Sparkline(
        bars=bars,
        days=days,
        total=total,
        label=label,
        width=days * Sparkline.STEP - 1,
        height=Sparkline.TALLEST + 2,
        baseline=Sparkline.TALLEST + 1.5,
    )


# --- The board ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    signal: CandidateSignal
    spark: Sparkline
    url: str  # the candidate's page for this reader
    thread_url: str  # their questions and answers


@dataclass(frozen=True)
class Board:
    rows: list[Row]
    counts: dict[Status, int]  # in the current recruiter and search scope, before `status`
    total: int
    filters: Filters

    @property
    def statuses(self) -> list[tuple[Status, str, int]]:
        return [(status, status.label, self.counts[status]) for status in STATUS_ORDER]


def build(
    now: datetime,
    filters: Filters,
    *,
    links: Callable[[CandidateSignal], tuple[str, str]],
    recruiter_id: int | None = None,
) -> Board:
    """The rows a dashboard shows. `recruiter_id` scopes a recruiter's own board (whatever the
    filters say); HR's board takes the recruiter from the filters. Two queries."""
    if recruiter_id is not None:
        found = engagement.signals(now, recruiter_id=recruiter_id, search=filters.search)
    else:
        found = engagement.signals(
            now,
            recruiter_id=filters.recruiter_id,
            unassigned=filters.unassigned,
            search=filters.search,
        )
    counts = engagement.status_counts(found)
    shown = [s for s in found if filters.status is None or s.status == filters.status]
    per_day = activity.activity_by_day([s.candidate_id for s in shown], now, ACTIVITY_DAYS)
    rows = [
        Row(signal, sparkline(per_day[signal.candidate_id], now), *links(signal))
        for signal in shown
    ]
    return Board(rows=rows, counts=counts, total=len(found), filters=filters)
