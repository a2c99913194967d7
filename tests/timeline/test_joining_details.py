"""Joining details are one thing: date, time, zone, location and reception instructions change
together, raise the calendar file's SEQUENCE once per save and make one clear email, decided when
it is sent (through the real worker, to a real SMTP server on loopback, with a fixed clock). The
home page and the calendar file read the same value. A date that has passed is refused beside
its field, unless HR confirms a backdated record, which then sends nothing."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.core import inputs
from portal.core.extensions import db
from portal.demo import load as demo
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import AuditEntry, CandidateProfile, Role, User
from portal.timeline.joining import JoiningDetails, joining_instant
from portal.worker.loop import JOBS, Worker
from tests.support import candidate_edit_form, make_candidate, make_staff, post_form, sign_in
from tests.support import text_body as _mime_text

PARIS = ZoneInfo("Europe/Paris")
# Mid-morning in Paris, where the candidates live: no quiet hours in the way.
T0 = datetime.combine(date.today(), time(10, 30), tzinfo=PARIS)
WINDOW = timedelta(minutes=10)  # JOINING_MAIL_BATCH_MINUTES, the default
MAIL_ONLY = tuple(job for job in JOBS if job.name == "mail")


# --- Helpers --------------------------------------------------------------------------------


@pytest.fixture
def site(make_app, smtp_server):
    """An app on a real SMTP server with the clock at T0, HR, a recruiter and Alice (Paris)."""
    app = make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=T0)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        alice = make_candidate(
            "alice@example.com",
            rita,
            name="Alice Martin",
            zone="Europe/Paris",
            joining_time=time(9, 30),
            location="Paris, building B",
        )
        alice.candidate_profile.reception_instructions = "Ask for Rita at the front desk."
        db.session.commit()
        app.alice, app.rita = alice.id, rita.id
    return app


def _at(app, moment: datetime) -> None:
    app.config["PORTAL_CLOCK"] = moment


def _run_worker(app, moment: datetime) -> None:
    """One pass of the worker's mail job, with the portal's clock at `moment`."""
    _at(app, moment)
    (outcome,) = Worker(app, MAIL_ONLY).run_pass()
    assert outcome.error is None, outcome.error


def _hr(app):
    client = app.test_client()
    assert sign_in(client, "hr@example.com").status_code == 302
    return client


def _hr_edits(app, user_id: int, at: datetime, *, follow: bool = False, **changes: str):
    _at(app, at)
    form = candidate_edit_form(app, user_id, **changes)
    return post_form(_hr(app), f"/hr/people/{user_id}/edit", form, follow_redirects=follow)


def _profile(app, user_id: int) -> CandidateProfile:
    with app.app_context():
        profile = db.session.get(CandidateProfile, user_id)
        db.session.expunge(profile)
        return profile


def _emails(app) -> list[OutgoingEmail]:
    with app.app_context():
        rows = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def _audit(app, user_id: int) -> list[tuple[str, str | None, str | None, str | None]]:
    with app.app_context():
        return [
            (e.action, e.field, e.old_value, e.new_value)
            for e in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_user_id == user_id)
                .order_by(AuditEntry.id)
            )
        ]


def _event(ics: str | bytes):
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    return event


def _emailed_event(message: EmailMessage):
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "first-day.ics"
    return _event(attachment.get_content())


def text_body(message: EmailMessage) -> str:
    return _mime_text(message).replace("\r\n", "\n")


def _when(moment: datetime, zone: str = "Europe/Paris") -> str:
    """A moment as the emails and pages write it ("Monday 7 December 2026, 09:30 CET")."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z}"


# --- One email per batch of changes, decided when it is sent ---------------------------------


