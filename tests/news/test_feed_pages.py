"""HR manages the feeds in the portal: adds, edits, turns off and on, deletes (when empty), and
tests a feed against a real HTTP server on loopback, seeing what would be stored (nothing is)
or, in words beside the field or in the preview, why it cannot be used. Every change is in the
audit log, in words; no input ends in a 500."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.news import library
from portal.news.models import Feed, FeedEntry
from portal.people import audit
from portal.people.models import AuditEntry, Role
from tests.feed_server import MiB, running_feed_server
from tests.support import free_port, make_candidate, make_staff, post_form, sign_in

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PREVIEW_SECONDS = 1.5
MAX_BYTES = 256 * 1024


def rss(*titles: str, extra: str = "") -> bytes:
    items = "".join(
        f"<item><guid>g{n}</guid><title>{title}</title><link>https://news.example.com/{n}</link>"
        f"<pubDate>{NOW - timedelta(days=n):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        f"<description>&lt;p&gt;About {title}.&lt;/p&gt;{extra}</description></item>"
        for n, title in enumerate(titles)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Company news</title>'
        f"{items}</channel></rss>"
    ).encode()


HOSTILE = (
    "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    "&lt;a href=&quot;javascript:alert(3)&quot;&gt;click&lt;/a&gt;"
)


@pytest.fixture
def feed_server():
    with running_feed_server() as server:
        yield server


@pytest.fixture
def app(make_app):
    return make_app(
        PORTAL_CLOCK=NOW,
        PORTAL_FEEDS_ALLOW_PRIVATE={"127.0.0.1"},
        PORTAL_FEEDS_PREVIEW_SECONDS=PREVIEW_SECONDS,
        PORTAL_FEEDS_MAX_BYTES=MAX_BYTES,
    )


@pytest.fixture
def hr(app):
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        make_staff(Role.RECRUITER, "rec@example.com", "Rita Recruiter")
    client = app.test_client()
    assert sign_in(client, "hr@example.com").status_code == 302
    return client


def form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Company news",
        "url": "https://news.example.com/feed.xml",
        "departments": "",
        "locations": "",
        "max_items": "20",
        "enabled": "y",
    } | overrides


def add(hr, **overrides: str):
    return post_form(hr, "/hr/news/feeds/new", form(**overrides))


def feeds(app) -> list[Feed]:
    with app.app_context():
        found = list(db.session.scalars(select(Feed).order_by(Feed.id)))
        db.session.expunge_all()
        return found


def audit_lines(app) -> list[tuple[str, str | None, str | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(audit.describe(r.action), r.field, r.old_value, r.new_value) for r in rows]


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("Error:", "").strip()


def test_hr_adds_a_feed_that_is_due_at_once_and_audited(app, hr):
    response = add(hr, departments="Engineering, Data  Science", locations="Paris")
    assert response.status_code == 302
    (feed,) = feeds(app)
    assert response.headers["Location"] == f"/hr/news#feed-{feed.id}"
    assert (feed.name, feed.url, feed.max_items, feed.enabled) == (
        "Company news",
        "https://news.example.com/feed.xml",
        20,
        True,
    )
    assert (feed.departments, feed.locations) == (",engineering,data science,", ",paris,")
    assert feed.next_check_at == NOW and feed.settings_changed_at == NOW
    assert feed.imported_at is None
    page = hr.get("/hr/news").get_data(as_text=True)
    assert "“Company news” is added" in page and "Not fetched yet" in page
    assert "Departments: engineering, data science; locations: paris" in page
    assert audit_lines(app)[-1] == (
        "added a news feed",
        "url",
        None,
        "https://news.example.com/feed.xml",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "  ", "Enter the feed's name."),
        ("name", "x" * 121, "The feed's name has at most 120 characters"),
        ("url", "", "Enter the feed's address."),
        ("url", "news.example.com/feed", "must start with https:// or http://"),
        ("url", "javascript:alert(1)", "must start with https:// or http://"),
        ("url", "https://me:pw@news.example.com/", "must not contain a user name or password"),
        ("url", "https://news.example.com/a feed", "cannot contain spaces"),
        ("url", "https://news.example.com:99999/", "is not a valid web address"),
        ("url", "https://" + "a" * 2000 + ".com/", "at most 2,000 characters"),
        ("max_items", "", "Enter a whole number from 1 to 100."),
        ("max_items", "lots", "Enter a whole number from 1 to 100."),
        ("max_items", "0", "Enter a whole number from 1 to 100."),
        ("max_items", "101", "Enter a whole number from 1 to 100."),
        ("departments", ", ".join(str(n) + "d" * 79 for n in range(7)), "Too many names"),
        ("locations", "x" * 81, "Keep each name to 80 characters or fewer."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(app, hr, field, value, message):
    response = add(hr, **{field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in error_beside(page, field)
    assert "Please correct the field" in page
    assert feeds(app) == []


def test_a_name_or_address_already_taken_is_refused_beside_its_field(app, hr):
    assert add(hr).status_code == 302
    taken_name = add(hr, name="COMPANY NEWS", url="https://other.example.com/feed")
    assert taken_name.status_code == 422
    assert "Another feed is already called “Company news”." in error_beside(
        taken_name.get_data(as_text=True), "name"
    )
    # The same address written another way is the same address.
    taken_url = add(hr, name="Other", url="HTTPS://News.Example.com:443/feed.xml#top")
    assert taken_url.status_code == 422
    assert "This address is already the feed “Company news”." in error_beside(
        taken_url.get_data(as_text=True), "url"
    )
    assert len(feeds(app)) == 1


def test_hr_edits_a_feed_and_each_change_is_audited_in_words(app, hr):
    add(hr)
    (feed,) = feeds(app)
    with app.app_context():
        stored = db.session.get(Feed, feed.id)
        stored.etag, stored.error_count, stored.last_error = '"v1"', 3, "The server answered 500."
        db.session.commit()
    url = f"/hr/news/feeds/{feed.id}/edit"
    page = hr.get(url).get_data(as_text=True)
    assert 'value="Company news"' in page and 'value="https://news.example.com/feed.xml"' in page
    unchanged = post_form(hr, url, form())
    assert unchanged.status_code == 302
    assert "Nothing changed." in hr.get("/hr/news").get_data(as_text=True)
    changed = post_form(
        hr,
        url,
        form(
            name="News", url="https://news.example.com/v2.xml", max_items="5", departments="Sales"
        ),
    )
    assert changed.status_code == 302
    (feed,) = feeds(app)
    assert (feed.name, feed.url, feed.max_items) == ("News", "https://news.example.com/v2.xml", 5)
    # A new address: the old one's validators, back-off and error say nothing about it.
    assert feed.etag is None and feed.error_count == 0 and feed.last_error is None
    assert feed.next_check_at == NOW
    assert audit_lines(app)[-4:] == [
        ("changed a news feed", "name", "Company news", "News"),
        (
            "changed a news feed",
            "url",
            "https://news.example.com/feed.xml",
            "https://news.example.com/v2.xml",
        ),
        ("changed a news feed", "departments", "everyone", "sales"),
        ("changed a news feed", "max_items", "20", "5"),
    ]
    audit_page = hr.get("/hr/audit").get_data(as_text=True)
    assert "changed a news feed" in audit_page and "items kept" in audit_page
    assert "max_items" not in audit_page and "feed.updated" not in audit_page
    assert hr.get("/hr/news/feeds/999999/edit").status_code == 404


def test_turning_a_feed_off_asks_first_then_hides_its_news_and_stops_fetching(app, hr):
    add(hr)
    (feed,) = feeds(app)
    with app.app_context():
        candidate = make_candidate("alice@example.com", None, name="Alice A")
        db.session.add(FeedEntry(feed_id=feed.id, key="k", title="Lyon office opens"))
        db.session.commit()
        candidate_email = candidate.email
    alice = app.test_client()
    sign_in(alice, candidate_email)
    assert "Lyon office opens" in alice.get("/candidate/news").get_data(as_text=True)

    url = f"/hr/news/feeds/{feed.id}/disable"
    asked = post_form(hr, url, {}, form_url="/hr/news")
    assert asked.status_code == 200
    question = asked.get_data(as_text=True)
    assert "Turn off the feed “Company news”?" in question and "Yes, turn it off" in question
    assert feeds(app)[0].enabled  # nothing changed yet
    done = post_form(hr, url, {"confirmed": "1"}, form_url="/hr/news")
    assert done.status_code == 302
    assert not feeds(app)[0].enabled
    page = hr.get("/hr/news").get_data(as_text=True)
    assert "is off: candidates no longer see its news" in page
    assert '<span class="badge badge-muted">Off</span>' in page and "Turn on" in page
    assert "Lyon office opens" not in alice.get("/candidate/news").get_data(as_text=True)
    with app.app_context():
        from portal.news.feeds import refresh

        assert refresh.due_feeds(NOW + timedelta(days=1)) == []

    assert (
        post_form(hr, f"/hr/news/feeds/{feed.id}/enable", {}, form_url="/hr/news").status_code
        == 302
    )
    assert feeds(app)[0].enabled
    assert "Lyon office opens" in alice.get("/candidate/news").get_data(as_text=True)
    assert [line[:2] for line in audit_lines(app)[-2:]] == [
        ("turned off a news feed", "enabled"),
        ("turned on a news feed", "enabled"),
    ]
    # Without the form's token: refused, nothing changes.
    assert hr.post(f"/hr/news/feeds/{feed.id}/disable", data={"confirmed": "1"}).status_code == 400
    assert feeds(app)[0].enabled


def test_only_a_feed_without_entries_can_be_deleted(app, hr):
    add(hr)
    add(hr, name="Empty", url="https://empty.example.com/feed")
    full, empty = feeds(app)
    with app.app_context():
        db.session.add(FeedEntry(feed_id=full.id, key="k", title="Kept"))
        db.session.commit()
    page = hr.get("/hr/news").get_data(as_text=True)
    assert f'formaction="/hr/news/feeds/{empty.id}/delete"' in page
    assert f'formaction="/hr/news/feeds/{full.id}/delete"' not in page
    refused = post_form(
        hr, f"/hr/news/feeds/{full.id}/delete", {"confirmed": "1"}, form_url="/hr/news"
    )
    assert refused.status_code == 302
    assert "cannot be deleted: turn it off instead" in hr.get("/hr/news").get_data(as_text=True)
    asked = post_form(hr, f"/hr/news/feeds/{empty.id}/delete", {}, form_url="/hr/news")
    assert "Delete the feed “Empty”?" in asked.get_data(as_text=True)
    deleted = post_form(
        hr, f"/hr/news/feeds/{empty.id}/delete", {"confirmed": "1"}, form_url="/hr/news"
    )
    assert deleted.status_code == 302
    assert [feed.name for feed in feeds(app)] == ["Company news"]
    assert audit_lines(app)[-1] == (
        "deleted a news feed",
        "url",
        "https://empty.example.com/feed",
        None,
    )


# --- Test this feed ----------------------------------------------------------------------------


def preview(hr, url: str, *, path: str = "/hr/news/feeds/new", **overrides: str):
    """The page after "Test this feed" with `url` in the form."""
    return post_form(hr, path, form(url=url, **overrides) | {"action": "test"})


def section(page: str) -> str:
    found = re.search(r'<section class="panel feed-preview".*?</section>', page, re.S)
    assert found, "no preview on the page"
    return found.group(0)


def nothing_stored(app) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count(Feed.id))) == 0
        assert db.session.scalar(select(func.count(FeedEntry.id))) == 0


def test_testing_a_good_feed_shows_what_would_be_stored_and_stores_nothing(app, hr, feed_server):
    url = feed_server.static(
        "/feed.xml", rss("Lyon office opens", "How we test", "Welcome week", extra=HOSTILE)
    )
    response = preview(hr, url, max_items="2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = section(page)
    assert "The feed works: the portal would store 2 items from “Company news”." in shown
    assert "Lyon office opens" in shown and "How we test" in shown and "Welcome week" not in shown
    assert "The feed holds 3 items: only the newest 2 are kept" in shown
    assert "1 Dec 2026, 12:00" in shown  # the newest item's date, in HR's zone
    assert "<p>About Lyon office opens.</p>" in shown  # the sanitised summary
    assert "<script" not in shown and "onerror" not in shown and "javascript:" not in shown
    assert "Nothing was saved." in shown
    # The form keeps what was typed, for saving next.
    assert f'value="{url}"' in page and 'value="2"' in page
    nothing_stored(app)
    assert not [line for line in audit_lines(app) if "news feed" in line[0]]


def test_testing_an_existing_feed_changes_nothing_on_it(app, hr, feed_server):
    add(hr)
    (feed,) = feeds(app)
    url = feed_server.static(
        "/feed.xml", b"<html><body>Shop</body></html>", headers={"Content-Type": "text/html"}
    )
    response = preview(hr, url, path=f"/hr/news/feeds/{feed.id}/edit")
    assert response.status_code == 200
    assert "Nothing would be stored: The address returns a web page, not a news feed" in section(
        response.get_data(as_text=True)
    )
    (after,) = feeds(app)
    assert (after.url, after.last_error, after.error_count) == (feed.url, None, 0)


def _slow(feed_server):
    return feed_server.hang("/slow.xml", seconds=10)


@pytest.mark.parametrize(
    ("register", "words"),
    [
        (
            lambda s: s.static(
                "/bad.xml", b'<?xml version="1.0"?><rss><channel><title>Oops</channel>'
            ),
            "not well-formed XML",
        ),
        (
            lambda s: s.static(
                "/page.html",
                b"<!doctype html><html><head><title>Shop</title></head><body>Hi</body></html>",
                headers={"Content-Type": "text/html"},
            ),
            "The address returns a web page, not a news feed (RSS or Atom).",
        ),
        (lambda s: s.stream("/huge.xml", total_bytes=4 * MiB), "The feed is larger than 256 KiB."),
        (lambda s: s.gzip_bomb("/bomb.xml"), "The feed is larger than 256 KiB."),
        (
            lambda s: s.static("/gone.xml", b"gone", status=404),
            "The server answered 404 Not Found.",
        ),
        (
            lambda s: s.redirect("/private.xml", "http://10.0.0.1/feed.xml"),
            "fter a redirect to http://10.0.0.1/feed.xml: 10.0.0.1 points to a private address",
        ),
        (
            lambda s: s.static(
                "/entities.xml", b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "x">]><rss/>'
            ),
            "declares its own XML entities",
        ),
        (_slow, "seconds to send the feed"),
    ],
    ids=[
        "malformed",
        "web-page",
        "too-big",
        "gzip-bomb",
        "not-found",
        "redirect-private",
        "entities",
        "slow",
    ],
)
def test_a_feed_that_cannot_be_used_says_why_in_the_preview(app, hr, feed_server, register, words):
    url = register(feed_server)
    started = time.monotonic()
    response = preview(hr, url)
    assert time.monotonic() - started < PREVIEW_SECONDS + 3
    assert response.status_code == 200
    shown = section(response.get_data(as_text=True))
    assert "Nothing would be stored:" in shown and words in html.unescape(shown)
    assert "Traceback" not in shown and "Exception" not in shown
    nothing_stored(app)


def test_a_server_that_is_down_is_reported_plainly(app, hr):
    port = free_port()  # nothing listens there
    shown = section(preview(hr, f"http://127.0.0.1:{port}/feed.xml").get_data(as_text=True))
    assert f"Nothing would be stored: 127.0.0.1 refused the connection on port {port}." in shown


def test_a_private_address_is_refused_without_a_fetch(app, hr):
    shown = section(preview(hr, "http://169.254.169.254/latest/meta-data/").get_data(as_text=True))
    assert "Nothing would be stored:" in shown and "link-local" in shown


def test_a_redirect_to_another_site_is_a_warning(app, hr, feed_server):
    target = feed_server.static("/new.xml", rss("Moved"))
    url = feed_server.redirect("/old.xml", target.replace("127.0.0.1", "localhost"))
    shown = section(preview(hr, url).get_data(as_text=True))
    assert "The feed works: the portal would store 1 item" in shown
    assert "The address redirects to another site (localhost)" in html.unescape(shown)


def test_a_malformed_feed_read_leniently_is_previewed_with_its_warning(app, hr, feed_server):
    body = rss("Lyon office opens").replace(b"</channel>", b"<broken></channel>")
    shown = section(preview(hr, feed_server.static("/lenient.xml", body)).get_data(as_text=True))
    assert "Lyon office opens" in shown and "not well-formed XML" in shown


def test_testing_a_malformed_address_is_refused_beside_the_field(app, hr):
    response = preview(hr, "file:///etc/passwd", name="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "must start with https:// or http://" in error_beside(page, "url")
    assert 'id="name-error"' not in page  # a test needs only the address
    assert "feed-preview" not in page


def test_a_preview_needs_the_form_token(app, hr, feed_server):
    url = feed_server.static("/feed.xml", rss("x"))
    refused = hr.post("/hr/news/feeds/new", data=form(url=url) | {"action": "test"})
    assert refused.status_code == 400
    assert feed_server.requests == []  # never fetched


def test_the_feeds_list_is_paged_by_name(app, hr):
    with app.app_context():
        for number in range(library.HR_PAGE_SIZE + 1):
            db.session.add(Feed(name=f"Feed {number:03}", url=f"https://n{number}.example.com/"))
        db.session.commit()
    first = hr.get("/hr/news").get_data(as_text=True)
    assert "Feed 000" in first and f"Feed {library.HR_PAGE_SIZE:03}" not in first
    older = html.unescape(re.search(r'href="([^"]+)" rel="next">Next</a>', first).group(1))
    last = hr.get(older).get_data(as_text=True)
    assert f"Feed {library.HR_PAGE_SIZE:03}" in last and "Feed 000" not in last
    assert 'rel="next"' not in last
    assert hr.get("/hr/news?after=abc").status_code == 200  # an unreadable cursor: the first page


def test_a_failing_feed_is_parked_with_its_reason(app, hr):
    with app.app_context():
        db.session.add(
            Feed(
                name="Broken",
                url="https://broken.example.com/feed",
                last_error="The address returns a web page, not a news feed (RSS or Atom).",
                last_error_at=NOW - timedelta(hours=1),
                error_count=4,
                next_check_at=NOW + timedelta(hours=2),
            )
        )
        db.session.commit()
    page = hr.get("/hr/news").get_data(as_text=True)
    assert '<span class="badge badge-danger">Failing</span>' in page
    assert "Parked after 4 failed checks in a row: The address returns a web page" in page
    assert "tries again at <time" in page


def test_the_feeds_download_as_a_feeds_file(app, hr):
    add(hr, departments="Sales")
    response = hr.get("/hr/news/feeds.yaml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "- name: Company news\n" in text and "departments: [sales]" in text


def test_nobody_else_may_manage_feeds(app, hr):
    rita = app.test_client()
    sign_in(rita, "rec@example.com")
    for path in ("/hr/news/feeds/new", "/hr/news/feeds.yaml"):
        assert rita.get(path).status_code == 404


def test_the_preview_deadline_comes_from_config_or_the_environment(make_app, monkeypatch):
    from portal.news.feeds import preview as feed_preview

    app = make_app()
    with app.app_context():
        assert feed_preview.preview_seconds() == 10
        monkeypatch.setenv("PORTAL_FEEDS_PREVIEW_SECONDS", "4")
        assert feed_preview.preview_seconds() == 4
        assert feed_preview.preview_options()["deadline"] == 4
        monkeypatch.setenv("PORTAL_FEEDS_PREVIEW_SECONDS", "soon")
        assert feed_preview.preview_seconds() == 10  # logged, never a 500
