"""A candidate's activity on their page: grouped by day in the reader's zone, newest first,
under the 30-day sparkline, a week of days a page ("Older days"), and never more than a
bounded number of events read for a page, however busy the candidate was."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from portal.core.extensions import db
from portal.core.pages import read_instant_cursor
from portal.engagement import activity
from portal.events import log as events
from portal.events.models import EventKind
from portal.people.models import Role
from tests.support import make_candidate, make_staff, sign_in

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 17:30 in Kolkata


@pytest.fixture
def cast(make_app):
    app = make_app(PORTAL_CLOCK=NOW)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")  # reads in UTC
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Rao", zone="Asia/Kolkata")
        pia = make_candidate("pia@example.com", rita, name="Pia Pulse")
        return app, pia.id


def _record(candidate_id: int, at: datetime, kind: EventKind = EventKind.NEWS_OPENED) -> None:
    events.record(candidate_id, kind, at=at)


def _days(page: str) -> list[tuple[str, int]]:
    """(heading, how many events) for each day on the page."""
    found = []
    for day in re.findall(r'<section class="activity-day".*?</section>', page, re.S):
        heading = re.search(r"<h3[^>]*>(.*?)</h3>", day, re.S).group(1)
        heading = html.unescape(re.sub(r"<[^>]+>", "", heading)).strip()
        found.append((" ".join(heading.split()), day.count('<li class="activity-item')))
    return found


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_days_are_the_readers_own(cast):
    app, pia = cast
    with app.app_context():
        # 20:00 UTC on 9 March is 01:30 on 10 March in Kolkata.
        _record(pia, datetime(2026, 3, 9, 20, 0, tzinfo=UTC))
        _record(pia, datetime(2026, 3, 9, 17, 0, tzinfo=UTC))
        db.session.commit()
    rita = _client(app, "rita@example.com")
    page = rita.get(f"/recruiter/candidates/{pia}").get_data(as_text=True)
    assert _days(page) == [("Tuesday 10 March 2026", 1), ("Monday 9 March 2026", 1)]
    assert re.search(r'<time class="activity-when" datetime="[^"]+">01:30</time>', page)
    hr = _client(app, "hr@example.com")
    page = hr.get(f"/hr/people/{pia}/activity").get_data(as_text=True)
    assert _days(page) == [("Monday 9 March 2026", 2)]
    # The sparkline on top: the 30 days before the days listed.
    assert page.index('<svg class="sparkline"') < page.index('class="activity-day"')
    assert "2 actions in the last 30 days, last on 9 Mar" in page


def test_a_week_of_days_a_page(cast):
    app, pia = cast
    with app.app_context():
        for days_ago in range(20):  # three things a day for twenty days
            for hour in (8, 9, 10):
                _record(pia, NOW - timedelta(days=days_ago) - timedelta(hours=12 - hour))
        db.session.commit()
    rita = _client(app, "rita@example.com")
    path = f"/recruiter/candidates/{pia}"
    seen: list[tuple[str, int]] = []
    pages = 0
    while path:
        page = rita.get(path).get_data(as_text=True)
        days = _days(page)
        assert 0 < len(days) <= activity.DAYS_PER_PAGE
        seen += days
        pages += 1
        older = re.findall(r'href="([^"]+)" rel="next">Older days', page)
        path = html.unescape(older[0]) if older else ""
        if pages > 1:
            assert "Latest activity" in page
    assert pages == 3
    assert [count for _, count in seen] == [3] * 20
    assert len({heading for heading, _ in seen}) == 20, "each day once, whole"
    assert seen[0][0] == "Tuesday 10 March 2026" and seen[-1][0] == "Thursday 19 February 2026"


def test_a_busy_day_is_shown_a_part_at_a_time_reading_a_bounded_number(cast):
    app, pia = cast
    with app.app_context():
        for minute in range(400):  # one day with more than a page can read
            _record(pia, NOW - timedelta(minutes=minute + 1))
        _record(pia, NOW - timedelta(days=2))
        db.session.commit()
        zone = ZoneInfo("UTC")
        first = activity.candidate_activity(pia, zone)
        assert [len(day.items) for day in first.days] == [activity.LIMIT]
        assert first.next_before is not None and not first.days[0].continued
        cursor = read_instant_cursor(first.next_before)
        second = activity.candidate_activity(pia, zone, before=cursor)
        assert second.days[0].continued and second.days[0].day == first.days[0].day
        assert [len(day.items) for day in second.days] == [activity.LIMIT]

        captured: list[str] = []
        engine = db.engine

        def record(_conn, _cursor, statement, *_args):
            captured.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            activity.candidate_activity(pia, zone, before=cursor)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        (timeline,) = [s for s in captured if "FROM engagement_events" in s]
        assert "LIMIT" in timeline.upper()
    rita = _client(app, "rita@example.com")
    page = rita.get(f"/recruiter/candidates/{pia}").get_data(as_text=True)
    assert _days(page) == [("Tuesday 10 March 2026", activity.LIMIT)]
    older = html.unescape(re.findall(r'href="([^"]+)" rel="next">Older days', page)[0])
    page = rita.get(older).get_data(as_text=True)
    assert _days(page)[0] == ("Tuesday 10 March 2026 (continued)", activity.LIMIT)
    # A cursor that is not one shows the newest days.
    assert _days(rita.get(f"/recruiter/candidates/{pia}?before=soon").get_data(as_text=True))


def test_no_activity_is_said_in_words(cast):
    app, pia = cast
    rita = _client(app, "rita@example.com")
    page = rita.get(f"/recruiter/candidates/{pia}").get_data(as_text=True)
    assert "Nothing recorded for Pia Pulse yet." in page
    assert 'aria-label="No activity in the last 30 days"' in page
    far = rita.get(f"/recruiter/candidates/{pia}?before=1-1").get_data(as_text=True)
    assert "Nothing older is recorded." in far and "Latest activity" in far
