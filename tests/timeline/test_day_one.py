"""Day one, first: HR describes each location's first day (address, whom to ask for, what to
bring, dress code, agenda) and may change any of it for one candidate; the candidate's home
leads with it, in their own time zone, with a map link, and the calendar file says the same.
On the day itself the home says "Today: see you at 09:30"."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import AuditEntry, CandidateProfile, Role, User
from portal.timeline import day_one
from portal.timeline.models import DayOneOverride, DayOnePlan
from tests.support import make_candidate, make_staff, post_form, sign_in

JOINING = date(2031, 3, 3)  # a Monday
BERLIN_PLAN = {
    "location": "Berlin",
    "address": "Friedrichstraße 68\n10117 Berlin",
    "ask_for": "Ask for Lena Vogel at the front desk",
    "bring": "- Your passport\n• Your bank details\n\nA pen",
    "dress_code": "Casual: jeans are fine",
    "agenda": "09:30 Welcome coffee\n10:00 – Laptop and badge\nLunch with your buddy",
}


@pytest.fixture
def site(make_app):
    app = make_app()
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        for email, name, location in (
            ("anna@example.com", "Anna Becker", "Berlin"),
            ("ben@example.com", "Ben Okafor", " berlin "),  # as HR typed it: any case
            ("carl@example.com", "Carl Ode", "Paris"),
        ):
            make_candidate(
                email,
                None,
                name=name,
                zone="America/New_York",
                joining_date=JOINING,
                joining_time=time(9, 30),
                joining_zone="Europe/Berlin",
                location=location,
            )
        db.session.commit()
        app.ids = {u.email: u.id for u in db.session.scalars(select(User))}
    return app


def _signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _sequence(app, email: str) -> int:
    with app.app_context():
        return db.session.scalars(
            select(CandidateProfile.calendar_sequence).where(
                CandidateProfile.user_id == app.ids[email]
            )
        ).one()


def _hero(page: str) -> str:
    return page.split('<section class="panel day-one"', 1)[1].split("</section>", 1)[0]


def _calendar(client) -> Calendar:
    response = client.get("/candidate/calendar.ics")
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.get_data()).walk("VEVENT")
    return event


def test_hr_describes_a_location_and_everyone_joining_there_sees_it(site):
    hr = _signed_in(site, "hr@example.com")
    before = {email: _sequence(site, email) for email in ("anna@example.com", "carl@example.com")}
    saved = post_form(hr, "/hr/day-one/new", BERLIN_PLAN)
    assert saved.status_code == 302
    listing = hr.get("/hr/day-one").get_data(as_text=True)
    assert "Berlin" in listing and "3 items" in listing

    hero = _hero(_signed_in(site, "anna@example.com").get("/candidate/").get_data(as_text=True))
    assert '<h2 id="day-one-heading">Your first day</h2>' in hero
    # Her own zone first (New York: 03:30), then the workplace's.
    when = re.search(r'<p class="joining-when">(.*?)</p>', hero, re.S)
    assert when is not None
    assert when.group(1).index("Monday 3 March 2031, 03:30 EST") < when.group(1).index(
        "Monday 3 March 2031, 09:30 CET at the workplace"
    )
    assert "Friedrichstraße 68\n10117 Berlin</address>" in hero
    link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener noreferrer">Show', hero)
    assert link is not None
    url = urlsplit(unescape(link.group(1)))
    assert (url.scheme, url.netloc, url.path) == ("https", "www.openstreetmap.org", "/search")
    assert parse_qs(url.query)["query"] == ["Friedrichstraße 68 10117 Berlin"]
    assert "Ask for Lena Vogel at the front desk" in hero
    bring = re.findall(r"<li>([^<]+)</li>", hero.split('class="day-one-bring"', 1)[1])[:3]
    assert bring == ["Your passport", "Your bank details", "A pen"]
    assert "Casual: jeans are fine" in hero
    agenda = hero.split('class="day-one-agenda"', 1)[1]
    found = r'<span class="day-one-time">([\d:]+)</span> <span class="day-one-what">([^<]+)</span>'
    assert re.findall(found, agenda) == [
        ("09:30", "Welcome coffee"),
        ("10:00", "Laptop and badge"),
    ]
    assert '<li><span class="day-one-what">Lunch with your buddy</span></li>' in agenda
    assert "(times at the workplace)" in hero  # New York is not Berlin

    # " berlin " on Ben's profile is Berlin too; Carl (Paris) sees nothing of it.
    assert "Friedrichstraße" in _signed_in(site, "ben@example.com").get("/candidate/").text
    carl = _signed_in(site, "carl@example.com").get("/candidate/").get_data(as_text=True)
    assert "Friedrichstraße" not in carl and "day-one-agenda" not in carl
    # Berlin's calendar files are new versions; Paris's is untouched.
    assert _sequence(site, "anna@example.com") == before["anna@example.com"] + 1
    assert _sequence(site, "carl@example.com") == before["carl@example.com"]


def test_the_calendar_file_says_what_the_home_page_says(site):
    hr = _signed_in(site, "hr@example.com")
    assert post_form(hr, "/hr/day-one/new", BERLIN_PLAN).status_code == 302
    anna = _signed_in(site, "anna@example.com")
    event = _calendar(anna)
    assert str(event["LOCATION"]) == "Berlin, Friedrichstraße 68, 10117 Berlin"
    description = str(event["DESCRIPTION"])
    for line in (
        "Where: Berlin, Friedrichstraße 68, 10117 Berlin",
        "Map: https://www.openstreetmap.org/search?query=Friedrichstra%C3%9Fe+68+10117+Berlin",
        "At reception: Ask for Lena Vogel at the front desk",
        "What to bring:\n- Your passport\n- Your bank details\n- A pen",
        "Dress code: Casual: jeans are fine",
        "The day:\n09:30 Welcome coffee\n10:00 Laptop and badge\n- Lunch with your buddy",
    ):
        assert line in description, description
    # The same values as the page: one source for both.
    with site.app_context():
        shown = day_one.day_one_for(db.session.get(User, site.ids["anna@example.com"]))
    assert shown.bring == ("Your passport", "Your bank details", "A pen")


def test_one_candidates_own_values_win_field_by_field(site):
    hr = _signed_in(site, "hr@example.com")
    post_form(hr, "/hr/day-one/new", BERLIN_PLAN)
    anna_id = site.ids["anna@example.com"]
    sequence = _sequence(site, "anna@example.com")
    page = hr.get(f"/hr/people/{anna_id}/day-one").get_data(as_text=True)
    assert "Berlin's: <span" in page  # the location's value shown under each blank field
    own = {"ask_for": "Ask for Jonas, your buddy, at gate 2", "dress_code": "", "address": ""}
    saved = post_form(hr, f"/hr/people/{anna_id}/day-one", {**own, "bring": "", "agenda": ""})
    assert saved.status_code == 302
    assert _sequence(site, "anna@example.com") == sequence + 1

    hero = _hero(_signed_in(site, "anna@example.com").get("/candidate/").text)
    assert "Ask for Jonas, your buddy, at gate 2" in hero
    assert "Ask for Lena Vogel" not in hero
    assert "Friedrichstraße 68" in hero  # still Berlin's address
    ben = _hero(_signed_in(site, "ben@example.com").get("/candidate/").text)
    assert "Ask for Lena Vogel" in ben  # nobody else's changes
    ics = str(_calendar(_signed_in(site, "anna@example.com"))["DESCRIPTION"])
    assert "At reception: Ask for Jonas, your buddy, at gate 2" in ics

    with site.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "day_one.changed")
        ).all()
        assert [(e.field, e.new_value) for e in entries] == [("ask_for", own["ask_for"])]
    # Blank again: back to Berlin's, and nothing of her own is kept.
    blank = dict.fromkeys(("address", "ask_for", "bring", "dress_code", "agenda"), "")
    post_form(hr, f"/hr/people/{anna_id}/day-one", blank)
    with site.app_context():
        assert db.session.get(DayOneOverride, anna_id) is None
    assert "Ask for Lena Vogel" in _hero(
        _signed_in(site, "anna@example.com").get("/candidate/").text
    )


def test_on_the_day_the_home_says_see_you_at(site):
    site.config["PORTAL_CLOCK"] = datetime(2031, 3, 3, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    hero = _hero(_signed_in(site, "anna@example.com").get("/candidate/").text)
    assert '<h2 id="day-one-heading">Today: see you at 09:30</h2>' in hero
    site.config["PORTAL_CLOCK"] = datetime(2031, 3, 3, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    hero = _hero(_signed_in(site, "anna@example.com").get("/candidate/").text)
    assert "Your first day has begun" in hero and "Today: see you" not in hero
    site.config["PORTAL_CLOCK"] = datetime(2031, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    hero = _hero(_signed_in(site, "anna@example.com").get("/candidate/").text)
    assert '<h2 id="day-one-heading">Your first day</h2>' in hero


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("location", "", "Enter the location, as on the candidates' profiles."),
        ("location", "x" * 81, "The location has at most 80 characters (81 now)."),
        ("address", "a" * 301, "Keep it to 300 characters or fewer (301 now)."),
        ("ask_for", "a" * 201, "Whom to ask for has at most 200 characters (201 now)."),
        ("agenda", "25:00 Party", "Line 1 starts with a time that is not one"),
        ("agenda", "09:30", "Line 1: say what happens after the time."),
        ("agenda", "\n".join(f"{h:02d}:00 Talk" for h in range(21)), "20 lines or fewer"),
        ("bring", "b" * 1001, "Keep it to 1,000 characters or fewer (1,001 now)."),
    ],
)
def test_a_value_that_cannot_be_used_is_said_beside_its_field(site, field, value, said):
    hr = _signed_in(site, "hr@example.com")
    response = post_form(hr, "/hr/day-one/new", {**BERLIN_PLAN, field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert error is not None and said in unescape(error.group(1)), page[:3000]
    with site.app_context():
        assert db.session.scalars(select(DayOnePlan)).first() is None  # nothing half-saved
    if field != "location":  # what was typed comes back
        assert BERLIN_PLAN["dress_code"] in page


def test_one_location_has_one_plan_whatever_the_case(site):
    hr = _signed_in(site, "hr@example.com")
    post_form(hr, "/hr/day-one/new", BERLIN_PLAN)
    again = post_form(hr, "/hr/day-one/new", {**BERLIN_PLAN, "location": "BERLIN"})
    assert again.status_code == 422
    assert "Berlin already has a first day: change that one instead." in unescape(again.text)


def test_deleting_a_plan_asks_first_then_the_candidates_see_it_go(site):
    hr = _signed_in(site, "hr@example.com")
    post_form(hr, "/hr/day-one/new", BERLIN_PLAN)
    with site.app_context():
        plan_id = db.session.scalars(select(DayOnePlan.id)).one()
    sequence = _sequence(site, "anna@example.com")
    asked = post_form(hr, f"/hr/day-one/{plan_id}/delete", {}, form_url="/hr/day-one")
    assert asked.status_code == 200 and "Delete the first day in Berlin?" in asked.text
    done = post_form(
        hr, f"/hr/day-one/{plan_id}/delete", {"confirmed": "1"}, form_url="/hr/day-one"
    )
    assert done.status_code == 302
    assert "Friedrichstraße" not in _signed_in(site, "anna@example.com").get("/candidate/").text
    assert _sequence(site, "anna@example.com") == sequence + 1


def test_the_agenda_and_the_list_of_things_are_read_line_by_line():
    items = day_one.agenda_items("9.15 Coffee\n  \n13:00 — Lunch\nTour of the floor")
    assert [(i.at, i.what) for i in items] == [
        (time(9, 15), "Coffee"),
        (time(13, 0), "Lunch"),
        (None, "Tour of the floor"),
    ]
    assert day_one.bring_items("* ID\n\n- Laptop bag\n•  Pen") == ("ID", "Laptop bag", "Pen")
    plan = DayOnePlan(address="A", ask_for="B", bring="C", dress_code="D", agenda="E")
    own = DayOneOverride(candidate_id=1, ask_for="Mine")
    resolved = day_one.resolve(plan, own)
    assert (resolved.address, resolved.ask_for) == ("A", "Mine")
    assert day_one.resolve(None, None).is_empty
    assert day_one.resolve(None, None).map_url is None
