"""The calibration report against a seeded history whose right answer is known by construction.

Ten candidates, all offered 40 days before a joining moment ten days ago. Each came back every
second day, except for one silence of a chosen length; three were marked by the portal's
status (at risk, or quiet). Four were lost: A and D reneged, B and E did not show; the six
others were marked joined by the worker. So, by construction:

  candidate        A    B    C    D    E    F    G    H    I    J
  outcome          ren  no   join ren  no   join join join join join
  longest silence  8    12   7    5    2    2    3    2    4    2
  marked           risk           quiet     risk

  rule                    flagged            precision   recall
  marked at risk          A F                1 of 2      1 of 4
  marked quiet or risk    A D F              2 of 3      2 of 4
  not seen 3+ days        A B C D G I        3 of 6      3 of 4
  not seen 5+ days        A B C D            3 of 4      3 of 4
  not seen 7+ days        A B C              2 of 3      2 of 4
  not seen 10+ days       B                  1 of 1      1 of 4
  not seen 14+ days       nobody             —           0 of 4
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest

from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.outcomes.models import Outcome
from portal.outcomes.recording import record_outcome
from portal.people.models import Role, User
from portal.reports.calibration import calibration
from portal.reports.filters import ReportFilter
from portal.worker.loop import JOBS, Worker
from tests import support

JOINS = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
NOW = JOINS + timedelta(days=10)
OFFERED = JOINS - timedelta(days=40)

# name: (outcome, longest silence in days, status mark)
HISTORY = {
    "A": (Outcome.RENEGED, 8, "at_risk"),
    "B": (Outcome.NO_SHOW, 12, None),
    "C": (Outcome.JOINED, 7, None),
    "D": (Outcome.RENEGED, 5, "quiet"),
    "E": (Outcome.NO_SHOW, 2, None),
    "F": (Outcome.JOINED, 2, "at_risk"),
    "G": (Outcome.JOINED, 3, None),
    "H": (Outcome.JOINED, 2, None),
    "I": (Outcome.JOINED, 4, None),
    "J": (Outcome.JOINED, 2, None),
}
# rule: (flagged, flagged and lost, precision shown, recall shown)
EXPECTED = {
    "Marked at risk": (2, 1, "50%", "25%"),
    "Marked quiet or at risk": (3, 2, "67%", "50%"),
    "Not seen for 3 days or more": (6, 3, "50%", "75%"),
    "Not seen for 5 days or more": (4, 3, "75%", "75%"),
    "Not seen for 7 days or more": (3, 2, "67%", "50%"),
    "Not seen for 10 days or more": (1, 1, "100%", "25%"),
    "Not seen for 14 days or more": (0, 0, "—", "0%"),
}


def visits(silence: int) -> list[datetime]:
    """Every second day from the offer to the joining moment, with one gap of `silence` days
    (in the middle): the longest stretch without a sign of them is exactly that."""
    moments, day = [], 0.0
    while day <= 40:
        moments.append(OFFERED + timedelta(days=day))
        day += silence if 18 <= day < 20 else 2
    points = [*moments, JOINS]
    longest = max(later - earlier for earlier, later in zip(points, points[1:], strict=False))
    assert longest == timedelta(days=max(silence, 2))
    return moments


def seed(app) -> None:
    """The history, lived through the real operations: events as the portal writes them, the
    losses recorded by HR, the joinings marked by the worker's job."""
    with app.app_context():
        hr = support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        for name, (outcome, silence, mark) in HISTORY.items():
            person = support.make_candidate(
                f"{name.lower()}@example.com",
                rita,
                name=f"Candidate {name}",
                zone="UTC",
                joining_date=JOINS.date(),
                joining_time=time(9, 0),
                department="Sales" if name in "ABC" else "Engineering",
            )
            person.created_at = OFFERED
            for moment in visits(silence):
                events.record(person.id, EventKind.SIGNED_IN, at=moment)
            if mark:
                events.record(
                    person.id,
                    EventKind.STATUS_CHANGED,
                    data={"from": "engaged", "to": mark, "reasons": ["seeded"]},
                    at=JOINS - timedelta(days=15),
                )
            db.session.commit()
            if outcome is not Outcome.JOINED:
                record_outcome(person, outcome, hr)
                db.session.commit()
        db.session.remove()
    (ran,) = Worker(app, tuple(job for job in JOBS if job.name == "outcomes")).run_pass()
    assert ran.summary == "6 candidate(s) marked joined"


