"""The engagement dashboards (recruiter home, HR engagement) and a candidate's activity, through
the real pages with a fixed clock (PORTAL_CLOCK)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement import summary_rebuild
from portal.engagement.models import PulseResponse
from portal.events.models import EngagementEvent, EventKind
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role, User
from portal.questions.models import Message
from portal.timeline.models import MilestoneTemplate
from tests import support

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RECRUITER_ZONE = "Asia/Kolkata"  # UTC+5:30: times on the pages must be shown in it


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


# --- Building a cast -----------------------------------------------------------------------------


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def add_event(candidate_id: int, kind: EventKind, at: datetime, **fields) -> None:
    db.session.add(EngagementEvent(candidate_id=candidate_id, kind=kind, occurred_at=at, **fields))


def add_pulse(candidate_id: int, score: int, at: datetime, comment: str | None = None) -> None:
    response = PulseResponse(
        candidate_id=candidate_id, score=score, comment=comment, answered_at=at
    )
    db.session.add(response)
    db.session.flush()
    add_event(
        candidate_id,
        EventKind.PULSE_ANSWERED,
        at,
        subject=f"pulse:{response.id}",
        data={"score": score},
    )


def make_candidate(
    email: str, recruiter: User | None, name: str, joins_in: int, *, offered_days_ago: int = 40
) -> User:
    """A signed-up candidate, offered (created) `offered_days_ago` before NOW."""
    user = support.make_candidate(
        email, recruiter, name=name, joining_date=NOW.date() + timedelta(days=joins_in)
    )
    user.created_at = ago(days=offered_days_ago)
    db.session.commit()
    return user


def active(candidate: User, *, days_ago: float) -> None:
    """Signed in and read the news `days_ago` days before NOW."""
    add_event(candidate.id, EventKind.SIGNED_IN, ago(days=days_ago))
    add_event(candidate.id, EventKind.FAQ_SEARCHED, ago(days=days_ago) + timedelta(minutes=5))


@pytest.fixture
def cast(app):
    """Recruiter A (in Kolkata) has four candidates, one of each kind; recruiter B has one;
    one candidate has no recruiter."""
    with app.app_context():
        hr = support.make_staff(Role.HR, "hr@example.com", "Helen HR")
        rec_a = support.make_staff(
            Role.RECRUITER, "rec.a@example.com", "Rita Recruiter", zone=RECRUITER_ZONE
        )
        rec_b = support.make_staff(Role.RECRUITER, "rec.b@example.com", "Bob Recruiter")

        erin = make_candidate("erin@example.com", rec_a, "Erin Engaged", 30)
        active(erin, days_ago=1)
        add_pulse(erin.id, 4, ago(days=20))
        add_pulse(erin.id, 5, ago(days=2))

        quentin = make_candidate("quentin@example.com", rec_a, "Quentin Quiet", 40)
        active(quentin, days_ago=9.25)

        pia = make_candidate("pia@example.com", rec_a, "Pia Pulse", 50)
        active(pia, days_ago=1)
        add_pulse(pia.id, 5, ago(days=20))
        add_pulse(pia.id, 2, ago(days=1), comment="Still no word about my visa.")

        # Offered 20 days ago, signed in since, but never opened anything; joins in 6 days.
        sam = make_candidate("sam@example.com", rec_a, "Sam Silent", 6, offered_days_ago=20)
        add_event(sam.id, EventKind.SIGNED_IN, ago(days=2))

        bea = make_candidate("bea@example.com", rec_b, "Bea Bobsdottir", 10)
        active(bea, days_ago=1)
        add_pulse(bea.id, 5, ago(days=20))
        add_pulse(bea.id, 1, ago(days=1))

        una = make_candidate("una@example.com", None, "Una Unassigned", 25)
        active(una, days_ago=1)
        db.session.commit()
        return {
            "hr": hr.id,
            "rec_a": rec_a.id,
            "rec_b": rec_b.id,
            "erin": erin.id,
            "quentin": quentin.id,
            "pia": pia.id,
            "sam": sam.id,
            "bea": bea.id,
            "una": una.id,
        }


def signed_in(app, email: str):
    client = app.test_client()
    assert support.sign_in(client, email).status_code == 302
    return client


# --- Reading the pages ---------------------------------------------------------------------------


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rows(page: str) -> list[str]:
    """The text of each candidate's row (or card), in order."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [text_of(part) for part in re.split(r'<tr class="dashboard-row[^>]*>', body)[1:]]


