"""HR's announcements: written in the portal in Markdown (rendered, then sanitised), previewed,
published now or later, targeted like feeds, taken back and deleted after a confirmation, each
step in the audit log; read by candidates among the feeds' cards with the company as source."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.news.models import Announcement, Feed, FeedEntry
from portal.people.models import AuditEntry, CandidateProfile, Role
from tests.support import csrf_token, make_candidate, make_staff, post_form, run_counted, sign_in

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
IMAGES = "https://images.example.com"
MARKDOWN = (
    "# Welcome week\n\n"
    "Meet **everyone** on *Monday*: see [the plan](https://intranet.example.com/plan).\n\n"
    "- coffee\n- lunch\n\n"
    "[click](javascript:alert(1)) <script>alert(2)</script> <b onclick=x>raw</b>\n\n"
    f"![The Lyon office at dawn]({IMAGES}/lyon.jpg)\n\n"
    "![a tracker](https://tracker.example.net/p.gif)\n"
)


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW, NEWS_IMAGE_ORIGINS=[IMAGES], COMPANY_NAME="Acme")


@pytest.fixture
def cast(app):
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR", zone="Europe/Paris")
        recruiter = make_staff(Role.RECRUITER, "rec@example.com", "Rita Recruiter")
        alice = make_candidate("alice@example.com", recruiter, name="Alice A")  # Engineering, Paris
        ben = make_candidate(
            "ben@example.com", recruiter, name="Ben B", department="Sales", location="London"
        )
        return {"hr": hr.id, "recruiter": recruiter.id, "alice": alice.id, "ben": ben.id}


def signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def form(**values) -> dict:
    return {
        "title": "Welcome week",
        "body": MARKDOWN,
        "departments": "",
        "locations": "",
        "publish_on": "",
        "publish_time": "",
        "action": "publish",
    } | values


def write(client, **values):
    return post_form(client, "/hr/news/announcements/new", form(**values))


def cards(page: str) -> list[tuple[str, str, bool]]:
    """(title, source, marked new) of each card of the page's first list of cards."""
    page = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", page)
    listed = re.search(r'<ol class="news-cards">(.*?)</ol>', page, re.S)
    if listed is None:
        return []
    found = []
    for card in re.findall(r'<li class="news-card[^"]*">(.*?)</li>', listed.group(1), re.S):
        title = re.sub(r"<[^>]+>", "", re.search(r"<h\d[^>]*>(.*?)</h\d>", card, re.S).group(1))
        meta = re.search(r'<p class="news-meta muted">([^<]*?) ·', card).group(1)
        found.append((html.unescape(title.strip()), html.unescape(meta), "badge-new" in card))
    return found


def audit(app) -> list[tuple[str, str | None, str | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.like("announcement.%"))
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.field, row.old_value, row.new_value) for row in rows]


def only_announcement(app) -> Announcement:
    with app.app_context():
        found = db.session.scalars(select(Announcement)).one()
        db.session.expunge(found)
        return found


def test_markdown_is_rendered_then_sanitised_and_the_preview_saves_nothing(app, cast):
    hr = signed_in(app, "hr@example.com")
    preview = write(hr, action="preview")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Announcement.id))) == 0
    shown = page.split('id="preview"', 1)[1]
    assert "<strong>everyone</strong>" in shown and "<em>Monday</em>" in shown
    assert "<li>coffee</li>" in shown
    assert "<p><strong>Welcome week</strong></p>" in shown  # a heading, as a bold line
    assert 'href="https://intranet.example.com/plan" target="_blank"' in shown
    assert 'href="javascript' not in shown and "<script>" not in shown
    assert "[click](javascript:alert(1))" in shown  # a link markdown refuses stays text
    assert "&lt;b onclick=x&gt;raw&lt;/b&gt;" in shown  # raw HTML is shown as text
    assert f'src="{IMAGES}/lyon.jpg" alt="The Lyon office at dawn"' in shown
    assert "tracker.example.net" not in shown  # not an allowed origin: dropped
    assert cards(shown) == [("Welcome week", "Acme", True)]
    # The card's picture is the first allowed one, with its alt text, its place reserved.
    assert (
        f'<img class="news-card-image" src="{IMAGES}/lyon.jpg" alt="The Lyon office at dawn" '
        'width="640" height="360"' in shown
    )


