"""Every form where a time zone is entered (the candidate's profile, HR's candidate and staff
forms, a recruiter's working hours) offers the same list: by country, with search, in the
reader's language ("Deutschland — Berlin"), and reads a label, a place or an IANA name into the
IANA name; anything else is refused beside the field (core/forms.TimeZoneField)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.core import time_zones
from portal.core.extensions import db
from portal.people.models import User, WorkingHours
from tests.support import post_form, sign_in

DATALIST = re.compile(r'<datalist id="time-zone-choices">(.*?)</datalist>', re.S)


def _hr(app, people, language: str = "en"):
    with app.app_context():
        db.session.get(User, people["ids"]["hr"]).language = language
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, people["emails"]["hr"]).status_code == 302
    return client


def _candidate(people, **changes: str) -> dict:
    return {
        "name": "Carla Candidate",
        "email": "carla@example.com",
        "time_zone": "America/New_York",
        "job_title": "Analyst",
        "joining_date": (date.today() + timedelta(days=40)).isoformat(),
        "joining_time": "09:00",
        "joining_time_zone": "America/New_York",
        "recruiter_id": str(people["ids"]["recruiter_a"]),
        **changes,
    }


def _input(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert found, f"no input {name}"
    return found.group(0)


def test_the_candidate_form_lists_zones_by_country_once_for_both_fields(app, people):
    hr = _hr(app, people)
    page = unescape(hr.get("/hr/candidates/new").get_data(as_text=True))
    assert len(DATALIST.findall(page)) == 1  # one list, two fields
    labels = re.findall(r'<option value="([^"]+)"></option>', DATALIST.search(page).group(1))
    assert "Germany — Berlin (most of Germany)" in labels and "Japan — Tokyo" in labels
    assert len(labels) < 450 and "Europe/Berlin" not in labels  # no raw IANA names
    for name in ("time_zone", "joining_time_zone"):
        field = _input(page, name)
        assert 'list="time-zone-choices"' in field and 'autocomplete="off"' in field
    assert "<select" not in page.split('name="time_zone"')[0][-300:]  # an input, not a select


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Germany — Berlin (most of Germany)", "Europe/Berlin"),
        ("japan - tokyo", "Asia/Tokyo"),  # any case, a plain hyphen
        ("Lisbon", "Europe/Lisbon"),  # a place that names one zone
        ("Asia/Kolkata", "Asia/Kolkata"),  # an IANA name, as the API takes it
    ],
)
def test_hr_adds_a_candidate_by_country_or_city_and_the_iana_name_is_saved(
    app, people, typed, zone
):
    hr = _hr(app, people)
    added = post_form(
        hr,
        "/hr/candidates/new",
        _candidate(people, time_zone=typed, joining_time_zone=typed),
        form_url="/hr/candidates/new",
    )
    assert added.status_code == 302, unescape(added.get_data(as_text=True))[:3000]
    with app.app_context():
        carla = db.session.scalars(select(User).where(User.email == "carla@example.com")).one()
        assert (carla.time_zone, carla.candidate_profile.joining_time_zone) == (zone, zone)
    # Editing shows the zone as the list names it.
    page = unescape(hr.get(added.headers["Location"] + "/edit").get_data(as_text=True))
    with app.test_request_context():
        label = time_zones.label(zone)
    assert f'value="{label}"' in _input(page, "time_zone")


def test_a_german_reader_picks_deutschland_and_sees_it_again(app, people):
    hr = _hr(app, people, language="de")
    page = unescape(hr.get("/hr/staff/new").get_data(as_text=True))
    labels = re.findall(r'<option value="([^"]+)"></option>', DATALIST.search(page).group(1))
    assert "Deutschland — Berlin (most of Germany)" in labels
    assert "Österreich — Vienna" in labels
    # Sorted as a German reader expects: Österreich among the O's.
    assert labels.index("Oman — Muscat") < labels.index("Österreich — Vienna")
    assert labels.index("Österreich — Vienna") < labels.index("Pakistan — Karachi")
    staff = {
        "name": "Greta Graf",
        "email": "greta@example.com",
        "time_zone": "Deutschland — Berlin (most of Germany)",
        "role": "recruiter",
        "phone": "",
    }
    added = post_form(hr, "/hr/staff/new", staff, form_url="/hr/staff/new")
    assert added.status_code == 302
    with app.app_context():
        greta = db.session.scalars(select(User).where(User.email == "greta@example.com")).one()
        assert greta.time_zone == "Europe/Berlin"
    page = unescape(hr.get(f"/hr/people/{greta.id}/edit").get_data(as_text=True))
    assert 'value="Deutschland — Berlin (most of Germany)"' in _input(page, "time_zone")


@pytest.mark.parametrize("typed", ["Atlantis", "Germany", "Mars/Olympus", "Europe"])
def test_a_zone_that_is_not_one_is_refused_beside_its_field(app, people, typed):
    """A country with two zones (Germany: Berlin, Busingen) is refused too, with the example."""
    hr = _hr(app, people)
    refused = post_form(
        hr,
        "/hr/candidates/new",
        _candidate(people, joining_time_zone=typed),
        form_url="/hr/candidates/new",
    )
    assert refused.status_code == 422
    page = unescape(refused.get_data(as_text=True))
    error = re.search(r'id="joining_time_zone-error">(.*?)</p>', page, re.S)
    assert error and "Choose a place from the list, such as Germany — Berlin." in error.group(1)
    field = _input(page, "joining_time_zone")
    assert f'value="{typed}"' in field and 'aria-invalid="true"' in field  # as typed
    assert 'id="time_zone-error"' not in page  # the other zone was fine
    with app.app_context():
        assert db.session.scalars(select(User).where(User.email == "carla@example.com")).all() == []


def test_a_german_reader_is_told_in_german(app, people):
    hr = _hr(app, people, language="de")
    staff = {"name": "Greta", "email": "g@example.com", "time_zone": "Atlantis", "role": "hr"}
    page = unescape(post_form(hr, "/hr/staff/new", staff, form_url="/hr/staff/new").text)
    error = re.search(r'id="time_zone-error">(.*?)</p>', page, re.S)
    assert error and "Deutschland — Berlin" in error.group(1), page[:3000]


def test_a_recruiters_working_hours_take_the_same_list(app, people):
    recruiter = app.test_client()
    assert sign_in(recruiter, people["emails"]["recruiter_a"]).status_code == 302
    page = unescape(recruiter.get("/recruiter/availability").get_data(as_text=True))
    assert 'list="time-zone-choices"' in _input(page, "time_zone")
    assert len(DATALIST.findall(page)) == 1
    hours = {"weekdays": ["0", "1", "2", "3", "4"], "starts": "09:00", "ends": "17:00"}
    saved = post_form(
        recruiter,
        "/recruiter/availability/hours",
        {**hours, "time_zone": "France — Paris", "holiday_calendar": ""},
        form_url="/recruiter/availability",
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(User, people["ids"]["recruiter_a"]).time_zone == "Europe/Paris"
        assert db.session.get(WorkingHours, people["ids"]["recruiter_a"]) is not None
    refused = post_form(
        recruiter,
        "/recruiter/availability/hours",
        {**hours, "time_zone": "Paris, Texas", "holiday_calendar": ""},
        form_url="/recruiter/availability",
    )
    assert refused.status_code == 422
    error = re.search(r'id="time_zone-error">(.*?)</p>', unescape(refused.text), re.S)
    assert error and "Choose a place from the list" in error.group(1)
