"""The reports HR can open: each one's address, title, what it answers, how it is built from
the filtered outcomes and which template draws it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.i18n import _l
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.reports.answer_times import answer_times
from portal.reports.calibration import calibration
from portal.reports.engagement import engagement
from portal.reports.filters import Choices, ReportFilter
from portal.reports.reneges import reneges
from portal.reports.tables import Table


class Built(Protocol):
    """What every report's builder returns: at least its numbers as tables."""

    def tables(self) -> list[Table]: ...


@dataclass(frozen=True)
class Report:
    slug: str
    title: LazyString  # in the reader's language when shown
    question: LazyString  # what it answers, on the list of reports
    template: str
    build: Callable[[ReportFilter, Choices], Built]


REPORTS: Sequence[Report] = (
    Report(
        "engagement",
        _l("Engagement over time"),
        _l(
            "How active candidates were in the weeks before their outcome, and month by month "
            "how many were marked quiet or at risk against how many were lost."
        ),
        "reports/engagement.html",
        lambda wanted, _choices: engagement(wanted),
    ),
    Report(
        "answer-times",
        _l("Answer time against the promise"),
        _l("How long candidates' questions waited for an answer, against the promised time."),
        "reports/answer_times.html",
        answer_times,
    ),
    Report(
        "reneges",
        _l("Reneges and no-shows"),
        _l("Offers lost before the start or on the day, by department, location and recruiter."),
        "reports/reneges.html",
        reneges,
    ),
    Report(
        "calibration",
        _l("Calibration of the warnings"),
        _l(
            "Of the candidates the portal warned about, how many were lost; of those lost, how "
            "many it warned about: for the status and each number of days not seen."
        ),
        "reports/calibration.html",
        lambda wanted, _choices: calibration(wanted),
    ),
)
BY_SLUG = {report.slug: report for report in REPORTS}
# The URL converter of the report pages: any('engagement', 'answer-times', …).
SLUGS = "any(" + ", ".join(f"'{report.slug}'" for report in REPORTS) + ")"


def totals() -> dict[Outcome, int]:
    """Every outcome recorded so far, by outcome (one query)."""
    counts = dict.fromkeys(Outcome, 0)
    for outcome, count in db.session.execute(
        select(CandidateOutcome.outcome, func.count()).group_by(CandidateOutcome.outcome)
    ):
        counts[Outcome(outcome)] = int(count)
    return counts