def test_a_change_of_location_only_raises_the_sequence_and_emails_the_new_place(site, smtp_server):
    alice = site.alice
    page = _hr_edits(site, alice, T0, follow=True, location="Lyon, 12 rue de la République")
    assert page.status_code == 200
    assert _profile(site, alice).calendar_sequence == 1, "SEQUENCE raised once, for the save"
    goes = _when(T0 + WINDOW)
    assert (
        f"Alice Martin will be emailed the new joining details and calendar file on {goes}, "
        "their time. Changes made until then go in the same email"
    ) in unescape(page.get_data(as_text=True))

    _run_worker(site, T0 + WINDOW - timedelta(minutes=1))
    assert smtp_server.messages == [], "the batch window holds it"
    _run_worker(site, T0 + WINDOW)
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "New place for your first day"
    text = text_body(message)
    assert "Your first day has changed: the place." in text
    assert "Before: Paris, building B" in text
    assert "Now:    Lyon, 12 rue de la République" in text
    joins_at = joining_instant(_profile(site, alice).joining_date, time(9, 30), "Europe/Paris")
    assert f"When (as before): {_when(joins_at)} (Europe/Paris time)" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<del>Paris, building B</del>" in html
    assert "<strong>Lyon, 12 rue de la République</strong>" in html
    event = _emailed_event(message)
    assert event.decoded("SEQUENCE") == 1
    assert str(event["LOCATION"]) == "Lyon, 12 rue de la République"
    assert ("calendar.updated", "calendar_sequence", "0", "1") in _audit(site, alice)


def test_date_then_time_then_place_within_the_window_make_one_email_with_all_three(
    site, smtp_server
):
    alice = site.alice
    old = _profile(site, alice)
    was = joining_instant(old.joining_date, time(9, 30), "Europe/Paris")
    new_date = old.joining_date + timedelta(days=7)
    _hr_edits(site, alice, T0, joining_date=new_date.isoformat())
    _hr_edits(site, alice, T0 + timedelta(minutes=3), joining_time="11:00")
    _hr_edits(site, alice, T0 + timedelta(minutes=6), location="Lyon")
    assert _profile(site, alice).calendar_sequence == 3, "once per save"
    (queued,) = _emails(site)
    assert queued.status == EmailStatus.PENDING
    # The window runs from the first change: the later ones joined it without moving it.
    assert queued.next_attempt_at == T0 + WINDOW

    _run_worker(site, T0 + WINDOW)
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == "New date, time and place for your first day"
    text = text_body(message)
    assert "Your first day has changed: the date, the time and the place." in text
    now = joining_instant(new_date, time(11), "Europe/Paris")
    assert f"Before: {_when(was)} (Europe/Paris time)" in text
    assert f"Now:    {_when(now)} (Europe/Paris time)" in text
    assert "Before: Paris, building B" in text and "Now:    Lyon" in text
    event = _emailed_event(message)
    assert event.decoded("SEQUENCE") == 3, "the latest calendar file"
    assert event.decoded("DTSTART") == now
    assert [e.status for e in _emails(site)] == [EmailStatus.SENT]


def test_several_details_changed_in_one_save_raise_the_sequence_once(site, smtp_server):
    alice = site.alice
    new_date = _profile(site, alice).joining_date + timedelta(days=1)
    _hr_edits(
        site,
        alice,
        T0,
        joining_date=new_date.isoformat(),
        joining_time="08:45",
        joining_time_zone="Europe/London",
        location="London",
        reception_instructions="Ask for the Analytics team.\nBring your passport.",
    )
    assert _profile(site, alice).calendar_sequence == 1
    _run_worker(site, T0 + WINDOW)
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == (
        "New date, time, place and reception instructions for your first day"
    )
    text = text_body(message)
    london = joining_instant(new_date, time(8, 45), "Europe/London")
    # In the workplace's zone, and in the candidate's own (she lives in Paris).
    assert (
        f"Now:    {_when(london, 'Europe/London')} (Europe/London time), which is "
        f"{_when(london)} where you are"
    ) in text
    assert "Before: Ask for Rita at the front desk." in text
    assert "Now:    Ask for the Analytics team.\n          Bring your passport." in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<strong>Ask for the Analytics team.<br>Bring your passport.</strong>" in html
    event = _emailed_event(message)
    assert event.decoded("SEQUENCE") == 1
    assert "Ask for the Analytics team." in str(event["DESCRIPTION"])


def test_moved_and_moved_back_sends_nothing_and_shows_as_dropped(site, smtp_server):
    alice = site.alice
    old = _profile(site, alice).joining_date
    _hr_edits(site, alice, T0, joining_date=(old + timedelta(days=7)).isoformat())
    _hr_edits(site, alice, T0 + timedelta(minutes=2), joining_date=old.isoformat())
    assert _profile(site, alice).calendar_sequence == 2, "the file changed twice all the same"
    _run_worker(site, T0 + WINDOW)
    _run_worker(site, T0 + WINDOW + timedelta(hours=1))
    assert smtp_server.messages == []
    (email,) = _emails(site)
    assert email.status == EmailStatus.DROPPED
    assert email.drop_reason == (
        "The joining details were changed back: they are what the candidate already knew."
    )


