"""The candidate home: joining moment in the candidate's zone, a server-side countdown."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.timeline.joining import countdown, joining_instant
from tests.support import make_candidate, make_staff, sign_in


@pytest.mark.parametrize(
    ("zone", "joining", "now_utc", "expected"),
    [
        # Kolkata is UTC+05:30: 09:00 IST is 03:30 UTC.
        ("Asia/Kolkata", datetime(2026, 12, 1, 9, 0), datetime(2026, 11, 28, 1, 0), (3, 2, 30)),
        # New York springs forward on 8 March 2026: 09:00 EDT is 13:00 UTC, not 14:00.
        ("America/New_York", datetime(2026, 3, 9, 9, 0), datetime(2026, 3, 7, 14, 0), (1, 23, 0)),
        # ...and falls back on 1 November 2026: 09:00 EST is 14:00 UTC, not 13:00.
        ("America/New_York", datetime(2026, 11, 2, 9, 0), datetime(2026, 10, 31, 13, 0), (2, 1, 0)),
        # Adelaide is UTC+10:30 in summer (from 4 October 2026), +09:30 in winter.
        ("Australia/Adelaide", datetime(2027, 1, 4, 9, 0), datetime(2027, 1, 2, 22, 30), (1, 0, 0)),
        ("Australia/Adelaide", datetime(2026, 7, 1, 9), datetime(2026, 6, 30, 0, 0), (0, 23, 30)),
    ],
)
def test_countdown_in_the_candidates_zone(zone, joining, now_utc, expected):
    target = joining_instant(joining.date(), joining.time(), zone)
    left = countdown(target, now_utc.replace(tzinfo=UTC))
    assert (left.days, left.hours, left.minutes) == expected


def test_adelaide_joining_instant_has_the_half_hour_offset():
    target = joining_instant(date(2027, 1, 4), time(9, 0), "Australia/Adelaide")
    assert target.utcoffset() == timedelta(hours=10, minutes=30)
    assert target.astimezone(UTC) == datetime(2027, 1, 3, 22, 30, tzinfo=UTC)


def test_a_passed_joining_moment_never_counts_negative():
    target = joining_instant(date(2026, 1, 5), time(9, 0), "Europe/Paris")
    left = countdown(target, datetime(2026, 1, 6, tzinfo=UTC))
    assert left.has_passed and (left.days, left.hours) == (0, 0)


def test_a_nonexistent_local_time_resolves_to_a_real_instant():
    # 02:30 on 8 March 2026 does not exist in New York (clocks jump from 02:00 to 03:00).
    target = joining_instant(date(2026, 3, 8), time(2, 30), "America/New_York")
    assert target.astimezone(UTC) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert target.hour == 3


def test_home_shows_greeting_job_joining_time_in_zone_countdown_and_recruiter(app, client):
    with app.app_context():
        from portal.people.models import Role

        recruiter = make_staff(
            Role.RECRUITER, "rita@example.com", "Rita Recruiter", phone="+33 1 23 45 67 89"
        )
        candidate = make_candidate(
            "priya@example.com",
            recruiter,
            name="Priya Sharma",
            zone="Asia/Kolkata",
            joins_in=10,
            joining_time=time(10, 30),
        )
        joining_date = candidate.candidate_profile.joining_date
    sign_in(client, "priya@example.com")
    page = client.get("/candidate/").get_data(as_text=True)
    assert "Hello, Priya" in page
    assert "Software Engineer" in page
    assert f"{joining_date.day} {joining_date:%B %Y}, 10:30 IST" in page
    target = joining_instant(joining_date, time(10, 30), "Asia/Kolkata")
    left = countdown(target, datetime.now(UTC))
    assert f'data-countdown-value="days">{left.days}</span>' in page
    assert "Rita Recruiter" in page and "rita@example.com" in page and "+33 1 23 45 67 89" in page
    assert "Times are shown in Asia/Kolkata" in page


def test_home_after_joining_says_so(app, client):
    with app.app_context():
        make_candidate("late@example.com", None, joins_in=-1)
    sign_in(client, "late@example.com")
    page = client.get("/candidate/").get_data(as_text=True)
    assert "Your first day has begun" in page
    assert "countdown-value" not in page
    assert "Your recruiter will be introduced here" in page


def test_a_relocating_candidate_sees_the_workplace_time_and_their_own(app, client):
    with app.app_context():
        make_candidate(
            "arjun@example.com",
            None,
            name="Arjun Mehta",
            zone="Asia/Kolkata",
            joining_zone="Europe/London",
            joining_date=date(2030, 6, 3),
            joining_time=time(9, 0),
        )
    sign_in(client, "arjun@example.com")
    page = client.get("/candidate/").get_data(as_text=True)
    # 09:00 in London in June (BST, UTC+1) is 13:30 in Kolkata (UTC+05:30): their own time
    # leads, the workplace's follows.
    when = page.split('<p class="joining-when">', 1)[1].split("</p>", 1)[0]
    assert when.index("Monday 3 June 2030, 13:30 IST") < when.index(
        "Monday 3 June 2030, 09:00 BST at the workplace"
    )
    assert 'datetime="2030-06-03T09:00+01:00"' in page


# --- The rendered countdown, with the portal's clock fixed (PORTAL_CLOCK) ---------------------


def shown_countdown(page: str) -> dict:
    """What the page says: the numbers and unit words, the sentence, the script's two instants."""
    sentence = re.search(r"data-countdown-sentence>(.*?)</p>", page, re.DOTALL)
    return {
        "numbers": dict(re.findall(r'data-countdown-value="(\w+)">(-?\d+)<', page)),
        "units": dict(
            re.findall(r'class="countdown-unit" data-countdown-unit="(\w+)"[^>]*>(\w+)<', page)
        ),
        "sentence": re.sub(r"<[^>]+>", "", sentence.group(1)) if sentence else None,
        "joins_at": re.search(r'data-joins-at="([^"]+)"', page),
        "server_now": re.search(r'data-server-now="([^"]+)"', page),
    }


