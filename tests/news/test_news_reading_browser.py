"""A news item read in the portal, in real Chromium on a 375 px phone: the entry's image (from
an allowed https origin) loads under the portal's real Content-Security-Policy and fits the
screen, links open in a new tab, and the page passes axe-core and the Nu HTML checker.

No server for https://images.example.com can run here, so Playwright's router answers for it
with a real PNG; the browser still applies the CSP before any request leaves the page.
"""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.demo import load as demo
from portal.news import entries as news
from portal.news.feeds.sanitize import clean_html
from portal.news.models import FeedEntry
from portal.people.models import User
from tests import browser as tools

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]
IMAGES = "https://images.example.com"
TITLE = "Our new Lyon office, floor by floor"
RAW = (
    "<p>The office opens on Monday. Meet <a href='team.html'>the Lyon team</a> first.</p>"
    "<figure><img src='/photos/floor.png' alt='The open-plan floor, seen from the entrance' "
    "width='3200' height='2400'><figcaption>The second floor</figcaption></figure>"
    "<p><img src='https://tracker.example.net/pixel.gif' width='1' height='1'></p>"
)


def png(width: int, height: int) -> bytes:
    """A grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def live_server(make_app):
    """The demo on 127.0.0.1, with one more item for Chloé carrying an image."""
    server = tools.start_live_server(make_app(NEWS_IMAGE_ORIGINS=[IMAGES]))
    with server.app.app_context():
        chloe = db.session.scalars(select(User).where(User.email == CHLOE.email)).one()
        feed = news.for_candidate(chloe, limit=1)[0].feed
        entry = FeedEntry(
            feed_id=feed.id,
            key="browser-image",
            title=TITLE,
            link=f"{IMAGES}/2026/lyon.html",
            content_html=clean_html(
                RAW, base_url=f"{IMAGES}/2026/lyon.html", image_origins=[IMAGES]
            ),
            published_at=utcnow() - timedelta(hours=1),
            pinned=True,
        )
        db.session.add(entry)
        db.session.commit()
        server.entry_id = entry.id  # type: ignore[attr-defined]
    yield server
    server.stop()


def open_entry(new_page, live_server, *, bypass_csp: bool = False) -> tuple[Page, list[str]]:
    page = tools.signed_in(new_page, CHLOE.email, viewport=tools.PHONE, bypass_csp=bypass_csp)
    served: list[str] = []

    def image(route) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=png(1600, 1200))

    page.context.route(f"{IMAGES}/**", image)  # before any page that could show the image
    page.goto("/candidate/news")
    page.get_by_role("link", name=TITLE).click()  # the list leads to the reading page
    expect(page).to_have_url(f"{live_server.url}/candidate/news/{live_server.entry_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    return page, served


def test_the_image_loads_under_the_csp_and_fits_a_phone(new_page, live_server):
    page, served = open_entry(new_page, live_server)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    image = page.get_by_role("img", name="The open-plan floor, seen from the entrance")
    image.scroll_into_view_if_needed()
    expect(image).to_have_attribute("loading", "lazy")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1600",
        arg=image.element_handle(),
    )
    # Asked for by the archive (which shows the item in full) and this page; never the pixel.
    assert set(served) == {f"{IMAGES}/photos/floor.png"}
    box = image.bounding_box()
    edge = tools.PHONE["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= edge, box
    tools.assert_fits(page, "the page")
    team = page.get_by_role("link", name="the Lyon team (opens in a new tab)")
    expect(team).to_have_attribute("target", "_blank")
    expect(team).to_have_attribute("rel", "noopener noreferrer nofollow")
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_the_reading_page_passes_axe_at_phone_width(new_page, live_server):
    tools.require_axe()
    page, _served = open_entry(new_page, live_server, bypass_csp=True)  # axe is an inline script
    tools.assert_no_axe_violations(page)


def test_the_reading_page_is_valid_html(live_server, tmp_path):
    tools.require_vnu()
    client = live_server.client_signed_in(CHLOE.email)
    response = client.get(f"/candidate/news/{live_server.entry_id}")
    assert response.status_code == 200
    tools.assert_valid_html({"news-entry": response.get_data(as_text=True)}, tmp_path)
