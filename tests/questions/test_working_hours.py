"""The answer promise counted in working hours (questions.working_hours, and waiting.answer_due,
the one definition the inbox, the thread pages, the statuses, the overdue notices and the
digests read). Every instant here is fixed: no test depends on the day it runs.

The 24-hour promise is one working day: asked during working hours, a question is due at the
same time on the next working day (Friday 16:00 → Monday 16:00); asked after hours, a
working day after the next opening.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from portal.core.config import ConfigError, from_environment
from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement import status_changes
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import AuditEntry, Role, WorkingHours
from portal.questions import app as questions_app
from portal.questions import working_hours
from portal.questions.models import Message
from portal.questions.working_hours import build_week, deadline
from tests.support import make_candidate, make_staff, post_form, sign_in

PARIS, NEW_YORK, BERLIN = "Europe/Paris", "America/New_York", "Europe/Berlin"
MON_FRI = 0b0011111
OFFICE = {"days": "Mon-Fri", "start": "09:00", "end": "17:00"}  # the production default


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def due(start: datetime, week, hours: int = 24) -> datetime:
    return deadline(start, hours, week).astimezone(start.tzinfo)


@pytest.fixture
def office(make_app):
    """An app whose default week is the production one."""
    app = make_app(WORKING_HOURS_DEFAULT=OFFICE)
    with app.app_context():
        yield app


def week(zone: str = PARIS, days: int = MON_FRI, starts: int = 540, ends: int = 1020, **kw):
    return build_week(zone, days, starts, ends, kw.get("holidays"))


# --- The arithmetic -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ((2026, 3, 6, 16, 0), (2026, 3, 9, 16, 0)),  # Friday 16:00 → Monday 16:00
        ((2026, 3, 4, 10, 0), (2026, 3, 5, 10, 0)),  # Wednesday 10:00 → Thursday 10:00
        ((2026, 3, 6, 18, 0), (2026, 3, 9, 17, 0)),  # Friday evening → end of Monday
        ((2026, 3, 7, 10, 0), (2026, 3, 9, 17, 0)),  # Saturday → end of Monday
        ((2026, 3, 9, 7, 30), (2026, 3, 9, 17, 0)),  # before opening → end of that day
        ((2026, 3, 6, 16, 59), (2026, 3, 9, 16, 59)),
        ((2026, 3, 6, 17, 0), (2026, 3, 9, 17, 0)),  # at closing time: the next day's end
    ],
    ids=["friday-16", "wednesday", "friday-evening", "saturday", "early", "friday-1659", "17"],
)
def test_the_promise_is_one_working_day(office, asked, expected):
    assert due(local(PARIS, *asked), week()) == local(PARIS, *expected)


def test_the_default_week_comes_from_the_setting(office):
    default = working_hours.build_week(PARIS)
    assert (default.weekdays, default.starts_minute, default.ends_minute) == (MON_FRI, 540, 1020)
    assert str(default) == "Monday to Friday, 09:00–17:00 (Europe/Paris)"
    assert from_environment()["WORKING_HOURS_DEFAULT"] == OFFICE


def test_a_longer_promise_counts_more_working_days(office):
    friday = local(PARIS, 2026, 3, 6, 16, 0)
    assert due(friday, week(), hours=48) == local(PARIS, 2026, 3, 10, 16, 0)  # Tuesday
    assert due(friday, week(), hours=12) == local(PARIS, 2026, 3, 9, 12, 0)  # half a day


def test_time_zones_and_daylight_saving(office):
    # New York moves its clocks on Sunday 8 March 2026: Friday 16:00 EST is 21:00 UTC,
    # Monday 16:00 EDT is 20:00 UTC.
    friday = local(NEW_YORK, 2026, 3, 6, 16, 0)
    monday = due(friday, week(NEW_YORK))
    assert monday == local(NEW_YORK, 2026, 3, 9, 16, 0)
    assert monday.astimezone(UTC) == datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
    # One instant, two recruiters: each counts in their own working day.
    asked = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)  # 16:30 in Paris, 10:30 in New York
    assert deadline(asked, 24, week(PARIS)) == datetime(2026, 3, 9, 15, 30, tzinfo=UTC)
    assert deadline(asked, 24, week(NEW_YORK)) == datetime(2026, 3, 9, 14, 30, tzinfo=UTC)


def test_public_holidays_of_the_chosen_calendar_do_not_count(office):
    # Friday 1 May 2026 is Labour Day in Berlin; 25 December is a Friday too.
    thursday = local(BERLIN, 2026, 4, 30, 16, 0)
    assert due(thursday, week(BERLIN)) == local(BERLIN, 2026, 5, 1, 16, 0)
    assert due(thursday, week(BERLIN, holidays="Berlin")) == local(BERLIN, 2026, 5, 4, 16, 0)
    christmas_eve = local(BERLIN, 2026, 12, 24, 16, 0)
    assert due(christmas_eve, week(BERLIN, holidays="Berlin")) == local(BERLIN, 2026, 12, 28, 16, 0)


def test_any_working_week(office):
    # Monday, Wednesday and Friday mornings, 08:00–12:00: a working day is four hours.
    mornings = week(days=0b0010101, starts=480, ends=720)
    assert due(local(PARIS, 2026, 3, 9, 11, 0), mornings) == local(PARIS, 2026, 3, 11, 11, 0)
    assert mornings.days_text == "Monday, Wednesday and Friday"
    # A day that ends at midnight.
    evenings = week(starts=840, ends=1440)
    assert due(local(PARIS, 2026, 3, 6, 23, 0), evenings) == local(PARIS, 2026, 3, 9, 23, 0)
    assert evenings.hours_text == "14:00–24:00"
    # Open every hour: plain hours, whatever the day.
    always = week(days=0b1111111, starts=0, ends=1440)
    saturday = local(PARIS, 2026, 3, 7, 3, 15)
    assert due(saturday, always) == saturday + timedelta(hours=24)


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ({"days": "Mon-Fri", "start": "17:00", "end": "09:00"}, '"end" must come after'),
        ({"days": "Funday", "start": "09:00", "end": "17:00"}, '"days" must name weekdays'),
        ({"days": "Mon-Fri", "start": "9h", "end": "17:00"}, '"start" must be a time'),
        ({"days": "Mon-Fri", "start": "09:00", "end": "25:00"}, '"end" must be a time'),
    ],
)
def test_a_wrong_default_week_stops_the_start(setting, problem):
    """Read as the questions package plugs itself in, before anything else it does."""
    app = Flask(__name__)
    app.config["WORKING_HOURS_DEFAULT"] = setting
    with pytest.raises(ConfigError, match=re.escape(problem)):
        questions_app.init_app(app)


# --- The pages, the statuses and the notices count the same working hours ------------------------

FRIDAY_ASKED = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # 16:00 in Paris
MONDAY_BEFORE = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)  # 15:30 in Paris
MONDAY_AFTER = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)  # 16:30 in Paris


@pytest.fixture
def weekend(make_app):
    app = make_app(WORKING_HOURS_DEFAULT=OFFICE, PORTAL_CLOCK=FRIDAY_ASKED)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        ana = make_staff(Role.RECRUITER, "ana@example.com", "Ana Ruiz", zone=PARIS)
        alice = make_candidate("alice@example.com", ana, name="Alice Martin", zone=PARIS)
        ids = {"ana": ana.id, "alice": alice.id}
        # Asked on Friday at 16:00 in Paris (messages are stamped by the real clock: this
        # one is written with its instant).
        db.session.add(
            Message(
                candidate_id=alice.id,
                author_id=alice.id,
                body="Is there a dress code?",
                created_at=FRIDAY_ASKED,
            )
        )
        db.session.commit()
    alice_client = app.test_client()
    sign_in(alice_client, "alice@example.com")
    return app, ids, alice_client


def _reasons(app, candidate_id: int, now: datetime) -> list[str]:
    with app.app_context():
        (signal,) = engagement.signals(now, candidate_ids=[candidate_id])
        return [reason.code for reason in signal.reasons]


def test_friday_afternoons_question_is_due_on_monday_everywhere(weekend):
    app, ids, alice = weekend
    ana = app.test_client()
    sign_in(ana, "ana@example.com")
    thread = f"/recruiter/candidates/{ids['alice']}/questions"

    app.config["PORTAL_CLOCK"] = MONDAY_BEFORE
    page = alice.get("/candidate/questions").get_data(as_text=True)
    assert "expect one by <time" in page and "Monday 9 March 2026, 16:00 CET" in page
    inbox = ana.get("/recruiter/inbox").get_data(as_text=True)
    assert "Alice Martin" in inbox and "Overdue" not in inbox
    assert "less than an hour left" in inbox
    assert "Answer promised by" in ana.get(thread).get_data(as_text=True)
    assert "unanswered_question" not in _reasons(app, ids["alice"], MONDAY_BEFORE)
    with app.app_context():
        status_changes.evaluate(MONDAY_BEFORE)
        db.session.commit()
        assert not db.session.scalars(
            select(EngagementEvent).where(EngagementEvent.kind == EventKind.QUESTION_OVERDUE)
        ).all()

    app.config["PORTAL_CLOCK"] = MONDAY_AFTER
    inbox = ana.get("/recruiter/inbox").get_data(as_text=True)
    assert "Overdue" in inbox and "by less than an hour" in inbox
    assert "Overdue: the answer was promised by" in ana.get(thread).get_data(as_text=True)
    assert "taking longer than the 24 hours we promise" in alice.get(
        "/candidate/questions"
    ).get_data(as_text=True)
    assert "unanswered_question" in _reasons(app, ids["alice"], MONDAY_AFTER)
    with app.app_context():
        status_changes.evaluate(MONDAY_AFTER)
        db.session.commit()
        (overdue,) = db.session.scalars(
            select(EngagementEvent).where(EngagementEvent.kind == EventKind.QUESTION_OVERDUE)
        ).all()
        assert overdue.occurred_at == MONDAY_AFTER


def test_each_recruiter_sets_their_own_working_week(weekend):
    app, ids, _alice = weekend
    app.config["PORTAL_CLOCK"] = MONDAY_BEFORE
    ana = app.test_client()
    sign_in(ana, "ana@example.com")
    page = ana.get("/recruiter/availability").get_data(as_text=True)
    assert "Monday to Friday, 09:00–17:00 (Europe/Paris)" in page
    assert "(the portal’s usual week)" in page
    every_day = {
        "time_zone": PARIS,
        "weekdays": [str(n) for n in range(7)],
        "starts": "09:00",
        "ends": "17:00",
        "holiday_calendar": "Paris",
    }
    saved = post_form(
        ana, "/recruiter/availability/hours", every_day, form_url="/recruiter/availability"
    )
    assert saved.status_code == 302
    page = ana.get("/recruiter/availability").get_data(as_text=True)
    assert "Every day, 09:00–17:00 (Europe/Paris), with the public holidays of Paris" in page
    # Working at the weekend, Ana owed the answer on Saturday at 16:00.
    assert "Overdue" in ana.get("/recruiter/inbox").get_data(as_text=True)
    assert "unanswered_question" in _reasons(app, ids["alice"], MONDAY_BEFORE)
    with app.app_context():
        hours = db.session.get(WorkingHours, ids["ana"])
        assert (hours.weekdays, hours.starts_minute, hours.ends_minute) == (127, 540, 1020)
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "working_hours.changed")
        ).one()
        assert entry.old_value == "Monday to Friday, 09:00–17:00 (Europe/Paris)"
        assert entry.actor_id == entry.target_user_id == ids["ana"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weekdays": []}, "weekdays", "Tick at least one working day."),
        ({"weekdays": ["0", "9"]}, "weekdays", "Tick days from the list."),
        ({"starts": "17:00", "ends": "09:00"}, "ends", "Finish after you start."),
        ({"starts": "25:00"}, "starts", "Not a valid time value."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Choose a place from the list"),
        ({"holiday_calendar": "Atlantis"}, "holiday_calendar", "Choose public holidays"),
    ],
)
def test_working_hours_refused_beside_their_field(weekend, change, field, message):
    app, ids, _alice = weekend
    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    page = f"/hr/people/{ids['ana']}/availability"
    form = {
        "time_zone": PARIS,
        "weekdays": ["0", "1", "2", "3", "4"],
        "starts": "09:00",
        "ends": "17:00",
        "holiday_calendar": "",
        **change,
    }
    answer = post_form(hr, f"{page}/hours", form, form_url=page)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    found = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', html, re.S)
    assert found and message in found.group(1), (field, html[:200])
    with app.app_context():
        assert db.session.get(WorkingHours, ids["ana"]) is None, "nothing saved"
