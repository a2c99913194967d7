"""Answer time against the promise: how long candidates' questions waited for a reply, next to
the answer promise (RESPONSE_PROMISE_HOURS, as it was when each outcome was recorded); month by
month of joining, and by recruiter. Two queries over candidate_outcomes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.i18n import _, format_number, ngettext
from portal.outcomes.models import CandidateOutcome
from portal.reports.charts import Bar, BarChart, Line, LineChart, bar_chart, line_chart
from portal.reports.engagement import MONTHS_DRAWN
from portal.reports.filters import Choices, ReportFilter
from portal.reports.tables import Share, Table, month_label, months_between, short_month

COUNTS = (
    CandidateOutcome.answers_within_quarter,
    CandidateOutcome.answers_within_half,
    CandidateOutcome.answers_within_promise,
    CandidateOutcome.answers_late,
    CandidateOutcome.questions_unanswered,
)


@dataclass
class Waits:
    """Waits in each band: a quarter of the promise, half, the promise, later, still waiting."""

    bands: list[int] = field(default_factory=lambda: [0] * len(COUNTS))

    def add(self, counts: list[int]) -> None:
        self.bands = [a + b for a, b in zip(self.bands, counts, strict=True)]

    @property
    def total(self) -> int:
        return sum(self.bands)

    @property
    def in_time(self) -> int:
        return sum(self.bands[:3])

    @property
    def within_promise(self) -> Share:
        return Share(self.in_time, self.total)


@dataclass(frozen=True)
class AnswerTimeReport:
    overall: Waits
    months: list[tuple[date, Waits]]
    recruiters: list[tuple[str, Waits]]
    promise_hours: tuple[int, int] | None  # the shortest and longest promise counted against

    @property
    def band_names(self) -> list[str]:
        hours = self.promise_hours
        later = [_("Later than promised"), _("Still waiting past the promise at the outcome")]
        if hours is not None and hours[0] == hours[1]:
            promise = hours[0]
            return [
                ngettext(
                    "Within %(num)s hour (a quarter of the promise)",
                    "Within %(num)s hours (a quarter of the promise)",
                    promise // 4,
                ),
                ngettext(
                    "Within %(num)s hour (half the promise)",
                    "Within %(num)s hours (half the promise)",
                    promise // 2,
                ),
                ngettext(
                    "Within the promise of %(num)s hour",
                    "Within the promise of %(num)s hours",
                    promise,
                ),
                *later,
            ]
        return [
            _("Within a quarter of the promise"),
            _("Within half the promise"),
            _("Within the promise"),
            *later,
        ]

    @property
    def short_band_names(self) -> list[str]:
        """The bands in a few words, for the chart."""
        hours = self.promise_hours
        if hours is not None and hours[0] == hours[1]:
            promise = hours[0]
            first = [
                ngettext("Within %(num)s hour", "Within %(num)s hours", promise // 4),
                ngettext("Within %(num)s hour", "Within %(num)s hours", promise // 2),
                ngettext(
                    "Within the %(num)s-hour promise", "Within the %(num)s-hour promise", promise
                ),
            ]
        else:
            first = [
                _("Within ¼ of the promise"),
                _("Within ½ of the promise"),
                _("Within the promise"),
            ]
        return [*first, _("Later than promised"), _("Waiting past it at the outcome")]

    def bands_chart(self) -> BarChart:
        total = self.overall.total
        rows = [
            (None, [Bar(name, _said(Share(count, total)), [(Share(count, total).value or 0, 1)])])
            for name, count in zip(self.short_band_names, self.overall.bands, strict=True)
        ]
        return bar_chart(
            rows,
            summary=ngettext(
                "%(count)s wait for an answer: %(share)s answered within the promise; the table "
                "below gives every band.",
                "%(count)s waits for an answer: %(share)s answered within the promise; the table "
                "below gives every band.",
                total,
                count=format_number(total),
                share=str(self.overall.within_promise),
            ),
            top=1.0,
        )

    def monthly_chart(self) -> LineChart:
        drawn = self.months[-MONTHS_DRAWN:]
        return line_chart(
            [short_month(month) for month, _ in drawn],
            [
                Line(
                    _("Answered within the promise"),
                    1,
                    [waits.within_promise.value for _month, waits in drawn],
                )
            ],
            summary=_(
                "By month of joining, the share of waits answered within the promise; the "
                "table below gives every number."
            ),
            top=1.0,
        )

    def tables(self) -> list[Table]:
        total = self.overall.total
        bands = Table(
            _("Every wait for an answer"),
            [_("Answered"), _("Waits"), _("Share")],
            [
                [name, count, Share(count, total)]
                for name, count in zip(self.band_names, self.overall.bands, strict=True)
            ],
        )
        columns = [_("Waits"), _("Within the promise"), _("Later"), _("Still waiting")]
        monthly = Table(
            _("Waits by month of joining"),
            [_("Month"), *columns],
            [[month_label(month), *_row(waits)] for month, waits in self.months],
        )
        recruiters = Table(
            _("Waits by recruiter"),
            [_("Recruiter"), *columns],
            [[name, *_row(waits)] for name, waits in self.recruiters],
        )
        return [bands, monthly, recruiters]


def _said(share: Share) -> str:
    return f"{share} ({share.counts})" if share.whole else "—"


def _row(waits: Waits) -> list[int | Share]:
    return [waits.total, waits.within_promise, waits.bands[3], waits.bands[4]]


def answer_times(wanted: ReportFilter, choices: Choices) -> AnswerTimeReport:
    """The report for the offers in `wanted` (two queries)."""
    sums = [func.coalesce(func.sum(column), 0) for column in COUNTS]
    overall = Waits()
    recruiters: dict[int | None, Waits] = {}
    hours: list[int] = []
    for recruiter_id, low, high, *counts in db.session.execute(
        select(
            CandidateOutcome.recruiter_id,
            func.min(CandidateOutcome.promise_hours),
            func.max(CandidateOutcome.promise_hours),
            *sums,
        )
        .where(*wanted.where())
        .group_by(CandidateOutcome.recruiter_id)
    ):
        numbers = [int(count) for count in counts]
        overall.add(numbers)
        recruiters.setdefault(recruiter_id, Waits()).add(numbers)
        hours += [int(low), int(high)]
    per_day = db.session.execute(
        select(CandidateOutcome.joining_date, *sums)
        .where(*wanted.where())
        .group_by(CandidateOutcome.joining_date)
    ).all()
    months: dict[date, Waits] = defaultdict(Waits)
    for day, *counts in per_day:
        months[day.replace(day=1)].add([int(count) for count in counts])
    spanned = []
    if months:
        first = min(wanted.joined_from or min(months), min(months))
        last = max(wanted.joined_until or max(months), max(months))
        spanned = [(month, months.get(month, Waits())) for month in months_between(first, last)]
    named = sorted(
        ((choices.recruiter_name(rid), waits) for rid, waits in recruiters.items()),
        key=lambda pair: pair[0].casefold(),
    )
    return AnswerTimeReport(overall, spanned, named, (min(hours), max(hours)) if hours else None)