def test_published_for_an_audience_read_by_it_only(app, cast):
    hr = signed_in(app, "hr@example.com")
    saved = write(hr, departments="Engineering", locations="paris, Lyon")
    assert saved.status_code == 302
    assert saved.headers["Location"].startswith("/hr/news/announcements#announcement-")
    found = only_announcement(app)
    assert (found.departments, found.locations) == (",engineering,", ",paris,lyon,")
    assert found.published_at == NOW and found.author_id == cast["hr"]
    assert 'href="javascript' not in found.body_html and "<script>" not in found.body_html
    assert audit(app) == [
        ("announcement.created", None, None, None),
        ("announcement.published", "published_at", None, NOW.isoformat()),
    ]
    listed = hr.get("/hr/news/announcements").get_data(as_text=True)
    assert "Welcome week" in listed and "Published" in listed
    assert "Departments: engineering; locations: paris, lyon" in listed

    alice = signed_in(app, "alice@example.com")
    assert cards(alice.get("/candidate/").get_data(as_text=True)) == [
        ("Welcome week", "Acme", True)
    ]
    reading = alice.get(f"/candidate/news/announcements/{found.id}")
    assert reading.status_code == 200
    text = reading.get_data(as_text=True)
    assert '<h1 id="news-article-title" class="news-article-title">Welcome week</h1>' in text
    assert "<strong>everyone</strong>" in text and 'href="javascript' not in text
    assert "Read the original" not in text  # the company's own: no other site

    ben = signed_in(app, "ben@example.com")  # Sales, London
    assert cards(ben.get("/candidate/news").get_data(as_text=True)) == []
    assert ben.get(f"/candidate/news/announcements/{found.id}").status_code == 404
    assert ben.get("/candidate/news/announcements/999999").status_code == 404


def test_a_scheduled_announcement_shows_from_its_moment(app, cast):
    hr = signed_in(app, "hr@example.com")  # in Paris: 13:00 there is 12:00 UTC
    assert write(hr, publish_on="2026-12-03", publish_time="09:30").status_code == 302
    found = only_announcement(app)
    assert found.published_at == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    listed = hr.get("/hr/news/announcements").get_data(as_text=True)
    assert "Scheduled" in listed
    alice = signed_in(app, "alice@example.com")
    assert cards(alice.get("/candidate/news").get_data(as_text=True)) == []
    assert alice.get(f"/candidate/news/announcements/{found.id}").status_code == 404
    app.config["PORTAL_CLOCK"] = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert cards(alice.get("/candidate/news").get_data(as_text=True)) == [
        ("Welcome week", "Acme", True)
    ]


@pytest.mark.parametrize(
    ("day", "time", "field", "message"),
    [
        ("2026-11-30", "09:00", "publish_on", "Choose a moment from now on"),
        ("", "09:00", "publish_on", "Choose the day too, or leave the time empty."),
        ("2026-12-05", "", "publish_time", "Enter the time too, or leave the day empty."),
        ("next week", "", "publish_on", "Not a valid date value."),
        ("9999-12-31", "23:00", "publish_on", "Choose a day within the next five years."),
    ],
)
def test_a_publish_moment_that_cannot_be_used_is_said_beside_its_field(
    app, cast, day, time, field, message
):
    hr = signed_in(app, "hr@example.com")
    refused = write(hr, publish_on=day, publish_time=time)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    error = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert "Welcome week" in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Announcement.id))) == 0


def test_title_and_text_are_required_and_audiences_checked(app, cast):
    hr = signed_in(app, "hr@example.com")
    refused = write(hr, title="  ", body="")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="title-error"' in page and "Enter a title." in page
    assert 'id="body-error"' in page and "Write the announcement." in page
    long_tag = write(hr, departments="x" * 81)
    assert long_tag.status_code == 422
    assert "Keep each name to 80 characters or fewer." in long_tag.get_data(as_text=True)
    assert hr.post("/hr/news/announcements/new", data=form()).status_code == 400  # no CSRF
    assert post_form(hr, "/hr/news/announcements/new", form(action="other")).status_code == 400


