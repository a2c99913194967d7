"""HR's report pages and their CSV files, over outcomes whose facts are set by hand (as rows
outlive their candidates, pointing at nobody): each figure is the one its rows make; filters
that cannot be read are refused beside their field; a cell that starts like a formula is
quoted in the CSV file; nobody but HR sees a report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.core.extensions import db
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.people.models import Role
from tests import support

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def outcome(
    outcome: Outcome,
    joining: date,
    *,
    department: str = "Sales",
    location: str = "Paris",
    recruiter_id: int | None = None,
    active_weeks: int = 0,
    offered_weeks: int = 8,
    answers: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0),
    at_risk: bool = False,
    quiet: bool = False,
) -> CandidateOutcome:
    starts = datetime.combine(joining, datetime.min.time(), tzinfo=UTC).replace(hour=9)
    row = CandidateOutcome(
        candidate_id=None,
        outcome=str(outcome),
        automatic=outcome is Outcome.JOINED,
        recorded_at=starts,
        offered_at=starts - timedelta(days=60),
        joining_date=joining,
        joining_at=starts,
        department=department,
        location=location,
        recruiter_id=recruiter_id,
        facts_until=starts,
        first_at_risk_at=starts - timedelta(days=3) if at_risk else None,
        first_quiet_at=starts - timedelta(days=9) if quiet else None,
        longest_silence_days=2,
        active_weeks=active_weeks,
        offered_weeks=offered_weeks,
        promise_hours=24,
    )
    (
        row.answers_within_quarter,
        row.answers_within_half,
        row.answers_within_promise,
        row.answers_late,
        row.questions_unanswered,
    ) = answers
    return row


@pytest.fixture
def world(make_app):
    app = make_app(PORTAL_CLOCK=NOW)
    with app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        july, august = date(2026, 7, 15), date(2026, 8, 10)
        db.session.add_all(
            [
                # Sales, Rita's: joined, joined, reneged (active only early), no-show.
                outcome(
                    Outcome.JOINED,
                    july,
                    recruiter_id=rita.id,
                    active_weeks=0b11111111,
                    answers=(2, 1, 0, 0, 0),
                ),
                outcome(
                    Outcome.JOINED,
                    august,
                    recruiter_id=rita.id,
                    active_weeks=0b00000011,
                    answers=(0, 0, 1, 1, 0),
                    quiet=True,
                ),
                outcome(
                    Outcome.RENEGED,
                    august,
                    recruiter_id=rita.id,
                    active_weeks=0b11110000,
                    answers=(0, 0, 0, 1, 1),
                    at_risk=True,
                ),
                outcome(Outcome.NO_SHOW, august, recruiter_id=rita.id, offered_weeks=2),
                # Elsewhere, no recruiter; a department named like a formula.
                outcome(Outcome.JOINED, august, department="=HYPERLINK(1)", location="Lyon"),
                # Long ago: outside the default period of the last 12 months.
                outcome(Outcome.RENEGED, date(2025, 6, 1), department="Old", location="Old"),
            ]
        )
        db.session.commit()
        ids = {"rita": rita.id}
    client = app.test_client()
    assert support.sign_in(client, "helen@example.com").status_code == 302
    return app, client, ids


def text(page) -> str:
    return page.get_data(as_text=True)


def csv_rows(client, path: str) -> list[list[str]]:
    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "text/csv", answer.status_code
    return list(csv.reader(io.StringIO(text(answer))))


def test_the_list_of_reports_counts_every_outcome(world):
    _app, client, _ids = world
    page = text(client.get("/hr/reports"))
    assert "6 offers with an outcome so far: 3 joined, 2 reneged before start, 1 no-show." in page
    for path in ("engagement", "answer-times", "reneges", "calibration"):
        assert f'href="/hr/reports/{path}"' in page
    assert 'href="/hr/reports" aria-current="page">Reports</a>' in page  # in the menu


def test_reneges_by_department_location_and_recruiter(world):
    _app, client, ids = world
    page = text(client.get("/hr/reports/reneges"))  # the last 12 months: not the old one
    assert "5 offers: 3 joined, 1 reneged before start, 1 did not show (40% lost, 2 of 5)." in page
    assert 'role="img" aria-label="Share of offers lost by department, over 2 departments' in page
    rows = csv_rows(client, "/hr/reports/reneges.csv")
    assert rows[1] == ["Counting: offers joining from 2 Sep 2025"]
    header = rows.index(
        ["Department", "Offers", "Joined", "Reneged before start", "No-show", "Lost"]
    )
    assert rows[header + 1] == ["Sales", "4", "2", "1", "1", "50.0%"]
    assert rows[header + 2] == ["'=HYPERLINK(1)", "1", "1", "0", "0", "0.0%"]  # quoted
    assert ["Rita Recruiter", "4", "2", "1", "1", "50.0%"] in rows
    assert ["No recruiter", "1", "1", "0", "0", "0.0%"] in rows

    narrowed = text(client.get(f"/hr/reports/reneges?recruiter={ids['rita']}&location=Paris"))
    assert "4 offers: 2 joined" in narrowed
    everything = text(client.get("/hr/reports/reneges?joined_from=&joined_until="))
    assert "6 offers: 3 joined, 2 reneged before start" in everything


def test_engagement_over_time_by_week_and_month(world):
    _app, client, _ids = world
    rows = csv_rows(client, "/hr/reports/engagement.csv")
    header = rows.index(["Week before the outcome", "Joined", "Reneged before start", "No-show"])
    week1 = rows[header + 1]
    # Joined: 2 of 3 active in the last week (the Lyon one never was); the reneged one was
    # active early only; the no-show never, and had an offer for two weeks only.
    assert week1 == ["Week 1 (days 1 to 7 before)", "66.7%", "0.0%", "0.0%"]
    week8 = rows[header + 8]
    assert week8 == ["Week 8 (days 50 to 56 before)", "33.3%", "100.0%", ""]  # no-show: 2 weeks
    months = rows.index(["Month", "Offers", "Marked at risk", "Marked quiet or at risk", "Lost"])
    assert ["July 2026", "1", "0.0%", "0.0%", "0.0%"] in rows[months:]
    assert ["August 2026", "4", "25.0%", "50.0%", "50.0%"] in rows[months:]
    page = text(client.get("/hr/reports/engagement"))
    assert page.count('class="chart-svg"') == 2
    assert "<polyline" in page


def test_answer_times_against_the_promise(world):
    _app, client, ids = world
    page = text(client.get(f"/hr/reports/answer-times?recruiter={ids['rita']}"))
    # Rita's: 2 within a quarter, 1 within half, 1 within the promise, 2 late, 1 waiting.
    assert "57% of the waits (4 of 7) were answered within it." in page
    rows = csv_rows(client, f"/hr/reports/answer-times.csv?recruiter={ids['rita']}")
    assert ["Within 6 hours (a quarter of the promise)", "2", "28.6%"] in rows
    assert ["Later than promised", "2", "28.6%"] in rows
    assert ["Still waiting past the promise at the outcome", "1", "14.3%"] in rows
    assert ["Rita Recruiter", "7", "57.1%", "2", "1"] in rows


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("joined_from=2026-08-01&joined_until=2026-07-01", "joined_until", "before the first"),
        ("joined_from=yesterday", "joined_from", "Not a valid date value"),
        ("department=Marketing", "department", "Choose a department from the list."),
        ("location=Mars", "location", "Choose a location from the list."),
        ("recruiter=abc", "recruiter", "Choose a recruiter from the list."),
        ("recruiter=99999999999", "recruiter", "Choose a recruiter from the list."),
    ],
)
def test_a_filter_that_cannot_be_read_is_refused_beside_its_field(world, query, field, message):
    _app, client, _ids = world
    for path in ("/hr/reports/calibration", "/hr/reports/calibration.csv"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 422 and answer.mimetype == "text/html"
        error = text(answer).split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
        assert message in error


def test_only_hr_sees_the_reports(world):
    app, _client, ids = world
    with app.app_context():
        support.make_candidate(
            "cara@example.com", None, name="Cara", joining_date=date(2026, 10, 1)
        )
    for email, expected in (("rita@example.com", 404), ("cara@example.com", 404)):
        client = app.test_client()
        assert support.sign_in(client, email).status_code == 302
        for path in ("/hr/reports", "/hr/reports/calibration", "/hr/reports/reneges.csv"):
            assert client.get(path).status_code == expected, (email, path)
    anonymous = app.test_client().get("/hr/reports/engagement.csv")
    assert anonymous.status_code == 302 and "/sign-in?next=" in anonymous.location
    assert app.test_client().get("/hr/reports/unknown").status_code in (302, 404)
