"""Reneges and no-shows by department, location and recruiter: for each, how many offers, how
many reneged before their start and how many did not show. One query over candidate_outcomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.i18n import _, _l, format_number, ngettext
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.reports.charts import Bar, BarChart, Legend, bar_chart
from portal.reports.filters import Choices, ReportFilter
from portal.reports.tables import Share, Table

ROWS_DRAWN = 12  # groups in a chart, most lost first; the table has them all


@dataclass(frozen=True)
class Grouping:
    """How a breakdown names itself, in the reader's language (each a whole phrase)."""

    heading: LazyString  # "By department"
    chart_caption: LazyString  # "Share of offers lost by department, most lost first"
    table_caption: LazyString  # "Offers by department"
    column: LazyString  # "Department"
    over: Callable[[int], str]  # "Share of offers lost by department, over 3 departments"


GROUPINGS = {
    "department": Grouping(
        _l("By department"),
        _l("Share of offers lost by department, most lost first"),
        _l("Offers by department"),
        _l("Department"),
        lambda count: ngettext(
            "Share of offers lost by department, over %(count)s department",
            "Share of offers lost by department, over %(count)s departments",
            count,
            count=format_number(count),
        ),
    ),
    "location": Grouping(
        _l("By location"),
        _l("Share of offers lost by location, most lost first"),
        _l("Offers by location"),
        _l("Location"),
        lambda count: ngettext(
            "Share of offers lost by location, over %(count)s location",
            "Share of offers lost by location, over %(count)s locations",
            count,
            count=format_number(count),
        ),
    ),
    "recruiter": Grouping(
        _l("By recruiter"),
        _l("Share of offers lost by recruiter, most lost first"),
        _l("Offers by recruiter"),
        _l("Recruiter"),
        lambda count: ngettext(
            "Share of offers lost by recruiter, over %(count)s recruiter",
            "Share of offers lost by recruiter, over %(count)s recruiters",
            count,
            count=format_number(count),
        ),
    ),
}


@dataclass
class Group:
    name: str
    joined: int = 0
    reneged: int = 0
    no_shows: int = 0

    @property
    def offers(self) -> int:
        return self.joined + self.reneged + self.no_shows

    @property
    def lost(self) -> Share:
        return Share(self.reneged + self.no_shows, self.offers)

    def add(self, outcome: str, count: int) -> None:
        if outcome == Outcome.JOINED:
            self.joined += count
        elif outcome == Outcome.RENEGED:
            self.reneged += count
        else:
            self.no_shows += count


@dataclass(frozen=True)
class Breakdown:
    """One way of grouping the offers ("department", a key of GROUPINGS) and its groups, most
    lost first."""

    by: str
    groups: list[Group]

    @property
    def words(self) -> Grouping:
        return GROUPINGS[self.by]

    def chart(self) -> BarChart:
        drawn = self.groups[:ROWS_DRAWN]
        rows = []
        for group in drawn:
            offers = group.offers or 1
            text = f"{group.lost} ({group.lost.counts})"
            parts = [(group.reneged / offers, 1), (group.no_shows / offers, 2)]
            rows.append((None, [Bar(group.name, text, parts)]))
        over = self.words.over(len(self.groups))
        if len(drawn) == len(self.groups):
            summary = _("%(over)s; the table below gives every number.", over=over)
        else:
            summary = _(
                "%(over)s (%(num)s most lost shown); the table below gives every number.",
                over=over,
                num=format_number(len(drawn)),
            )
        return bar_chart(
            rows,
            summary=summary,
            legend=[Legend(Outcome.RENEGED.label, 1), Legend(Outcome.NO_SHOW.label, 2)],
        )

    def table(self) -> Table:
        return Table(
            str(self.words.table_caption),
            [
                str(self.words.column),
                _("Offers"),
                Outcome.JOINED.label,
                Outcome.RENEGED.label,
                Outcome.NO_SHOW.label,
                _("Lost"),
            ],
            [[g.name, g.offers, g.joined, g.reneged, g.no_shows, g.lost] for g in self.groups],
        )


@dataclass(frozen=True)
class RenegeReport:
    total: Group
    breakdowns: list[Breakdown]

    def tables(self) -> list[Table]:
        return [breakdown.table() for breakdown in self.breakdowns]


def _ordered(groups: dict[Any, Group]) -> list[Group]:
    """Most lost first (by share, then by number), then by name."""
    return sorted(
        groups.values(),
        key=lambda g: (-(g.lost.value or 0), -g.lost.part, g.name.casefold()),
    )


def reneges(wanted: ReportFilter, choices: Choices) -> RenegeReport:
    """The report for the offers in `wanted` (one query)."""
    rows = db.session.execute(
        select(
            CandidateOutcome.department,
            CandidateOutcome.location,
            CandidateOutcome.recruiter_id,
            CandidateOutcome.outcome,
            func.count(),
        )
        .where(*wanted.where())
        .group_by(
            CandidateOutcome.department,
            CandidateOutcome.location,
            CandidateOutcome.recruiter_id,
            CandidateOutcome.outcome,
        )
    ).all()
    total = Group(_("Every offer"))
    departments: dict[str, Group] = {}
    locations: dict[str, Group] = {}
    recruiters: dict[int | None, Group] = {}
    for department, location, recruiter_id, outcome, count in rows:
        total.add(outcome, count)
        name = department or _("No department")
        departments.setdefault(name, Group(name)).add(outcome, count)
        name = location or _("No location")
        locations.setdefault(name, Group(name)).add(outcome, count)
        name = choices.recruiter_name(recruiter_id)
        recruiters.setdefault(recruiter_id, Group(name)).add(outcome, count)
    return RenegeReport(
        total,
        [
            Breakdown("department", _ordered(departments)),
            Breakdown("location", _ordered(locations)),
            Breakdown("recruiter", _ordered(recruiters)),
        ],
    )