def home_at(make_app, now_utc: datetime, zone: str, joining: datetime) -> str:
    """The candidate home as rendered when the portal's clock says `now_utc`."""
    app = make_app(PORTAL_CLOCK=now_utc.replace(tzinfo=UTC))
    with app.app_context():
        make_candidate(
            "fixed@example.com",
            None,
            zone=zone,
            joining_date=joining.date(),
            joining_time=joining.time(),
        )
    client = app.test_client()
    sign_in(client, "fixed@example.com")
    return client.get("/candidate/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("zone", "joining", "now_utc", "joins_at", "expected"),
    [
        # 09:00 IST is 03:30 UTC: three days, two hours and a half-hour's minutes.
        (
            "Asia/Kolkata",
            datetime(2026, 12, 1, 9, 0),
            datetime(2026, 11, 28, 1, 0),
            "2026-12-01T09:00:00+05:30",
            ("3 days", "2 hours", "30 minutes"),
        ),
        # Saturday 09:00 EST to Monday 09:00 EDT: the spring-forward night is an hour short.
        (
            "America/New_York",
            datetime(2026, 3, 9, 9, 0),
            datetime(2026, 3, 7, 14, 0),
            "2026-03-09T09:00:00-04:00",
            ("1 day", "23 hours", "0 minutes"),
        ),
        # 01:59 EST, a minute before the clocks jump to 03:00: 09:00 EDT is 6 h 1 min away.
        (
            "America/New_York",
            datetime(2026, 3, 8, 9, 0),
            datetime(2026, 3, 8, 6, 59),
            "2026-03-08T09:00:00-04:00",
            ("0 days", "6 hours", "1 minute"),
        ),
        # Saturday 09:00 EDT to Monday 09:00 EST: the fall-back night is an hour long.
        (
            "America/New_York",
            datetime(2026, 11, 2, 9, 0),
            datetime(2026, 10, 31, 13, 0),
            "2026-11-02T09:00:00-05:00",
            ("2 days", "1 hour", "0 minutes"),
        ),
        # Adelaide in summer (UTC+10:30) and in winter (UTC+09:30).
        (
            "Australia/Adelaide",
            datetime(2027, 1, 4, 9, 0),
            datetime(2027, 1, 2, 22, 30),
            "2027-01-04T09:00:00+10:30",
            ("1 day", "0 hours", "0 minutes"),
        ),
        (
            "Australia/Adelaide",
            datetime(2026, 7, 1, 9, 0),
            datetime(2026, 6, 30, 0, 1),
            "2026-07-01T09:00:00+09:30",
            ("0 days", "23 hours", "29 minutes"),
        ),
    ],
    ids=[
        "kolkata",
        "new-york-spring",
        "new-york-gap",
        "new-york-autumn",
        "adelaide-summer",
        "adelaide-winter",
    ],
)
def test_home_renders_the_countdown_at_a_fixed_moment(
    make_app, zone, joining, now_utc, joins_at, expected
):
    page = home_at(make_app, now_utc, zone, joining)
    shown = shown_countdown(page)
    numbers = [phrase.split()[0] for phrase in expected]
    words = [phrase.split()[1] for phrase in expected]
    assert list(shown["numbers"].values()) == numbers
    assert list(shown["numbers"]) == list(shown["units"]) == ["days", "hours", "minutes"]
    assert list(shown["units"].values()) == words
    assert shown["sentence"] == (
        f"{expected[0]}, {expected[1]} and {expected[2]} until your first day"
    )
    assert f'datetime="P{numbers[0]}DT{numbers[1]}H{numbers[2]}M"' in page
    # The script's two instants: the joining moment with its offset, and the server's "now".
    assert shown["joins_at"].group(1) == joins_at
    assert shown["server_now"].group(1) == now_utc.replace(tzinfo=UTC).isoformat()
    # Nothing announced every minute: no live region around the ticking numbers.
    ticking = page.split('id="countdown"')[1].split('class="countdown-done"')[0]
    assert "aria-live" not in ticking and "role=" not in ticking
    assert re.search(r'<script src="/static/countdown\.[0-9a-f]{10}\.js" defer></script>', page)


@pytest.mark.parametrize(
    "after", [timedelta(0), timedelta(minutes=1), timedelta(days=3)], ids=["at", "1-min", "3-days"]
)
def test_after_the_moment_the_home_says_so_without_negative_numbers(make_app, after):
    joining = datetime(2026, 11, 2, 9, 0)  # 14:00 UTC, New York
    page = home_at(make_app, datetime(2026, 11, 2, 14, 0) + after, "America/New_York", joining)
    assert 'id="countdown">Your first day has begun. Welcome aboard!</p>' in page
    shown = shown_countdown(page)
    assert shown["numbers"] == {} and shown["sentence"] is None
    assert shown["joins_at"] is None  # nothing left to count: the script is not even loaded
    assert "countdown.js" not in page
    assert not re.search(r">\s*-\d", page)


def test_the_portal_clock_must_be_aware(make_app):
    from portal.core import clock

    app = make_app(PORTAL_CLOCK=datetime(2026, 1, 1, 9, 0))
    with app.app_context(), pytest.raises(RuntimeError, match="aware"):
        clock.now()
    with make_app().app_context():
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
