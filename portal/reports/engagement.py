"""Engagement over time: how active candidates were in the weeks before their outcome, by
outcome (do the lost go quiet first?), and, month by month of joining, how many the portal
marked quiet or at risk against how many were lost. Two queries over candidate_outcomes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, func, or_, select

from portal.core.extensions import db
from portal.core.i18n import _, ngettext
from portal.outcomes.models import LOST, WEEKS_KEPT, CandidateOutcome, Outcome
from portal.reports.charts import Line, LineChart, line_chart
from portal.reports.filters import ReportFilter, count_where
from portal.reports.tables import Share, Table, month_label, months_between, short_month

MONTHS_DRAWN = 24  # the chart shows the last ones; the table has every month
SERIES = {Outcome.JOINED: 1, Outcome.RENEGED: 2, Outcome.NO_SHOW: 3}


@dataclass(frozen=True)
class Month:
    first_day: date
    offers: int
    at_risk: int
    quiet_or_at_risk: int
    lost: int


@dataclass(frozen=True)
class EngagementReport:
    # Per outcome, per week before the outcome (index 0: the last 7 days): the share of the
    # offers that existed that week whose candidate did something in it.
    weeks: dict[Outcome, list[Share]]
    months: list[Month]

    @property
    def offers(self) -> int:
        return sum(month.offers for month in self.months)

    def weekly_chart(self) -> LineChart:
        categories = [_("%(num)s wk", num=week) for week in range(WEEKS_KEPT, 0, -1)]
        lines = [
            Line(outcome.label, SERIES[outcome], [s.value for s in reversed(shares)])
            for outcome, shares in self.weeks.items()
        ]
        return line_chart(
            categories,
            lines,
            summary=ngettext(
                "Share of candidates who did something in the portal in each of the %(num)s "
                "week before their outcome, by outcome; the table below gives every number.",
                "Share of candidates who did something in the portal in each of the %(num)s "
                "weeks before their outcome, by outcome; the table below gives every number.",
                WEEKS_KEPT,
            ),
            top=1.0,
        )

    def monthly_chart(self) -> LineChart:
        drawn = self.months[-MONTHS_DRAWN:]
        categories = [short_month(month.first_day) for month in drawn]
        lines = [
            Line(_("Marked at risk"), 1, [Share(m.at_risk, m.offers).value for m in drawn]),
            Line(
                _("Marked quiet or at risk"),
                2,
                [Share(m.quiet_or_at_risk, m.offers).value for m in drawn],
            ),
            Line(_("Lost (reneged or no-show)"), 3, [Share(m.lost, m.offers).value for m in drawn]),
        ]
        return line_chart(
            categories,
            lines,
            summary=ngettext(
                "By month of joining, over %(num)s month: the share of offers whose candidate "
                "was marked at risk, marked quiet or at risk, and lost; the table below gives "
                "every number.",
                "By month of joining, over %(num)s months: the share of offers whose candidate "
                "was marked at risk, marked quiet or at risk, and lost; the table below gives "
                "every number.",
                len(drawn),
            ),
        )

    def tables(self) -> list[Table]:
        weekly = Table(
            _("Candidates active in each week before their outcome"),
            [_("Week before the outcome"), *(outcome.label for outcome in self.weeks)],
            [
                [
                    _(
                        "Week %(num)s (days %(first)s to %(last)s before)",
                        num=week + 1,
                        first=week * 7 + 1,
                        last=week * 7 + 7,
                    ),
                    *(shares[week] for shares in self.weeks.values()),
                ]
                for week in range(WEEKS_KEPT)
            ],
        )
        monthly = Table(
            _("By month of joining"),
            [
                _("Month"),
                _("Offers"),
                _("Marked at risk"),
                _("Marked quiet or at risk"),
                _("Lost"),
            ],
            [
                [
                    month_label(month.first_day),
                    month.offers,
                    Share(month.at_risk, month.offers),
                    Share(month.quiet_or_at_risk, month.offers),
                    Share(month.lost, month.offers),
                ]
                for month in self.months
            ],
        )
        return [weekly, monthly]


def engagement(wanted: ReportFilter) -> EngagementReport:
    """The report for the offers in `wanted` (two queries)."""
    bits = CandidateOutcome.active_weeks
    columns: list[Any] = [CandidateOutcome.outcome]
    columns += [count_where(CandidateOutcome.offered_weeks > week) for week in range(WEEKS_KEPT)]
    columns += [
        count_where(bits.op("&", return_type=Integer)(1 << week) != 0) for week in range(WEEKS_KEPT)
    ]
    found = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(*columns).where(*wanted.where()).group_by(CandidateOutcome.outcome)
        )
    }
    weeks = {}
    for outcome in Outcome:
        counts = found.get(str(outcome), (0,) * (2 * WEEKS_KEPT))
        offered, active = counts[:WEEKS_KEPT], counts[WEEKS_KEPT:]
        weeks[outcome] = [Share(int(a), int(o)) for o, a in zip(offered, active, strict=True)]
    return EngagementReport(weeks, _months(wanted))


def _months(wanted: ReportFilter) -> list[Month]:
    at_risk = CandidateOutcome.first_at_risk_at.is_not(None)
    quiet = or_(at_risk, CandidateOutcome.first_quiet_at.is_not(None))
    lost = CandidateOutcome.outcome.in_([str(outcome) for outcome in LOST])
    rows = db.session.execute(
        select(
            CandidateOutcome.joining_date,
            func.count(),
            count_where(at_risk),
            count_where(quiet),
            count_where(lost),
        )
        .where(*wanted.where())
        .group_by(CandidateOutcome.joining_date)
    ).all()
    if not rows:
        return []
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for day, *counts in rows:
        into = totals[day.replace(day=1)]
        for index, count in enumerate(counts):
            into[index] += int(count)
    first = wanted.joined_from or min(totals)
    last = wanted.joined_until or max(totals)
    return [
        Month(month, *totals.get(month, [0, 0, 0, 0]))
        for month in months_between(min(first, min(totals)), max(last, max(totals)))
    ]