def test_a_change_then_a_closed_account_or_a_first_day_begun_sends_nothing(site, smtp_server):
    alice = site.alice
    _hr_edits(site, alice, T0, location="Lyon")
    with site.app_context():
        accounts.deactivate(db.session.get(User, alice), db.session.get(User, site.rita))
        db.session.commit()
    _run_worker(site, T0 + WINDOW)
    (email,) = _emails(site)
    assert (email.status, email.drop_reason) == (
        EmailStatus.DROPPED,
        "The candidate's account is closed.",
    )

    with site.app_context():
        bob = make_candidate("bob@example.com", None, zone="Europe/Paris", joins_in=1)
        bob_id = bob.id
    _hr_edits(site, bob_id, T0, location="Lyon")
    joins_at = joining_instant(_profile(site, bob_id).joining_date, time(9), "Europe/Paris")
    # Held past the candidate's first day (here: a worker that did not run until then).
    _run_worker(site, joins_at + timedelta(minutes=1))
    bobs = [e for e in _emails(site) if e.to_address == "bob@example.com"]
    assert [(e.status, e.drop_reason) for e in bobs] == [
        (EmailStatus.DROPPED, "Their first day has already begun.")
    ]
    assert smtp_server.messages == []


def test_an_edit_after_the_email_went_makes_a_new_email(site, smtp_server):
    alice = site.alice
    _hr_edits(site, alice, T0, location="Lyon")
    _run_worker(site, T0 + WINDOW)
    _hr_edits(site, alice, T0 + WINDOW + timedelta(minutes=1), location="Marseille")
    _run_worker(site, T0 + 2 * WINDOW + timedelta(minutes=1))
    first, second = smtp_server.wait_for(2)
    assert "Now:    Lyon" in text_body(first)
    assert "Before: Lyon" in text_body(second) and "Now:    Marseille" in text_body(second)
    assert _emailed_event(second).decoded("SEQUENCE") == 2


# --- One value for the page and the calendar file --------------------------------------------


def test_the_home_page_and_the_calendar_file_give_the_same_reception(site):
    alice = site.alice
    # She moves to the London office: her home zone (Paris) and the workplace's now differ.
    _hr_edits(
        site,
        alice,
        T0,
        joining_time="09:45",
        joining_time_zone="Europe/London",
        location="London, 1 Canada Square",
    )
    candidate = site.test_client()
    assert sign_in(candidate, "alice@example.com").status_code == 302
    page = candidate.get("/candidate/").get_data(as_text=True)
    event = _event(candidate.get("/candidate/calendar.ics").get_data())

    panel = page.split('<p class="joining-when">', 1)[1].split("</section>", 1)[0]
    shown = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', panel)
    assert shown is not None
    starts = event.decoded("DTSTART")
    assert datetime.fromisoformat(shown.group(1)) == starts
    # First in her own zone (the issue: "date and time in the candidate's zone"), then the
    # workplace's, which the calendar file's DTSTART names.
    assert shown.group(2) == _when(starts, "Europe/Paris")
    assert f"{_when(starts, 'Europe/London')} at the workplace" in panel
    assert (
        starts.hour == 9
        and starts.minute == 45
        and event["DTSTART"].params["TZID"] == ("Europe/London")
    )
    assert '<span class="day-one-place">London, 1 Canada Square</span>' in panel
    assert str(event["LOCATION"]) == "London, 1 Canada Square"
    assert "Ask for Rita at the front desk." in panel
    assert "Ask for Rita at the front desk." in str(event["DESCRIPTION"])


def test_in_the_demo_every_first_day_reads_the_same_on_the_page_and_in_the_file(make_app):
    """The demo's timeline once had a "Reception" milestone at 09:00 for everyone, while Chloé's
    calendar file said 09:30: the reception is a joining detail now, never a milestone."""
    app = make_app()
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    for spec in demo.CANDIDATES:
        if not spec.signed_up:
            continue
        client = app.test_client()
        assert sign_in(client, spec.email, demo.DEMO_PASSWORD).status_code == 302
        page = client.get("/candidate/").get_data(as_text=True)
        event = _event(client.get("/candidate/calendar.ics").get_data())
        panel = page.split('<p class="joining-when">', 1)[1]
        shown = re.search(r'<time datetime="([^"]+)">', panel)
        assert shown is not None
        assert datetime.fromisoformat(shown.group(1)) == event.decoded("DTSTART"), spec.name
        assert spec.reception_instructions in str(event["DESCRIPTION"])
        titles = re.findall(r'<h3 class="timeline-title">([^<]+)</h3>', page)
        assert titles and not [t for t in titles if "reception" in t.lower()], titles


