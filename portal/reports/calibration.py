"""The calibration report: how well the portal's warnings foretold the offers that were lost.

An offer is *lost* when the candidate reneged before their start or did not show. Each rule
*flags* candidates: the live status (marked at risk, or marked quiet or at risk, at any time
before the outcome), and "not seen for N days" at some point before it, for several N. For
each rule: how many were flagged, how many of those were lost (its precision: when it warns,
how often it is right), and how many of the lost it flagged (its recall: how many losses it
saw coming), with the counts beside every share so small numbers show as such.

One query over candidate_outcomes, whatever the numbers: the facts were stored with each
outcome (portal.outcomes.history).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, select

from portal.core.extensions import db
from portal.core.i18n import _, format_number, ngettext
from portal.outcomes.models import LOST, CandidateOutcome, Outcome
from portal.reports.charts import Bar, BarChart, Legend, bar_chart
from portal.reports.filters import ReportFilter, count_where
from portal.reports.tables import FEW, Share, Table

# Days without any sign of the candidate tried as thresholds, besides the ones in use.
THRESHOLDS = (3, 5, 7, 10, 14)


@dataclass(frozen=True)
class Rule:
    """One way of flagging candidates, and how it did."""

    name: str
    flagged: int
    flagged_lost: int
    lost: int  # every lost offer (the same for every rule)
    note: str = ""  # "today’s rule for quiet"

    @property
    def precision(self) -> Share:
        return Share(self.flagged_lost, self.flagged)

    @property
    def recall(self) -> Share:
        return Share(self.flagged_lost, self.lost)

    @property
    def false_alarms(self) -> int:
        return self.flagged - self.flagged_lost

    @property
    def missed(self) -> int:
        return self.lost - self.flagged_lost


@dataclass(frozen=True)
class Calibration:
    offers: int
    joined: int
    reneged: int
    no_shows: int
    rules: list[Rule]

    @property
    def lost(self) -> int:
        return self.reneged + self.no_shows

    @property
    def base_rate(self) -> Share:
        """How often an offer was lost at all: what a rule flagging at random would hit."""
        return Share(self.lost, self.offers)

    @property
    def few(self) -> bool:
        return self.lost < FEW

    @property
    def few_below(self) -> int:
        return FEW

    def chart(self) -> BarChart:
        rows = [
            (
                rule.name,
                [
                    Bar(_("Precision"), _said(rule.precision), [(rule.precision.value or 0, 1)]),
                    Bar(_("Recall"), _said(rule.recall), [(rule.recall.value or 0, 2)]),
                ],
            )
            for rule in self.rules
        ]
        return bar_chart(
            rows,
            summary=_(
                "Precision and recall of %(rules)s over %(offers)s, %(lost)s of them lost; the "
                "table below gives every number.",
                rules=ngettext("%(num)s rule", "%(num)s rules", len(self.rules)),
                offers=ngettext(
                    "%(count)s offer",
                    "%(count)s offers",
                    self.offers,
                    count=format_number(self.offers),
                ),
                lost=format_number(self.lost),
            ),
            legend=[
                Legend(_("Precision: of those flagged, the share lost"), 1),
                Legend(_("Recall: of those lost, the share flagged"), 2),
            ],
            top=1.0,
        )

    def tables(self) -> list[Table]:
        columns = [
            _("Rule"),
            _("Flagged"),
            _("Flagged and lost"),
            _("False alarms"),
            _("Lost, not flagged"),
            _("Precision"),
            _("Recall"),
        ]
        rows: list[list[Any]] = [
            [
                rule.name + (f" ({rule.note})" if rule.note else ""),
                rule.flagged,
                rule.flagged_lost,
                rule.false_alarms,
                rule.missed,
                rule.precision,
                rule.recall,
            ]
            for rule in self.rules
        ]
        totals = Table(
            _("Offers counted"),
            [_("Outcome"), _("Offers")],
            [
                [Outcome.JOINED.label, self.joined],
                [Outcome.RENEGED.label, self.reneged],
                [Outcome.NO_SHOW.label, self.no_shows],
                [_("Every offer"), self.offers],
            ],
        )
        return [Table(_("Every rule in numbers"), columns, rows), totals]


def _said(share: Share) -> str:
    return f"{share} ({share.counts})" if share.whole else "—"


def thresholds() -> list[int]:
    """THRESHOLDS and the days-not-seen the rules use today (ENGAGEMENT_RULES)."""
    rules = current_app.config["ENGAGEMENT_RULES"]
    used = {rules["quiet_after_days_unseen"], rules["at_risk_after_days_unseen"]}
    return sorted(set(THRESHOLDS) | used)


def calibration(wanted: ReportFilter) -> Calibration:
    """Every rule's flags against the outcomes in `wanted` (one query)."""
    outcome = CandidateOutcome.outcome
    lost = outcome.in_([str(value) for value in LOST])
    at_risk = CandidateOutcome.first_at_risk_at.is_not(None)
    quiet_or_at_risk = or_(at_risk, CandidateOutcome.first_quiet_at.is_not(None))
    days = thresholds()
    flags: list[tuple[str, ColumnElement[bool], str]] = [
        (_("Marked at risk"), at_risk, ""),
        (_("Marked quiet or at risk"), quiet_or_at_risk, ""),
    ]
    rules = current_app.config["ENGAGEMENT_RULES"]
    notes = {
        rules["quiet_after_days_unseen"]: _("today’s rule for quiet"),
        rules["at_risk_after_days_unseen"]: _("today’s rule for at risk"),
    }
    for day in days:
        silent = CandidateOutcome.longest_silence_days >= day
        name = ngettext(
            "Not seen for %(num)s day or more", "Not seen for %(num)s days or more", day
        )
        flags.append((name, silent, notes.get(day, "")))
    columns = [
        func.count().label("offers"),
        count_where(outcome == Outcome.RENEGED),
        count_where(outcome == Outcome.NO_SHOW),
    ]
    for _name, condition, _note in flags:
        columns += [count_where(condition), count_where(and_(condition, lost))]
    row = db.session.execute(select(*columns).where(*wanted.where())).one()
    offers, reneged, no_shows = int(row[0]), int(row[1]), int(row[2])
    found = []
    for index, (name, _condition, note) in enumerate(flags):
        flagged, flagged_lost = int(row[3 + 2 * index]), int(row[4 + 2 * index])
        found.append(Rule(name, flagged, flagged_lost, reneged + no_shows, note))
    return Calibration(offers, offers - reneged - no_shows, reneged, no_shows, found)
