"""Milestones counted in working days: weekends and public holidays of the joining location's
calendar are skipped, so "3 working days before" never lands on a Saturday or on 25 December;
a location with no calendar of its own uses the default one. The candidate's timeline, the
milestone's own page and HR's pages show the day worked out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.core.config import ConfigError, from_environment
from portal.core.extensions import db
from portal.people.models import Role, User
from portal.timeline import milestones as timeline
from portal.timeline import workdays
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import MilestoneTemplate
from portal.timeline.workdays import WorkingCalendar
from tests.support import make_candidate, make_staff, post_form, sign_in

BERLIN = WorkingCalendar("DE", "BE")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CALENDARS = {
    "WORKING_CALENDARS": {"Berlin": {"country": "DE", "subdiv": "BE"}},
    "WORKING_CALENDAR_DEFAULT": {"country": "GB", "subdiv": "ENG"},
}


# --- The arithmetic -----------------------------------------------------------------------------


def test_three_working_days_before_a_monday_is_the_wednesday_before():
    monday = date(2026, 12, 7)
    assert workdays.shift(monday, -3, BERLIN) == date(2026, 12, 2)
    assert workdays.shift(monday, -1, BERLIN) == date(2026, 12, 4)  # Friday, not Sunday
    assert workdays.shift(monday, 0, BERLIN) == monday
    assert workdays.shift(date(2026, 12, 4), 1, BERLIN) == monday  # after a Friday: Monday


def test_christmas_and_boxing_day_are_skipped_in_germany():
    monday = date(2026, 12, 28)
    # Sun 27, Sat 26 (a holiday too), Fri 25 (Christmas) skipped: Thu 24, Wed 23, Tue 22.
    assert workdays.shift(monday, -3, BERLIN) == date(2026, 12, 22)
    assert workdays.shift(monday, -1, BERLIN) == date(2026, 12, 24)
    assert workdays.shift(date(2026, 12, 24), 1, BERLIN) == monday
    assert BERLIN.holiday(date(2026, 12, 25))
    for n in range(1, 30):
        for direction in (-1, 1):
            day = workdays.shift(monday, n * direction, BERLIN)
            assert day.weekday() < 5 and day not in (date(2026, 12, 25), date(2026, 12, 26))


def test_the_weekend_is_the_countrys_own():
    israel = WorkingCalendar("IL")
    friday, sunday = date(2026, 11, 6), date(2026, 11, 8)
    assert not israel.is_working_day(friday) and israel.is_working_day(sunday)
    assert BERLIN.is_working_day(friday) and not BERLIN.is_working_day(sunday)


def test_a_location_with_no_calendar_of_its_own_uses_the_default():
    calendars = workdays.read_config(CALENDARS)
    assert calendars.for_location("  berlin ") == BERLIN
    assert calendars.for_location("Atlantis") == WorkingCalendar("GB", "ENG")
    assert calendars.for_location(None) == WorkingCalendar("GB", "ENG")
    # Monday 31 August 2026 is a bank holiday in England, not in Berlin.
    tuesday = date(2026, 9, 1)
    assert workdays.shift(tuesday, -1, calendars.for_location("Atlantis")) == date(2026, 8, 28)
    assert workdays.shift(tuesday, -1, calendars.for_location("Berlin")) == date(2026, 8, 31)


def test_calendars_come_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("WORKING_CALENDARS", '{"Oslo": {"country": "NO"}}')
    monkeypatch.setenv("WORKING_CALENDAR_DEFAULT", '{"country": "FR"}')
    settings = from_environment()
    calendars = workdays.read_config(settings)
    assert calendars.for_location("Oslo") == WorkingCalendar("NO")
    assert calendars.for_location("Berlin") == WorkingCalendar("FR")
    monkeypatch.setenv("WORKING_CALENDARS", "Oslo=NO")
    with pytest.raises(ConfigError, match="WORKING_CALENDARS must be JSON"):
        from_environment()


@pytest.mark.parametrize(
    ("config", "said"),
    [
        ({"WORKING_CALENDARS": {"Mars": {"country": "XX"}}}, "WORKING_CALENDARS['Mars']"),
        ({"WORKING_CALENDARS": {"Berlin": {"country": "DE", "subdiv": "ZZ"}}}, "ZZ"),
        ({"WORKING_CALENDARS": {"Berlin": "DE"}}, 'needs a "country"'),
        ({"WORKING_CALENDAR_DEFAULT": {}}, "WORKING_CALENDAR_DEFAULT"),
    ],
)
def test_a_calendar_the_holidays_package_does_not_know_stops_the_start(make_app, config, said):
    with pytest.raises(ConfigError) as refused:
        make_app(**config)
    assert said in str(refused.value)


# --- The timeline and the pages -----------------------------------------------------------------


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW, **CALENDARS)


@pytest.fixture
def cast(app):
    """HR, and Bea, who joins in Berlin on Monday 28 December 2026."""
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        bea = make_candidate(
            "bea@example.com",
            None,
            name="Bea B",
            joining_date=date(2026, 12, 28),
            joining_zone="Europe/Berlin",
            location="Berlin",
        )
        db.session.commit()
        return {"hr": hr.id, "bea": bea.id}


def _add(app, hr_id, values: MilestoneFields) -> int:
    with app.app_context():
        row = timeline.create_template(db.session.get(User, hr_id), values)
        db.session.commit()
        return row.id


def test_the_candidate_sees_the_working_day_not_the_holiday(app, cast):
    template_id = _add(
        app, cast["hr"], MilestoneFields("Send your documents", -3, working_days=True)
    )
    _add(app, cast["hr"], MilestoneFields("Calendar days, for comparison", -3))
    with app.app_context():
        items = timeline.candidate_timeline(db.session.get(User, cast["bea"]), NOW)
    days = {item.title: item.day for item in items}
    assert days == {
        "Send your documents": date(2026, 12, 22),
        "Calendar days, for comparison": date(2026, 12, 25),
    }
    client = app.test_client()
    assert sign_in(client, "bea@example.com").status_code == 302
    home = client.get("/candidate/").get_data(as_text=True)
    assert '<time datetime="2026-12-22">Tuesday 22 December 2026</time>' in home
    page = client.get(f"/candidate/timeline/{template_id}").get_data(as_text=True)
    assert "Tuesday 22 December 2026" in page and "3 working days before joining" in page


def test_hr_chooses_working_days_in_the_template_editor(app, cast):
    hr = app.test_client()
    assert sign_in(hr, "hr@example.com").status_code == 302
    form = hr.get("/hr/timeline/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="working_days"[^>]*type="checkbox"', form) or re.search(
        r'<input[^>]*type="checkbox"[^>]*id="working_days"', form
    )
    assert 'aria-describedby="working_days-hint"' in form
    answer = post_form(
        hr,
        "/hr/timeline/new",
        {
            "title": "Send your documents",
            "day_offset": "-3",
            "working_days": "y",
            "time_of_day": "",
            "details": "",
        },
    )
    assert answer.status_code == 302
    with app.app_context():
        row = db.session.scalars(select(MilestoneTemplate)).one()
        assert (row.day_offset, row.working_days) == (-3, True)
    listing = hr.get("/hr/timeline").get_data(as_text=True)
    assert "3 working days before joining" in listing
    # Bea's timeline, as HR sees it: the day worked out on Berlin's calendar, and which one.
    page = hr.get(f"/hr/people/{cast['bea']}/timeline").get_data(as_text=True)
    assert "Tuesday 22 December 2026" in page and "3 working days before joining" in page
    assert "DE (Berlin)" in page
    # Back to calendar days: unticked, the box sends nothing.
    answer = post_form(
        hr,
        f"/hr/timeline/{row.id}/edit",
        {"title": "Send your documents", "day_offset": "-3", "time_of_day": "", "details": ""},
    )
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(MilestoneTemplate, row.id).working_days is False
    page = hr.get(f"/hr/people/{cast['bea']}/timeline").get_data(as_text=True)
    assert "Friday 25 December 2026" in page and "3 days before joining" in page


def test_a_candidates_own_version_may_count_working_days(app, cast):
    template_id = _add(app, cast["hr"], MilestoneFields("Send your documents", -3))
    with app.app_context():
        bea = db.session.get(User, cast["bea"])
        row = db.session.get(MilestoneTemplate, template_id)
        changes = timeline.change_for_candidate(
            db.session.get(User, cast["hr"]),
            bea,
            row,
            MilestoneFields("Send your documents", -3, working_days=True),
        )
        db.session.commit()
        assert changes == {"working_days": (False, True)}
        (item,) = timeline.candidate_timeline(bea, NOW)
        assert (item.day, item.changed, item.when) == (
            date(2026, 12, 22),
            True,
            "3 working days before joining",
        )
