"""A candidate's profile: what to call them, pronouns, language, time zone (picked by country
or city from the tz database's list, not 597 raw names) and how often to hear from us, on one
page, saved with a confirmation that says what changed. Greetings use the preferred name;
staff see it with the pronouns."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.core import time_zones
from portal.core.extensions import db
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import AuditEntry, Role, User
from tests.support import make_candidate, make_staff, post_form, sign_in

FORM = {
    "preferred_name": "Ali",
    "pronouns": "she/her",
    "language": "en",
    "time_zone": "Asia/Tokyo",
    "mail_preference": "weekly_summary",
}


@pytest.fixture
def site(make_app):
    app = make_app()
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        alice = make_candidate("alice@example.com", rita, name="Alice Martin", zone="Europe/Paris")
        db.session.commit()
        app.alice = alice.id
    return app


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _alice(app) -> User:
    with app.app_context():
        user = db.session.get(User, app.alice)
        db.session.expunge(user)
        return user


def test_one_page_saves_everything_and_says_what_changed(site):
    alice = _client(site, "alice@example.com")
    page = alice.get("/candidate/profile").get_data(as_text=True)
    assert 'aria-current="page"' in page.split('href="/candidate/profile"', 1)[1][:40]
    assert "Now: France — Paris." in page
    saved = post_form(alice, "/candidate/profile", FORM)
    assert saved.status_code == 302
    shown = alice.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved: your preferred name, pronouns, time zone, email choice." in unescape(shown), (
        shown[:2000]
    )
    user = _alice(site)
    assert (user.preferred_name, user.pronouns, user.time_zone) == ("Ali", "she/her", "Asia/Tokyo")
    with site.app_context():
        assert db.session.get(User, site.alice).profile.mail_preference == "weekly_summary"
        fields = db.session.scalars(
            select(AuditEntry.field).where(AuditEntry.action == "candidate.profile_changed")
        ).all()
    assert sorted(fields) == ["preferred_name", "pronouns", "time_zone"]
    # The same again: nothing changed, and it says so.
    again = post_form(alice, "/candidate/profile", FORM)
    assert "Nothing changed." in alice.get(again.headers["Location"]).get_data(as_text=True)


def test_the_greeting_uses_the_preferred_name_and_staff_see_the_pronouns(site):
    alice = _client(site, "alice@example.com")
    post_form(alice, "/candidate/profile", FORM)
    assert "<h1>Hello, Ali</h1>" in alice.get("/candidate/").get_data(as_text=True)
    hr = _client(site, "hr@example.com")
    person = hr.get(f"/hr/people/{site.alice}").get_data(as_text=True)
    assert "Goes by Ali · Pronouns: she/her" in person
    rita = _client(site, "rita@example.com")
    row = rita.get(f"/recruiter/candidates/{site.alice}").get_data(as_text=True)
    assert "Goes by Ali · Pronouns: she/her" in row


def test_a_zone_is_picked_by_country_or_city_and_its_label_works_too(site):
    alice = _client(site, "alice@example.com")
    page = unescape(alice.get("/candidate/profile").get_data(as_text=True))
    listed = re.search(r'<datalist id="time-zone-choices">(.*?)</datalist>', page, re.S)
    assert listed is not None
    labels = re.findall(r'<option value="([^"]+)"></option>', listed.group(1))
    assert "Germany — Berlin (most of Germany)" in labels
    assert "India — Kolkata" in labels
    assert len(labels) < 450  # the tz database's list by country, not every raw name
    # The input shows the zone as the list does, not its IANA name.
    assert 'list="time-zone-choices"' in page and 'value="France — Paris"' in page
    labelled = {**FORM, "time_zone": "germany — berlin (most of germany)"}
    post_form(alice, "/candidate/profile", labelled)
    assert _alice(site).time_zone == "Europe/Berlin"
    assert time_zones.label("Europe/Berlin") in unescape(alice.get("/candidate/profile").text)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("time_zone", "Germany", "Choose a place from the list, such as Germany — Berlin."),
        ("time_zone", "Mars/Olympus", "Choose a place from the list"),
        ("language", "xx", "Choose one of the languages in the list."),
        ("mail_preference", "hourly", "Choose one of the three options."),
        ("preferred_name", "1234", "A name needs at least one letter."),
        ("preferred_name", "A" * 121, "A name has at most 120 characters (121 now)."),
        ("pronouns", "x" * 41, "The pronouns entry has at most 40 characters (41 now)."),
    ],
)
def test_a_value_that_cannot_be_saved_is_said_beside_its_field(site, field, value, said):
    alice = _client(site, "alice@example.com")
    response = post_form(alice, "/candidate/profile", {**FORM, field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert error is not None and said in unescape(error.group(1)), page[:3000]
    user = _alice(site)
    assert (user.preferred_name, user.time_zone) == ("", "Europe/Paris")  # nothing half-saved


def test_choosing_fewer_emails_drops_the_waiting_news(site):
    with site.app_context():
        db.session.add(
            OutgoingEmail(
                to_address="alice@example.com",
                to_user_id=site.alice,
                kind="candidate_update",
                subject="What's new",
                body_text="News",
                status=EmailStatus.PENDING,
            )
        )
        db.session.commit()
    alice = _client(site, "alice@example.com")
    post_form(alice, "/candidate/profile", {**FORM, "mail_preference": "essentials"})
    with site.app_context():
        assert db.session.scalars(select(OutgoingEmail)).all() == []