def test_joining_details_read_back_from_what_an_email_kept():
    details = JoiningDetails(date(2027, 1, 4), time(9, 30), "Europe/Paris", "Lyon", "Ask.\nHi")
    assert JoiningDetails.from_json(details.as_json()) == details
    moved = JoiningDetails(date(2027, 1, 5), time(9, 30), "Europe/London", "Lyon", "Ask.\nHi")
    assert moved.changes_from(details) == ["date", "time"]


# --- Dates that have passed ------------------------------------------------------------------


def _new_candidate_form(app, **changes: str) -> dict[str, str]:
    form = {
        "name": "Carla Diaz",
        "email": "carla@example.com",
        "time_zone": "Europe/Paris",
        "job_title": "Designer",
        "department": "Design",
        "location": "Paris",
        "joining_date": (T0.date() + timedelta(days=14)).isoformat(),
        "joining_time": "09:00",
        "joining_time_zone": "Europe/Paris",
        "reception_instructions": "",
        "recruiter_id": str(app.rita),
        "send_invitation": "y",
    }
    form.update(changes)
    return form


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error beside {field}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_a_past_date_is_refused_beside_its_field_on_add_and_on_edit(site, smtp_server):
    yesterday = (T0.date() - timedelta(days=1)).isoformat()
    hr = _hr(site)
    refused = post_form(hr, "/hr/candidates/new", _new_candidate_form(site, joining_date=yesterday))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert _field_error(page, "joining_date").startswith(
        f"Error: That date has passed (today is {T0.date().isoformat()} where they join)."
    )
    assert 'aria-describedby="joining_date-error" aria-invalid="true"' in page
    assert 'name="backdated"' in page, "the confirmation is offered"
    assert "This is a backdated record" in page
    with site.app_context():
        assert db.session.scalar(select(User).where(User.email == "carla@example.com")) is None

    # Today, at a time that has passed (09:00 < 10:30 in Paris).
    earlier = post_form(
        hr,
        "/hr/candidates/new",
        _new_candidate_form(site, joining_date=T0.date().isoformat(), joining_time="09:00"),
    )
    assert earlier.status_code == 422
    assert "That time has passed today" in _field_error(
        earlier.get_data(as_text=True), "joining_time"
    )

    edit = _hr_edits(site, site.alice, T0, joining_date=yesterday)
    assert edit.status_code == 422
    assert "That date has passed" in _field_error(edit.get_data(as_text=True), "joining_date")
    assert _profile(site, site.alice).calendar_sequence == 0
    assert _profile(site, site.alice).joining_date != date.fromisoformat(yesterday)

    _run_worker(site, T0 + WINDOW)
    assert _emails(site) == [] and smtp_server.messages == []


def test_a_confirmed_backdated_record_is_saved_and_sends_nothing(site, smtp_server):
    last_week = T0.date() - timedelta(days=7)
    hr = _hr(site)
    added = post_form(
        hr,
        "/hr/candidates/new",
        _new_candidate_form(site, joining_date=last_week.isoformat(), backdated="y"),
        follow_redirects=True,
    )
    assert added.status_code == 200
    assert "A backdated record: nothing was emailed." in added.get_data(as_text=True)
    with site.app_context():
        carla = db.session.scalars(select(User).where(User.email == "carla@example.com")).one()
        assert carla.profile.joining_date == last_week
        carla_id = carla.id
    assert ("calendar.backdated", "joining_date", None, last_week.isoformat()) in _audit(
        site, carla_id
    )

    edited = _hr_edits(
        site,
        site.alice,
        T0,
        joining_date=(T0.date() - timedelta(days=2)).isoformat(),
        backdated="y",
    )
    assert edited.status_code == 302
    alice = _profile(site, site.alice)
    assert alice.joining_date == T0.date() - timedelta(days=2) and alice.calendar_sequence == 1
    assert ("calendar.backdated", "joining_date", None, alice.joining_date.isoformat()) in _audit(
        site, site.alice
    )

    _run_worker(site, T0 + WINDOW)
    assert _emails(site) == [], "no invitation, no joining email"
    assert smtp_server.messages == []

    # An old record stays editable: its date is not refused while it is left as it is.
    again = _hr_edits(site, carla_id, T0, job_title="Senior Designer")
    assert again.status_code == 302


