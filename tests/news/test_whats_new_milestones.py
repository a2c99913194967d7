"""A milestone counted in working days brings a "What's new" email when its real day (on the
joining location's calendar) enters the candidate's coming week, not when the same number of
calendar days would have."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from portal.core.extensions import db
from portal.news import whats_new
from portal.people.models import Role
from portal.timeline import workdays
from portal.timeline.models import MilestoneTemplate
from tests.support import make_candidate, make_staff

JOINING = date(2027, 1, 4)  # a Monday after Christmas and New Year in Berlin
OFFSET = -10


def _maybe_new(app, *, working_days: bool) -> bool:
    with app.app_context():
        recruiter = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        alice = make_candidate(
            "alice@example.com",
            recruiter,
            joining_date=JOINING,
            location="Berlin",
            zone="Europe/Berlin",
        )
        db.session.add(
            MilestoneTemplate(title="Papers ready", day_offset=OFFSET, working_days=working_days)
        )
        db.session.commit()
        day = workdays.shift(JOINING, OFFSET, workdays.calendar_for("Berlin"))
        # The working day has just entered the coming week; the calendar day is a week later.
        now = datetime.combine(day - timedelta(days=7), time(12), tzinfo=UTC)
        since = now - timedelta(days=1)
        return alice.id in whats_new.maybe_new([(alice, since)], now)


def test_a_working_day_milestone_is_news_when_its_real_day_comes_near(make_app):
    app = make_app()
    with app.app_context():
        day = workdays.shift(JOINING, OFFSET, workdays.calendar_for("Berlin"))
    # Ten working days before 4 January skip the weekends, Christmas and New Year.
    assert day < JOINING + timedelta(days=OFFSET)
    assert day.weekday() < 5
    assert _maybe_new(app, working_days=True)


def test_the_same_offset_in_calendar_days_is_not_near_yet(make_app):
    assert not _maybe_new(make_app(), working_days=False)