def test_a_draft_then_publish_now_take_back_and_delete_each_asked_and_audited(app, cast):
    hr = signed_in(app, "hr@example.com")
    assert write(hr, action="draft").status_code == 302
    found = only_announcement(app)
    assert found.published_at is None
    alice = signed_in(app, "alice@example.com")
    assert cards(alice.get("/candidate/news").get_data(as_text=True)) == []
    listed = hr.get("/hr/news/announcements").get_data(as_text=True)
    token = csrf_token(listed)
    base = f"/hr/news/announcements/{found.id}"

    published = hr.post(f"{base}/publish", data={"csrf_token": token})
    assert published.status_code == 302
    assert only_announcement(app).published_at == NOW
    assert [title for title, *_ in cards(alice.get("/candidate/news").get_data(as_text=True))] == [
        "Welcome week"
    ]

    asked = hr.post(f"{base}/unpublish", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Take back the announcement “Welcome week”?" in asked.get_data(as_text=True)
    assert only_announcement(app).published_at == NOW  # nothing yet
    taken = hr.post(f"{base}/unpublish", data={"csrf_token": token, "confirmed": "1"})
    assert taken.status_code == 302
    assert only_announcement(app).published_at is None
    assert cards(alice.get("/candidate/news").get_data(as_text=True)) == []
    assert alice.get(f"/candidate/news/announcements/{found.id}").status_code == 404

    asked = hr.post(f"{base}/delete", data={"csrf_token": token})
    assert "Delete the announcement “Welcome week”?" in asked.get_data(as_text=True)
    assert (
        hr.post(f"{base}/delete", data={"csrf_token": token, "confirmed": "1"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Announcement, found.id) is None
    assert hr.post(f"{base}/delete", data={"csrf_token": token}).status_code == 404
    assert [action for action, *_ in audit(app)] == [
        "announcement.created",
        "announcement.published",
        "announcement.unpublished",
        "announcement.deleted",
    ]


def test_editing_records_each_change_and_keeps_the_publish_moment(app, cast):
    hr = signed_in(app, "hr@example.com")
    write(hr)
    found = only_announcement(app)
    edit = f"/hr/news/announcements/{found.id}/edit"
    page = hr.get(edit).get_data(as_text=True)
    assert 'value="2026-12-01"' in page and 'value="13:00"' in page  # HR's own zone
    app.config["PORTAL_CLOCK"] = NOW + timedelta(hours=3)
    changed = post_form(
        hr,
        edit,
        form(
            title="Welcome week, updated",
            body="Now with **lunch**.",
            locations="Paris",
            pinned="y",
            publish_on="2026-12-01",
            publish_time="13:00",
        ),
    )
    assert changed.status_code == 302
    after = only_announcement(app)
    assert after.published_at == NOW  # unchanged: "new" still counts from then
    assert after.body_html == "<p>Now with <strong>lunch</strong>.</p>"
    assert after.pinned is True
    assert audit(app)[2:] == [
        ("announcement.updated", "title", "Welcome week", "Welcome week, updated"),
        ("announcement.updated", "body", "…", "…"),
        ("announcement.updated", "locations", "", ",paris,"),
        ("announcement.updated", "pinned", "False", "True"),
    ]
    same = post_form(
        hr,
        edit,
        form(
            title="Welcome week, updated", body="Now with **lunch**.", locations="Paris", pinned="y"
        ),
    )
    assert same.status_code == 302 and len(audit(app)) == 6  # nothing changed, nothing logged


def test_announcements_are_cards_among_the_feeds_and_new_since_the_previous_visit(app, cast):
    with app.app_context():
        feed = Feed(name="Engineering blog", url="https://blog.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
        db.session.add(
            FeedEntry(
                feed_id=feed.id,
                key="old",
                title="An older post",
                published_at=NOW - timedelta(days=2),
                first_seen_at=NOW - timedelta(days=2),
            )
        )
        profile = db.session.get(CandidateProfile, cast["alice"])
        profile.news_visit_at = NOW - timedelta(days=1)
        profile.news_previous_visit_at = NOW - timedelta(days=3)
        db.session.commit()
    hr = signed_in(app, "hr@example.com")
    write(hr, title="Earlier news", publish_on="2026-12-01", publish_time="13:00")
    alice = signed_in(app, "alice@example.com")
    # This visit measures from the latest one (a day ago): the post is older, the announcement
    # newer; both are listed newest first, the company as the announcement's source.
    assert cards(alice.get("/candidate/").get_data(as_text=True)) == [
        ("Earlier news", "Acme", True),
        ("An older post", "Engineering blog", False),
    ]


def test_the_hr_list_is_twenty_a_page_newest_first(app, cast):
    with app.app_context():
        for number in range(45):
            db.session.add(Announcement(title=f"Note {number:02}", body="x", body_html="<p>x</p>"))
        db.session.commit()
    hr = signed_in(app, "hr@example.com")
    page = hr.get("/hr/news/announcements").get_data(as_text=True)
    titles = re.findall(r'<h2 id="announcement-\d+-title">(Note \d+)', page)
    assert titles == [f"Note {n:02}" for n in range(44, 24, -1)]
    older = re.search(r'href="(/hr/news/announcements\?before=\d+)" rel="next"', page).group(1)
    second = hr.get(older).get_data(as_text=True)
    assert re.findall(r'<h2 id="announcement-\d+-title">(Note \d+)', second)[0] == "Note 24"
    assert hr.get("/hr/news/announcements?before=x").status_code == 200  # the first page


def test_the_pages_cost_a_constant_number_of_queries(app, cast):
    hr = signed_in(app, "hr@example.com")
    write(hr)
    alice = signed_in(app, "alice@example.com")
    found = only_announcement(app)
    alice.get("/candidate/news")  # the visit begins (written once): the pages below only read
    counts = {}
    for who, path in (
        (hr, "/hr/news/announcements"),
        (hr, f"/hr/news/announcements/{found.id}/edit"),
        (alice, "/candidate/news"),
        (alice, f"/candidate/news/announcements/{found.id}"),
    ):
        statements, _page = run_counted(app, who, path)
        counts[path] = len(statements)
    with app.app_context():
        for number in range(60):
            db.session.add(
                Announcement(title=f"N{number}", body="x", body_html="<p>x</p>", published_at=NOW)
            )
        db.session.commit()
    for who, path in (
        (hr, "/hr/news/announcements"),
        (hr, f"/hr/news/announcements/{found.id}/edit"),
        (alice, "/candidate/news"),
        (alice, f"/candidate/news/announcements/{found.id}"),
    ):
        statements, _page = run_counted(app, who, path)
        assert len(statements) == counts[path] <= 8, (path, statements)