@pytest.fixture
def seeded(make_app):
    app = make_app(PORTAL_CLOCK=NOW)
    seed(app)
    return app


def test_precision_and_recall_per_rule_are_the_known_answer(seeded):
    with seeded.app_context():
        result = calibration(ReportFilter())
    assert (result.offers, result.joined, result.reneged, result.no_shows) == (10, 6, 2, 2)
    assert str(result.base_rate) == "40%" and result.few
    found = {
        rule.name: (rule.flagged, rule.flagged_lost, str(rule.precision), str(rule.recall))
        for rule in result.rules
    }
    assert found == EXPECTED
    seven = next(rule for rule in result.rules if rule.name.startswith("Not seen for 7"))
    assert (seven.precision.counts, seven.recall.counts) == ("2 of 3", "2 of 4")
    assert (seven.false_alarms, seven.missed) == (1, 2)
    assert seven.note == "today’s rule for quiet"  # ENGAGEMENT_RULES' quiet_after_days_unseen


def test_the_page_and_its_csv_say_the_same_numbers(seeded):
    client = seeded.test_client()
    assert support.sign_in(client, "helen@example.com").status_code == 302

    page = client.get("/hr/reports/calibration?joined_from=&joined_until=")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "10 offers: 6 joined, 2 reneged before start, 2 did not show." in html
    assert "Few cases:" in html  # four losses: fewer than ten
    seven = html.split('<th scope="row">Not seen for 7 days or more', 1)[1].split("</tr>", 1)[0]
    assert '67% <span class="muted share-counts">2 of 3, few</span>' in seven
    assert '50% <span class="muted share-counts">2 of 4, few</span>' in seven
    assert 'role="img" aria-label="Precision and recall of 7 rules over 10 offers' in html

    answer = client.get("/hr/reports/calibration.csv?joined_from=&joined_until=")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert 'filename="calibration-2026-09-01.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["Calibration of the warnings"]
    assert rows[1] == ["Counting: offers joining on any day"]
    header = rows.index(
        [
            "Rule",
            "Flagged",
            "Flagged and lost",
            "False alarms",
            "Lost, not flagged",
            "Precision",
            "Recall",
        ]
    )
    body = {row[0]: row[1:] for row in rows[header + 1 : header + 8]}
    assert body["Not seen for 7 days or more (today’s rule for quiet)"] == [
        "3",
        "2",
        "1",
        "2",
        "66.7%",
        "50.0%",
    ]
    assert body["Not seen for 14 days or more (today’s rule for at risk)"] == [
        "0",
        "0",
        "0",
        "4",
        "",
        "0.0%",
    ]
    assert ["Every offer", "10"] in rows


def test_filters_narrow_the_offers_counted(seeded):
    with seeded.app_context():
        sales = calibration(ReportFilter(department="Sales"))  # A, B, C
        later = calibration(ReportFilter(joined_from=JOINS.date() + timedelta(days=1)))
        rita = db.session.query(User).filter_by(email="rita@example.com").one()
        by_rita = calibration(ReportFilter(recruiter=rita.id))
    assert (sales.offers, sales.lost) == (3, 2)
    seven = next(rule for rule in sales.rules if rule.name.startswith("Not seen for 7"))
    assert (seven.flagged, seven.flagged_lost) == (3, 2)
    assert later.offers == 0 and str(later.base_rate) == "—"
    assert by_rita.offers == 10
