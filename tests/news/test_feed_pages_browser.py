"""HR's feed pages in real Chromium, on a 375 px phone and a 1280 px desktop: the list, the
form with an error beside its field, "Test this feed" against a real feed server on loopback
(a working feed and one that is a web page), adding the feed, and turning it off after the
"are you sure?" page. Every page passes axe-core and fits the screen; the Nu HTML checker finds
no error in what the server sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.demo import load as demo
from tests import browser as tools
from tests.feed_server import running_feed_server

pytestmark = pytest.mark.browser

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Lyon office</title>'
    b"<item><guid>1</guid><title>The Lyon office opens in January</title>"
    b"<link>https://news.example.com/lyon</link><pubDate>Mon, 30 Nov 2026 09:00:00 +0000</pubDate>"
    b"<description>&lt;p&gt;Meet &lt;b&gt;the team&lt;/b&gt; on the second floor."
    b"&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item>"
    b"<item><guid>2</guid><title>A very long title that has to wrap on a phone screen "
    b"without making the page scroll sideways at all</title>"
    b"<link>https://news.example.com/long</link></item>"
    b"</channel></rss>"
)


@pytest.fixture
def feed_server():
    with running_feed_server() as server:
        yield server


@pytest.fixture
def live_server(make_app):
    """The demo, allowed to fetch feeds from the loopback feed server."""
    server = tools.start_live_server(
        make_app(PORTAL_FEEDS_ALLOW_PRIVATE={"127.0.0.1"}, PORTAL_FEEDS_PREVIEW_SECONDS=5)
    )
    yield server
    server.stop()


def check(page: Page, name: str, width: int) -> None:
    tools.assert_no_axe_violations(page, name)
    tools.assert_fits(page, name, width)


def submit(page: Page, button: str) -> str | None:
    """Press a form's button; the HTML the server answered (before axe is injected), or None
    when it answered with a redirect."""
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name=button, exact=True).click()
    answer = sent.value
    return None if 300 <= answer.status < 400 else answer.text()


@pytest.mark.parametrize("viewport", [tools.PHONE, tools.DESKTOP], ids=["375px", "1280px"])
def test_hr_adds_tests_and_turns_off_a_feed(new_page, live_server, feed_server, tmp_path, viewport):
    width = viewport["width"]
    good = feed_server.static("/lyon.xml", FEED)
    web_page = feed_server.static(
        "/shop.html",
        b"<!doctype html><html><head><title>Shop</title></head><body>Buy</body></html>",
        headers={"Content-Type": "text/html"},
    )
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=viewport, bypass_csp=True)
    documents = {}

    documents["feeds"] = page.goto("/hr/news").text()
    expect(page.get_by_role("heading", level=1)).to_have_text("News feeds")
    check(page, "feeds", width)

    page.get_by_role("link", name="Add a feed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a news feed")
    page.get_by_label("Name", exact=True).fill("Lyon office")
    page.get_by_label("Address of the feed").fill("lyon.example.com/feed")
    documents["form-error"] = submit(page, "Add the feed")
    expect(page.locator("#url-error")).to_contain_text("must start with https:// or http://")
    check(page, "form with an error", width)

    page.get_by_label("Address of the feed").fill(web_page)
    documents["test-failing"] = submit(page, "Test this feed")
    expect(page.get_by_role("alert").last).to_contain_text(
        "The address returns a web page, not a news feed"
    )
    check(page, "test of a web page", width)

    page.get_by_label("Address of the feed").fill(good)
    documents["test-working"] = submit(page, "Test this feed")
    preview = page.locator("section.feed-preview")
    expect(preview).to_contain_text("The feed works: the portal would store 2 items")
    expect(preview.get_by_role("link", name="The Lyon office opens in January")).to_be_visible()
    expect(preview).to_contain_text("Meet the team on the second floor.")
    expect(preview).not_to_contain_text("alert(1)")
    check(page, "test of a working feed", width)

    submit(page, "Add the feed")
    expect(page.get_by_text("“Lyon office” is added")).to_be_visible()
    section = page.locator("section.news-feed", has=page.get_by_role("heading", name="Lyon office"))
    expect(section).to_contain_text("Not fetched yet")

    documents["confirm"] = submit(page, "Turn off “Lyon office”")
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn off the feed “Lyon office”?")
    check(page, "are you sure", width)
    submit(page, "Yes, turn it off")
    expect(page.get_by_text("“Lyon office” is off")).to_be_visible()
    expect(section.get_by_text("Off", exact=True)).to_be_visible()
    check(page, "feeds after turning one off", width)

    tools.assert_valid_html(documents, tmp_path)