def test_the_joining_date_validator_is_one_for_every_door():
    today = date(2026, 12, 4)
    assert inputs.joining_date(today, today=today) == today
    with pytest.raises(inputs.PastDate):
        inputs.joining_date(date(2026, 12, 3), today=today)
    assert inputs.joining_date(date(2026, 12, 3), today=today, backdated=True) == date(2026, 12, 3)
    with pytest.raises(inputs.InputError, match="more than a year ago"):
        inputs.joining_date(date(2025, 12, 1), today=today, backdated=True)
    with pytest.raises(inputs.InputError, match="more than two years ahead"):
        inputs.joining_date(date(2029, 1, 1), today=today)


def test_reception_instructions_are_plain_text_and_limited_beside_their_field(site):
    refused = _hr_edits(site, site.alice, T0, reception_instructions="x" * 501)
    assert refused.status_code == 422
    assert "500" in _field_error(refused.get_data(as_text=True), "reception_instructions")
    saved = _hr_edits(
        site, site.alice, T0, reception_instructions="  <b>Gate 4</b>\r\nthen lift\x07 to 3  "
    )
    assert saved.status_code == 302
    assert _profile(site, site.alice).reception_instructions == "<b>Gate 4</b>\nthen lift to 3"
    candidate = site.test_client()
    sign_in(candidate, "alice@example.com")
    page = candidate.get("/candidate/").get_data(as_text=True)
    assert "&lt;b&gt;Gate 4&lt;/b&gt;" in page, "shown as text, never as HTML"


def test_hr_is_asked_before_a_change_emails_the_candidate(site):
    alice = site.alice
    before = _profile(site, alice)
    moved = (before.joining_date + timedelta(days=7)).isoformat()
    hr = _hr(site)
    form = candidate_edit_form(site, alice, confirmed=False, joining_date=moved, location="Lyon")
    asked = post_form(hr, f"/hr/people/{alice}/edit", form)
    assert asked.status_code == 200
    page = unescape(asked.get_data(as_text=True))
    assert (
        "Saving emails Alice Martin that the date and the place of their first day changed"
    ) in page
    assert 'name="notify_confirmed" value="1"' in page and "Save and email Alice Martin" in page
    assert f'value="{moved}"' in page  # what HR typed is kept
    assert _profile(site, alice).joining_date == before.joining_date  # nothing saved yet
    assert _emails(site) == []
    # Yes: saved, and the email waits in the batch window.
    saved = post_form(hr, f"/hr/people/{alice}/edit", {**form, "notify_confirmed": "1"})
    assert saved.status_code == 302
    assert _profile(site, alice).joining_date.isoformat() == moved
    assert [email.kind for email in _emails(site)] == ["joining_changed"]
    # A change that emails nothing (the job title) is saved at once, without asking.
    plain = candidate_edit_form(site, alice, confirmed=False, job_title="Lead Analyst")
    assert post_form(hr, f"/hr/people/{alice}/edit", plain).status_code == 302


def test_the_email_and_its_calendar_file_are_in_the_candidates_language(site, smtp_server):
    """HR works in English; Alice reads German: her email and calendar file are German."""
    with site.app_context():
        db.session.get(User, site.alice).language = "de"
        db.session.commit()
    page = _hr_edits(site, site.alice, T0, follow=True, location="Lyon")
    assert "will be emailed the new joining details" in unescape(page.get_data(as_text=True))
    _run_worker(site, T0 + WINDOW)
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == "Neu für Ihren ersten Tag: Ort"
    text = text_body(message)
    assert "Ihr erster Tag hat sich geändert: der Ort." in text
    assert "Vorher: Paris, building B" in text and "Jetzt:  Lyon" in text
    assert "Your first day" not in text
    (attachment,) = list(message.iter_attachments())
    calendar_text = attachment.get_content()
    if isinstance(calendar_text, bytes):
        calendar_text = calendar_text.decode("utf-8")
    event = Calendar.from_ical(calendar_text).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith("Erster Tag in Ihrer neuen Stelle als ")
    assert "Am Empfang" in str(event["DESCRIPTION"])