def names(page: str) -> list[str]:
    return [
        html.unescape(n) for n in re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)
    ]


def get(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# --- The recruiter's dashboard -------------------------------------------------------------------


def test_recruiter_dashboard_sorts_by_risk_then_joining_and_explains(app, cast):
    page = get(signed_in(app, "rec.a@example.com"), "/recruiter/")
    assert names(page) == ["Sam Silent", "Pia Pulse", "Quentin Quiet", "Erin Engaged"]
    sam, pia, quentin, erin = rows(page)
    assert "At risk" in sam
    assert "joins in 6 days and has signed in but not read, asked or downloaded anything" in sam
    assert "in 6 days" in sam
    assert "At risk" in pia and "pulse fell from 5 to 2" in pia
    assert "2 of 5" in pia and "fell from 5" in pia
    assert "Quiet" in quentin and "not seen for 9 days" in quentin
    assert "Engaged" in erin and "5 of 5" in erin and "up from 4" in erin
    # Last seen, in the reader's zone (Kolkata, UTC+5:30): Quentin's FAQ search at 06:05 UTC.
    assert "1 Mar 2026, 11:35" in quentin
    assert "Never" not in quentin
    assert "Not answered yet" in quentin
    assert "Every status (4)" in text_of(page) and "At risk (2)" in text_of(page)
    assert "Quiet (1)" in text_of(page) and "Engaged (1)" in text_of(page)


def test_recruiter_dashboard_filters_by_status_and_searches_by_name(app, cast):
    client = signed_in(app, "rec.a@example.com")
    assert names(get(client, "/recruiter/?status=at_risk")) == ["Sam Silent", "Pia Pulse"]
    assert names(get(client, "/recruiter/?status=quiet")) == ["Quentin Quiet"]
    assert names(get(client, "/recruiter/?q=quen")) == ["Quentin Quiet"]
    assert names(get(client, "/recruiter/?q=PIA&status=at_risk")) == ["Pia Pulse"]
    # The status links keep the search.
    page = get(client, "/recruiter/?q=pia")
    assert 'href="/recruiter/?status=quiet&amp;q=pia"' in page
    # Empty states in words.
    page = get(client, "/recruiter/?q=pia&status=quiet")
    assert names(page) == [] and "No candidate matching “pia” is quiet right now." in page
    page = get(client, "/recruiter/?q=nobody-like-this")
    assert "No candidate’s name or email matches “nobody-like-this”." in html.unescape(page)
    # A status that does not exist: said plainly, every status shown.
    page = get(client, "/recruiter/?status=doomed")
    assert (
        "There is no status “doomed” (the statuses are “At risk”, “Quiet”, “Invited”, "
        "“Engaged”): showing every status." in page
    )
    assert len(names(page)) == 4


def test_a_candidate_who_never_signed_in_is_invited_then_quiet_never_engaged(app, cast):
    """Invited sits between quiet and engaged on the board, with the invitation's reason; the
    tile counts the candidates the status filter lists."""
    with app.app_context():
        rita = db.session.get(User, cast["rec_a"])
        for email, name, joins_in, invited_days_ago in (
            ("ivy@example.com", "Ivy Invited", 5, 1),
            ("olga@example.com", "Olga Overdue", 35, 4),
        ):
            user = support.make_candidate(
                email,
                rita,
                name=name,
                joining_date=NOW.date() + timedelta(days=joins_in),
                password=None,
            )
            user.created_at = ago(days=invited_days_ago)
        db.session.commit()
    client = signed_in(app, "rec.a@example.com")
    page = get(client, "/recruiter/")
    assert names(page) == [
        "Sam Silent",
        "Pia Pulse",
        "Olga Overdue",  # quiet: the invitation has waited 4 days
        "Quentin Quiet",
        "Ivy Invited",  # invited a day ago
        "Erin Engaged",
    ]
    by_name = dict(zip(names(page), rows(page), strict=True))
    ivy, olga = by_name["Ivy Invited"], by_name["Olga Overdue"]
    assert "Invited has not accepted the invitation sent 1 day ago" in ivy
    assert "Engaged" not in ivy and "Never" in ivy
    assert "Quiet has not accepted the invitation sent 4 days ago" in olga
    assert '<span class="badge badge-info engagement-badge">Invited</span>' in page
    tile = re.search(
        r'<li class="tile tile-info"><a href="([^"]+)"><span class="tile-count">(\d+)<', page
    )
    assert tile and tile.group(1) == "/recruiter/?status=invited" and tile.group(2) == "1"
    assert "Invited (1)" in text_of(page)
    assert names(get(client, "/recruiter/?status=invited")) == ["Ivy Invited"]


def test_a_recruiter_never_sees_another_recruiters_candidates(app, cast):
    client = signed_in(app, "rec.a@example.com")
    crafted = [
        "/recruiter/",
        "/recruiter/?q=bea",
        "/recruiter/?q=bea%40example.com",
        "/recruiter/?status=at_risk",
        f"/recruiter/?recruiter={cast['rec_b']}",
        f"/recruiter/?recruiter={cast['rec_b']}&q=Bea&status=at_risk",
        "/recruiter/?recruiter=unassigned",
        "/recruiter/?q=una",
    ]
    for path in crafted:
        page = get(client, path)
        shown = names(page)
        assert "Bea Bobsdottir" not in shown and "Una Unassigned" not in shown, path
        assert not any("Bobsdottir" in row or "Unassigned" in row for row in rows(page)), path
        assert f'data-candidate-id="{cast["bea"]}"' not in page, path
    # Bob sees his own, and none of Rita's.
    page = get(signed_in(app, "rec.b@example.com"), "/recruiter/")
    assert names(page) == ["Bea Bobsdottir"]
    # Someone else's candidate page is a 404.
    assert client.get(f"/recruiter/candidates/{cast['bea']}").status_code == 404


def test_a_recruiter_with_no_candidates_is_told_so(app, cast):
    with app.app_context():
        support.make_staff(Role.RECRUITER, "new.rec@example.com", "Nina New")
    page = get(signed_in(app, "new.rec@example.com"), "/recruiter/")
    assert "No candidates are assigned to you yet." in page
    assert "<table" not in page


# --- HR ------------------------------------------------------------------------------------------


def test_hr_sees_everyone_and_filters_by_recruiter(app, cast):
    client = signed_in(app, "hr@example.com")
    page = get(client, "/hr/engagement")
    assert names(page) == [
        "Sam Silent",  # at risk, joins in 6 days
        "Bea Bobsdottir",  # at risk, 10 days
        "Pia Pulse",  # at risk, 50 days
        "Quentin Quiet",
        "Una Unassigned",  # engaged, 25 days
        "Erin Engaged",  # engaged, 30 days
    ]
    by_name = dict(zip(names(page), rows(page), strict=True))
    assert "Bob Recruiter" in by_name["Bea Bobsdottir"]
    assert "Not assigned" in by_name["Una Unassigned"]
    assert "Rita Recruiter" in by_name["Sam Silent"]
    assert f'href="/hr/people/{cast["bea"]}/activity"' in page
    assert names(get(client, f"/hr/engagement?recruiter={cast['rec_b']}")) == ["Bea Bobsdottir"]
    assert names(get(client, "/hr/engagement?recruiter=unassigned")) == ["Una Unassigned"]
    assert names(get(client, f"/hr/engagement?recruiter={cast['rec_a']}&status=at_risk")) == [
        "Sam Silent",
        "Pia Pulse",
    ]
    assert names(get(client, "/hr/engagement?q=bea")) == ["Bea Bobsdottir"]
    # The recruiter select lists the active recruiters, the chosen one selected.
    page = get(client, f"/hr/engagement?recruiter={cast['rec_b']}")
    assert f'<option value="{cast["rec_b"]}" selected>Bob Recruiter</option>' in page
    # Nonsense recruiters are said to be ignored.
    for bad in ("abc", str(cast["hr"]), "999999999"):
        page = get(client, f"/hr/engagement?recruiter={bad}")
        assert "not one of the active recruiters" in page and len(names(page)) == 6, bad
    page = get(client, "/hr/engagement?q=" + "x" * 300)
    assert "Searches are limited to 100 characters." in page


# --- The sparkline -------------------------------------------------------------------------------


def test_sparkline_numbers_match_the_events(app, cast):
    with app.app_context():
        pia = cast["pia"]
        db.session.query(EngagementEvent).filter_by(candidate_id=pia).delete()
        summary_rebuild.rebuild([pia])  # a bulk delete bypasses the summaries
        for hour in (1, 2, 3):  # three things on 8 March
            add_event(pia, EventKind.NEWS_OPENED, datetime(2026, 3, 8, hour, tzinfo=UTC))
        add_event(pia, EventKind.SIGNED_IN, datetime(2026, 3, 10, 9, tzinfo=UTC))  # today
        add_event(pia, EventKind.SIGNED_IN, datetime(2026, 2, 9, 9, tzinfo=UTC))  # first day shown
        add_event(pia, EventKind.SIGNED_IN, datetime(2026, 2, 8, 23, tzinfo=UTC))  # too old
        # Written by the portal, not done by the candidate: not activity.
        add_event(pia, EventKind.STATUS_CHANGED, datetime(2026, 3, 9, 9, tzinfo=UTC), data={})
        db.session.commit()
    page = get(signed_in(app, "rec.a@example.com"), "/recruiter/?q=pia")
    (svg,) = re.findall(r"<svg class=\"sparkline\".*?</svg>", page, re.S)
    assert 'role="img"' in svg and "style=" not in svg
    label = re.search(r'aria-label="([^"]+)"', svg).group(1)
    assert label == "5 actions in the last 30 days, last on 10 Mar"
    (path,) = re.findall(r'<path class="sparkline-bar" d="([^"]+)"/>', svg)
    bars = [(int(x) // 4, int(height)) for x, height in re.findall(r"M(\d+) \d+h3v(\d+)h-3z", path)]
    # Day 0 is 9 February, day 29 is today (10 March); the busiest day is 24 high.
    assert bars == [(0, 8), (27, 24), (29, 8)]
    assert "5 in 30 days" in page


def test_no_activity_is_said_in_words(app, cast):
    with app.app_context():
        db.session.query(EngagementEvent).filter_by(candidate_id=cast["quentin"]).delete()
        summary_rebuild.rebuild([cast["quentin"]])  # a bulk delete bypasses the summaries
        db.session.commit()
    page = get(signed_in(app, "rec.a@example.com"), "/recruiter/?q=quentin")
    assert 'aria-label="No activity in the last 30 days"' in page
    assert "<rect" not in page
    (row,) = rows(page)
    assert "Never" in row


# --- A candidate's timeline of events ------------------------------------------------------------


@pytest.fixture
def story(app, cast):
    """Pia's recent history: a news item, a question, a timeline item, a pulse with a comment
    and a status change."""
    with app.app_context():
        pia = cast["pia"]
        feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
        entry = FeedEntry(feed_id=feed.id, key="k1", title="Our new office opens")
        template = MilestoneTemplate(title="Documents to prepare", details="", day_offset=-14)
        db.session.add_all([entry, template])
        db.session.flush()
        add_event(pia, EventKind.NEWS_OPENED, ago(hours=30), subject=f"news:{entry.id}")
        question = Message(candidate_id=pia, author_id=pia, body="Visa?", created_at=ago(hours=20))
        db.session.add(question)
        db.session.flush()
        add_event(pia, EventKind.QUESTION_ASKED, ago(hours=20), subject=f"message:{question.id}")
        add_event(pia, EventKind.TIMELINE_VIEWED, ago(hours=5), subject=f"milestone:{template.id}")
        add_event(
            pia,
            EventKind.STATUS_CHANGED,
            ago(hours=2),
            data={"from": "quiet", "to": "at_risk", "reasons": ["no sign-in for 9 days"]},
        )
        db.session.commit()
    return cast


def activity_lines(page: str) -> list[str]:
    """ "<the day's heading>: <time> <what>" for each event listed, in the page's order."""
    lines = []
    for day in re.findall(r'<section class="activity-day".*?</section>', page, re.S):
        heading = text_of(re.search(r"<h3[^>]*>(.*?)</h3>", day, re.S).group(1))
        section = day.split('<ol class="activity-list">', 1)[1].split("</ol>", 1)[0]
        lines += [f"{heading}: {text_of(item)}" for item in re.split(r"<li [^>]*>", section)[1:]]
    return lines


def test_candidate_page_tells_the_timeline_in_words(app, story):
    page = get(signed_in(app, "rec.a@example.com"), f"/recruiter/candidates/{story['pia']}")
    assert "pulse fell from 5 to 2" in page and "At risk" in page
    lines = activity_lines(page)
    # Newest first, by day; days and times in the recruiter's zone (NOW is 17:30 in Kolkata).
    assert lines[:5] == [
        "Tuesday 10 March 2026: 15:30 Portal: Status changed from quiet to at risk: no sign-in "
        "for 9 days",
        "Tuesday 10 March 2026: 12:30 Opened the timeline item “Documents to prepare”",
        "Monday 9 March 2026: 21:30 Asked a question",
        "Monday 9 March 2026: 17:35 Searched the FAQ",
        "Monday 9 March 2026: 17:30 Pulse: 2 of 5 — comment: Still no word about my visa.",
    ]
    assert lines[5:] == [
        "Monday 9 March 2026: 17:30 Signed in",
        "Monday 9 March 2026: 11:30 Opened the news item “Our new office opens”",
        "Wednesday 18 February 2026: 17:30 Pulse: 5 of 5",
    ]
    # The 30-day sparkline sits on top of the days.
    assert page.index('<svg class="sparkline"') < page.index('class="activity-day"')
    assert '<q class="activity-comment">Still no word about my visa.</q>' in page


def test_hr_reads_any_candidates_activity(app, story):
    client = signed_in(app, "hr@example.com")
    page = get(client, f"/hr/people/{story['pia']}/activity")
    assert "Pia Pulse’s activity" in html.unescape(page)
    lines = activity_lines(page)
    # HR reads in UTC here.
    assert lines[0] == (
        "Tuesday 10 March 2026: 10:00 Portal: Status changed from quiet to at risk: no sign-in "
        "for 9 days"
    )
    assert any("Pulse: 2 of 5 — comment: Still no word about my visa." in line for line in lines)
    assert client.get(f"/hr/people/{story['rec_a']}/activity").status_code == 404
    assert client.get("/hr/people/999999999/activity").status_code == 404


def test_a_closed_account_still_shows_its_history_to_hr(app, story):
    with app.app_context():
        db.session.get(User, story["pia"]).is_active = False
        db.session.commit()
    page = get(signed_in(app, "hr@example.com"), f"/hr/people/{story['pia']}/activity")
    assert "This account is closed" in page
    assert "Asked a question" in page


def test_nothing_recorded_is_said(app, cast):
    with app.app_context():
        db.session.query(EngagementEvent).filter_by(candidate_id=cast["sam"]).delete()
        summary_rebuild.rebuild([cast["sam"]])  # a bulk delete bypasses the summaries
        db.session.commit()
    page = get(signed_in(app, "rec.a@example.com"), f"/recruiter/candidates/{cast['sam']}")
    assert "Nothing recorded for Sam Silent yet." in page


# --- Constant queries ----------------------------------------------------------------------------


def add_busy_candidates(recruiter_id: int, start: int, count: int) -> None:
    recruiter = db.session.get(User, recruiter_id)
    for number in range(start, start + count):
        candidate = make_candidate(f"busy{number}@example.com", recruiter, f"Busy {number}", 20)
        active(candidate, days_ago=number % 12)
        add_pulse(candidate.id, 5, ago(days=20))
        add_pulse(candidate.id, 2 + number % 4, ago(days=3))
        db.session.add(
            Message(
                candidate_id=candidate.id,
                author_id=candidate.id,
                body="?",
                created_at=ago(hours=30),
            )
        )
    db.session.commit()


def test_the_dashboards_run_a_constant_number_of_queries(app):
    with app.app_context():
        support.make_staff(Role.HR, "hr@example.com", "Helen HR")
        recruiter = support.make_staff(Role.RECRUITER, "rec.a@example.com", "Rita Recruiter")
        recruiter_id = recruiter.id
        add_busy_candidates(recruiter_id, 0, 3)
    rita, hr = signed_in(app, "rec.a@example.com"), signed_in(app, "hr@example.com")
    few = {
        path: support.count_queries(app, c, path)
        for c, path in ((rita, "/recruiter/"), (hr, "/hr/engagement"))
    }
    with app.app_context():
        add_busy_candidates(recruiter_id, 3, 37)
    many = {
        path: support.count_queries(app, c, path)
        for c, path in ((rita, "/recruiter/"), (hr, "/hr/engagement"))
    }
    assert len(names(get(rita, "/recruiter/"))) == 40
    assert many == few, f"3 candidates: {few}; 40 candidates: {many}"


def add_history(candidate_id: int, count: int, feed_entry_id: int, template_id: int) -> None:
    """`count` events of every kind the timeline names something for."""
    for number in range(count):
        at = ago(hours=number + 1)
        match number % 5:
            case 0:
                add_event(candidate_id, EventKind.NEWS_OPENED, at, subject=f"news:{feed_entry_id}")
            case 1:
                add_pulse(candidate_id, 1 + number % 5, at, comment=f"comment {number}")
            case 2:
                add_event(
                    candidate_id, EventKind.TIMELINE_VIEWED, at, subject=f"milestone:{template_id}"
                )
            case 3:
                add_event(
                    candidate_id,
                    EventKind.STATUS_CHANGED,
                    at,
                    data={"from": "engaged", "to": "quiet", "reasons": ["no sign-in for 7 days"]},
                )
            case _:
                add_event(candidate_id, EventKind.SIGNED_IN, at)
    db.session.commit()


def test_the_candidate_page_runs_a_constant_number_of_queries(app, cast):
    with app.app_context():
        feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
        entry = FeedEntry(feed_id=feed.id, key="k1", title="News")
        template = MilestoneTemplate(title="Documents", details="", day_offset=-14)
        db.session.add_all([entry, template])
        db.session.flush()
        add_history(cast["quentin"], 5, entry.id, template.id)
        add_history(cast["erin"], 200, entry.id, template.id)
    rita, hr = signed_in(app, "rec.a@example.com"), signed_in(app, "hr@example.com")
    for client, path in (
        (rita, "/recruiter/candidates/{}"),
        (hr, "/hr/people/{}/activity"),
    ):
        few = support.count_queries(app, client, path.format(cast["quentin"]))
        many = support.count_queries(app, client, path.format(cast["erin"]))
        assert few == many, f"{path}: 5 events ran {few} queries, 200 ran {many}"


# --- In the reader's language -------------------------------------------------------------------


def in_german(email: str) -> None:
    db.session.scalar(select(User).where(User.email == email)).language = "de"
    db.session.commit()


def test_a_german_recruiter_reads_the_stored_reasons_in_german(app, cast):
    """The summaries keep each reason's code and facts beside its English text: the page words
    them in the reader's language, and the English page says what it always said."""
    english = get(signed_in(app, "rec.a@example.com"), "/recruiter/")
    with app.app_context():
        in_german("rec.a@example.com")
    page = get(signed_in(app, "rec.a@example.com"), "/recruiter/")
    assert '<html lang="de"' in page
    assert (
        names(page)
        == names(english)
        == ["Sam Silent", "Pia Pulse", "Quentin Quiet", "Erin Engaged"]
    )
    sam, pia, quentin, erin = rows(page)
    assert "Gefährdet" in sam
    assert (
        "tritt in 6 Tagen ein und hat sich angemeldet, aber nichts gelesen, gefragt oder "
        "heruntergeladen" in sam
    )
    assert "Stimmung von 5 auf 2 gefallen" in pia and "2 von 5" in pia
    assert "Still" in quentin and "seit 9 Tagen nicht gesehen" in quentin
    assert "1. März 2026, 11:35" in quentin  # dates in German, in the reader's zone
    assert "Aktiv" in erin and "gestiegen von 4" in erin
    assert "Jeder Status (4)" in text_of(page) and "Gefährdet (2)" in text_of(page)
    for english_words in ("not seen for", "pulse fell", "At risk", "Last seen"):
        assert english_words not in page, english_words
    assert "not seen for 9 days" in english and "seit 9 Tagen" not in english


def test_a_reason_stored_without_its_facts_reads_as_it_was_stored(app, cast):
    """A summary written before reasons kept their facts: its English text, never an error."""
    from portal.engagement.models import CandidateSummary

    with app.app_context():
        summary = db.session.get(CandidateSummary, cast["quentin"])
        summary.reasons = [{"code": "no_sign_in", "status": "quiet", "text": "not seen for 9 days"}]
        db.session.commit()
        in_german("rec.a@example.com")
    page = get(signed_in(app, "rec.a@example.com"), "/recruiter/?status=quiet")
    (quentin,) = rows(page)
    assert "not seen for 9 days" in quentin and "Still" in quentin


def test_a_german_reader_reads_the_activity_in_german(app, story):
    with app.app_context():
        add_event(
            story["pia"],
            EventKind.STATUS_CHANGED,
            ago(hours=1),
            data={
                "from": "at_risk",
                "to": "quiet",
                "reasons": ["not seen for 8 days"],
                "reason_facts": [{"code": "no_sign_in", "facts": {"days": 8, "seen": True}}],
            },
        )
        db.session.commit()
        in_german("rec.a@example.com")
    page = get(signed_in(app, "rec.a@example.com"), f"/recruiter/candidates/{story['pia']}")
    lines = activity_lines(page)
    assert lines[:3] == [
        "Dienstag, 10. März 2026: 16:30 Portal: Status geändert von gefährdet zu still: seit 8 "
        "Tagen nicht gesehen",
        # Recorded before events kept the facts: the reasons as recorded.
        "Dienstag, 10. März 2026: 15:30 Portal: Status geändert von still zu gefährdet: no "
        "sign-in for 9 days",
        "Dienstag, 10. März 2026: 12:30 Hat den Schritt „Documents to prepare“ des Zeitplans "
        "geöffnet",
    ]
    assert "Stimmung: 2 von 5 — Kommentar: Still no word about my visa." in " ".join(lines)
    assert re.search(r'aria-label="\d+ Aktionen in den letzten 30 Tagen, zuletzt am \d+\. ', page)
