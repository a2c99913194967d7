"""The joining day in the candidate's calendar: the .ics download, and the email with an updated
one when HR moves the day (same UID, higher SEQUENCE), on a real SMTP server on loopback."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.core.extensions import db
from portal.mail import jobs as mail_jobs
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, CandidateProfile, Role, User
from portal.timeline.joining import joining_instant
from tests import support
from tests.support import (
    candidate_edit_form,
    make_candidate,
    make_staff,
    post_form,
    sign_in,
    text_body,
)

ICS_PATH = "/candidate/calendar.ics"


# --- Helpers --------------------------------------------------------------------------------


def _paris_morning() -> datetime:
    """A fixed clock at mid-morning in Paris, where the cast's candidates live: their email
    never waits for the end of the night (quiet hours are tested in test_cadence)."""
    return datetime.combine(date.today(), time(10, 30), tzinfo=ZoneInfo("Europe/Paris"))


def _parse(ics: bytes | str) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1, "exactly one event: the joining day"
    return calendar, events[0]


def _download(client):
    response = client.get(ICS_PATH)
    assert response.status_code == 200
    return _parse(response.get_data())


def _signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _profile(app, user_id: int) -> CandidateProfile:
    with app.app_context():
        profile = db.session.get(CandidateProfile, user_id)
        db.session.expunge(profile)
        return profile


def _hr_edits(app, people, user_id: int, **changes: str):
    hr = _signed_in(app, people["emails"]["hr"])
    return post_form(
        hr,
        f"/hr/people/{user_id}/edit",
        candidate_edit_form(app, user_id, **changes),
        follow_redirects=True,
    )


def _attachment(message: EmailMessage) -> EmailMessage:
    (attachment,) = list(message.iter_attachments())
    return attachment


def _audit(app, user_id: int) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_user_id == user_id).order_by(AuditEntry.id)
        ).all()
        for entry in entries:
            db.session.expunge(entry)
        return list(entries)


# --- The download ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # New York, the week clocks spring forward (Sunday 14 March 2027): EST, then EDT.
        ("America/New_York", date(2027, 3, 12), time(9, 0), datetime(2027, 3, 12, 14, 0)),
        ("America/New_York", date(2027, 3, 15), time(9, 0), datetime(2027, 3, 15, 13, 0)),
        # 02:30 on the spring-forward night does not exist: it is 03:30 EDT, 07:30 UTC.
        ("America/New_York", date(2027, 3, 14), time(2, 30), datetime(2027, 3, 14, 7, 30)),
        # ...and the week they fall back (Sunday 7 November 2027): EDT, then EST.
        ("America/New_York", date(2027, 11, 5), time(9, 0), datetime(2027, 11, 5, 13, 0)),
        ("America/New_York", date(2027, 11, 8), time(9, 0), datetime(2027, 11, 8, 14, 0)),
        # Adelaide: UTC+10:30 in its summer, +09:30 in its winter.
        ("Australia/Adelaide", date(2027, 1, 4), time(9, 0), datetime(2027, 1, 3, 22, 30)),
        ("Australia/Adelaide", date(2027, 7, 1), time(9, 0), datetime(2027, 6, 30, 23, 30)),
        ("Asia/Kolkata", date(2027, 2, 1), time(9, 30), datetime(2027, 2, 1, 4, 0)),
    ],
)
def test_the_ics_parses_to_the_joining_instant_in_the_workplace_zone(
    app, zone, day, at, expected_utc
):
    with app.app_context():
        recruiter = make_staff(
            Role.RECRUITER, "rita@example.com", "Rita Recruiter", phone="+61 8 1234 5678"
        )
        candidate = make_candidate(
            "dana@example.com",
            recruiter,
            name="Dana Candidate",
            zone="Europe/London",  # lives elsewhere: the file uses the workplace's zone
            joining_zone=zone,
            joining_date=day,
            joining_time=at,
            location="Head office",
        )
        candidate_id = candidate.id
    client = _signed_in(app, "dana@example.com")
    response = client.get(ICS_PATH)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="first-day.ics"'
    assert response.headers["Cache-Control"] == "no-store"
    ics = response.get_data(as_text=True)
    assert "\r\n" in ics and "\n" not in ics.replace("\r\n", ""), "RFC 5545 lines end in CRLF"

    calendar, event = _parse(ics)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"])
    instant = expected_utc.replace(tzinfo=UTC)
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == zone
    assert start.astimezone(UTC) == instant
    assert start == joining_instant(day, at, zone)
    assert event.decoded("DTEND") - start == timedelta(hours=1)
    # The file carries the zone's rules: read with them alone, the wall time is the same instant.
    (vtimezone,) = [tz for tz in calendar.walk("VTIMEZONE") if str(tz["TZID"]) == zone]
    own_rules = vtimezone.to_tz(lookup_tzid=False)
    assert start.replace(tzinfo=own_rules).astimezone(UTC) == instant
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)

    assert str(event["UID"]) == f"joining-{candidate_id}@portal.test"
    assert event.decoded("SEQUENCE") == 0
    assert str(event["SUMMARY"]) == "First day at your new job as Software Engineer"
    assert str(event["LOCATION"]) == "Head office"
    description = str(event["DESCRIPTION"])
    assert "Rita Recruiter" in description and "rita@example.com" in description
    assert "+61 8 1234 5678" in description
    assert str(event["URL"]) == "http://portal.test/candidate/"


def test_a_joining_moment_in_utc_is_written_in_utc(app):
    with app.app_context():
        make_candidate(
            "uma@example.com",
            None,
            zone="UTC",
            joining_date=date(2027, 2, 1),
            joining_time=time(8, 0),
            location="",
        )
    calendar, event = _download(_signed_in(app, "uma@example.com"))
    ics = calendar.to_ical().decode()
    assert "DTSTART:20270201T080000Z" in ics and "TZID" not in ics
    assert event.decoded("DTSTART") == datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    assert "LOCATION" not in event
    assert "Ask them in your pre-boarding portal" in str(event["DESCRIPTION"])


def test_each_candidate_downloads_only_their_own_day(app, people):
    seen = {}
    for persona in ("candidate_a", "candidate_b"):
        client = _signed_in(app, people["emails"][persona])
        _calendar, event = _download(client)
        profile = _profile(app, people["ids"][persona])
        assert str(event["UID"]) == f"joining-{people['ids'][persona]}@portal.test"
        assert event.decoded("DTSTART") == joining_instant(
            profile.joining_date, profile.joining_time, profile.joining_time_zone
        )
        recruiter = "rec.a@example.com" if persona == "candidate_a" else "rec.b@example.com"
        assert recruiter in str(event["DESCRIPTION"])
        seen[persona] = str(event["UID"])
        # A second download is the same event: same UID, same SEQUENCE.
        _calendar, again = _download(client)
        assert str(again["UID"]) == seen[persona] and again.decoded("SEQUENCE") == 0
    assert seen["candidate_a"] != seen["candidate_b"]
    for persona in ("recruiter_a", "hr"):
        assert _signed_in(app, people["emails"][persona]).get(ICS_PATH).status_code == 404
    anonymous = app.test_client().get(ICS_PATH)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/sign-in?next=/candidate/calendar.ics")


def test_the_home_page_offers_the_file(app, people):
    page = _signed_in(app, people["emails"]["candidate_a"]).get("/candidate/")
    html = page.get_data(as_text=True)
    assert f'<a class="button button-secondary" href="{ICS_PATH}" download="first-day.ics"' in html
    assert "Add to your calendar</a>" in html


# --- HR moves the day ------------------------------------------------------------------------


def test_hr_moving_the_day_emails_the_updated_ics_with_the_same_uid_and_a_higher_sequence(
    make_app, people, smtp_server
):
    # No batch window: HR's page sends each change at once (batching: test_joining_details).
    app = make_app(
        SMTP_URL=smtp_server.url, PORTAL_CLOCK=_paris_morning(), JOINING_MAIL_BATCH_MINUTES=0
    )
    alice = people["ids"]["candidate_a"]
    candidate = _signed_in(app, people["emails"]["candidate_a"])
    _calendar, before = _download(candidate)
    uid = str(before["UID"])
    old = _profile(app, alice)
    old_instant = joining_instant(old.joining_date, old.joining_time, "Europe/Paris")
    # Alice lives in Paris; HR moves her first day a week on, to 10:30 in the New York office.
    new_date = old.joining_date + timedelta(days=7)
    new_instant = joining_instant(new_date, time(10, 30), "America/New_York")

    page = _hr_edits(
        app,
        people,
        alice,
        joining_date=new_date.isoformat(),
        joining_time="10:30",
        joining_time_zone="America/New_York",
    )
    assert page.status_code == 200
    assert "Alice Candidate has been emailed the new joining details" in page.get_data(as_text=True)

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "cand.a@example.com"
    assert message["Subject"] == "New date and time for your first day"
    text = text_body(message)
    paris, new_york = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")
    new_local, new_home = new_instant.astimezone(new_york), new_instant.astimezone(paris)
    assert f"{new_local:%A} {new_local.day} {new_local:%B %Y}, 10:30" in text
    assert "(America/New_York time)" in text
    assert f"{new_home:%H:%M} {new_home:%Z} where you are" in text
    old_local = old_instant.astimezone(paris)
    assert f"{old_local:%A} {old_local.day} {old_local:%B %Y}, 09:00" in text
    assert "http://portal.test/candidate/" in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "10:30" in html.get_content()

    attachment = _attachment(message)
    assert attachment.get_filename() == "first-day.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment["Content-Type"].params["method"] == "PUBLISH"
    _calendar, emailed = _parse(attachment.get_content())
    assert str(emailed["UID"]) == uid
    assert emailed.decoded("SEQUENCE") == before.decoded("SEQUENCE") + 1 == 1
    assert emailed.decoded("DTSTART").astimezone(UTC) == new_instant.astimezone(UTC)
    assert emailed["DTSTART"].params["TZID"] == "America/New_York"

    # The download now says the same: same UID, higher SEQUENCE, the new instant.
    _calendar, after = _download(candidate)
    assert str(after["UID"]) == uid and after.decoded("SEQUENCE") == 1
    assert after.decoded("DTSTART") == new_instant

    # The audit log has the change field by field, and the calendar update with its SEQUENCE.
    hr_id = people["ids"]["hr"]
    entries = {
        (e.action, e.field): (e.old_value, e.new_value, e.actor_id) for e in _audit(app, alice)
    }
    assert entries["candidate.updated", "joining_date"] == (
        old.joining_date.isoformat(),
        new_date.isoformat(),
        hr_id,
    )
    assert entries["candidate.updated", "joining_time"] == ("09:00:00", "10:30:00", hr_id)
    assert entries["candidate.updated", "joining_time_zone"] == (
        "Europe/Paris",
        "America/New_York",
        hr_id,
    )
    assert entries["calendar.updated", "calendar_sequence"] == ("0", "1", hr_id)
    with app.app_context():
        (queued,) = db.session.scalars(select(OutgoingEmail)).all()
        assert queued.status == "sent" and queued.kind == "joining_changed"

    # A second move, of the time only: SEQUENCE 2, same UID, and the subject says what moved.
    _hr_edits(app, people, alice, joining_time="11:00")
    second = smtp_server.wait_for(2)[1]
    assert second["Subject"] == "New time for your first day"
    _calendar, emailed = _parse(_attachment(second).get_content())
    assert str(emailed["UID"]) == uid and emailed.decoded("SEQUENCE") == 2
    assert emailed.decoded("DTSTART") == joining_instant(new_date, time(11), "America/New_York")
    assert _download(candidate)[1].decoded("SEQUENCE") == 2


def test_an_edit_that_leaves_the_joining_details_alone_sends_nothing(make_app, people, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url)
    alice = people["ids"]["candidate_a"]
    page = _hr_edits(app, people, alice, job_title="Staff Engineer", department="Platform")
    assert "Saved." in page.get_data(as_text=True)
    assert "emailed" not in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(OutgoingEmail)).all() == []
    updates = [(e.action, e.field) for e in _audit(app, alice) if e.action != "candidate.created"]
    assert updates == [("candidate.updated", "job_title"), ("candidate.updated", "department")]
    assert _profile(app, alice).calendar_sequence == 0
    _calendar, event = _download(_signed_in(app, people["emails"]["candidate_a"]))
    assert event.decoded("SEQUENCE") == 0
    assert str(event["SUMMARY"]).endswith("as Staff Engineer") and str(event["LOCATION"]) == "Paris"
    assert smtp_server.messages == []


def test_a_down_mail_server_keeps_the_email_queued_until_it_answers(make_app, people):
    nobody_listens = f"smtp://127.0.0.1:{support.free_port()}"
    down = make_app(
        SMTP_URL=nobody_listens, PORTAL_CLOCK=_paris_morning(), JOINING_MAIL_BATCH_MINUTES=0
    )
    alice = people["ids"]["candidate_a"]
    new_date = _profile(down, alice).joining_date + timedelta(days=3)
    page = _hr_edits(down, people, alice, joining_date=new_date.isoformat())
    assert "could not be sent yet" in page.get_data(as_text=True)
    with down.app_context():
        (queued,) = db.session.scalars(select(OutgoingEmail)).all()
        assert queued.status == "pending" and queued.attempts == 1 and queued.last_error
        assert [a.filename for a in queued.attachments] == ["first-day.ics"]
        email_id = queued.id
    assert _profile(down, alice).calendar_sequence == 1, "the change itself is committed"

    catcher, controller = support.start_mail_catcher()
    try:
        up = make_app(SMTP_URL=catcher.url, PORTAL_CLOCK=_paris_morning())
        with up.app_context():
            assert mail_jobs.deliver([email_id]) == 1
        (message,) = catcher.wait_for(1)
    finally:
        controller.stop()
    _calendar, emailed = _parse(_attachment(message).get_content())
    assert emailed.decoded("SEQUENCE") == 1
    assert emailed.decoded("DTSTART") == joining_instant(new_date, time(9), "Europe/Paris")


def test_a_deactivated_candidate_is_not_emailed_but_the_sequence_still_rises(make_app, people):
    app = make_app()
    alice = people["ids"]["candidate_a"]
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        accounts.deactivate(db.session.get(User, alice), hr)
        db.session.commit()
    new_date = _profile(app, alice).joining_date + timedelta(days=1)
    page = _hr_edits(app, people, alice, joining_date=new_date.isoformat())
    assert "Saved." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(OutgoingEmail)).all() == []
    assert _profile(app, alice).calendar_sequence == 1
    assert "calendar.updated" in [e.action for e in _audit(app, alice)]
