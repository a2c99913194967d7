"""News worth reading (issue 14) in real Chromium, in English and German, on a 375 px phone and
a 1280 px desktop: the candidate's cards (home and News), a feed item and an announcement read in
the portal; HR writing an announcement (an error beside its field, the preview, publishing,
taking it back after the "are you sure?" page) and HR's other news pages. Every page passes
axe-core and fits the screen; the Nu HTML checker finds no error in either language; a card's
picture loads under the portal's real Content-Security-Policy.

No server for https://images.example.com can run here, so Playwright's router answers for it
with a real PNG; the browser still applies the CSP before any request leaves the page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.demo import load as demo
from portal.news import entries as news
from portal.news.models import Announcement, FeedEntry
from portal.people.models import User
from tests import browser as tools
from tests.news.test_news_reading_browser import png

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # Engineering, Paris
IMAGES = "https://images.example.com"
PICTURE_TITLE = "The Lyon office, floor by floor"
WIDE = {"width": 1280, "height": 900}
VIEWPORTS = [tools.PHONE, WIDE]
CASES = pytest.mark.parametrize(
    ("language", "viewport"),
    [(language, viewport) for language in ("en", "de") for viewport in VIEWPORTS],
    ids=[
        f"{language}-{viewport['width']}px" for language in ("en", "de") for viewport in VIEWPORTS
    ],
)
WORDS = {
    "en": {
        "news": "News",
        "new": "New since your previous visit",
        "all": "All news",
        "write": "Write an announcement",
        "title": "Title",
        "text": "Text",
        "departments": "Departments",
        "preview": "Preview",
        "publish": "Publish",
        "title_missing": "Enter a title.",
        "take_back": "Take back",
        "yes_take_back": "Yes, take it back",
        "announcements": "Announcements",
        "published": "Published",
        "draft": "Draft",
        "company": "Company announcement",
    },
    "de": {
        "news": "Neuigkeiten",
        "new": "Neu seit Ihrem vorigen Besuch",
        "all": "Alle Neuigkeiten",
        "write": "Ankündigung schreiben",
        "title": "Titel",
        "text": "Text",
        "departments": "Abteilungen",
        "preview": "Vorschau",
        "publish": "Veröffentlichen",
        "title_missing": "Bitte geben Sie einen Titel ein.",
        "take_back": "Zurücknehmen",
        "yes_take_back": "Ja, zurücknehmen",
        "announcements": "Ankündigungen",
        "published": "Veröffentlicht",
        "draft": "Entwurf",
        "company": "Ankündigung des Unternehmens",
    },
}


@pytest.fixture
def live_server(make_app):
    """The demo (with its announcements), plus a feed item for Chloé with a picture from an
    allowed origin."""
    server = tools.start_live_server(make_app(NEWS_IMAGE_ORIGINS=[IMAGES]))
    with server.app.app_context():
        chloe = db.session.scalars(select(User).where(User.email == CHLOE.email)).one()
        feed = news.for_candidate(chloe, limit=1)[0].feed
        entry = FeedEntry(
            feed_id=feed.id,
            key="browser-picture",
            title=PICTURE_TITLE,
            link=f"{IMAGES}/2026/lyon.html",
            image_url=f"{IMAGES}/cards/lyon.png",
            summary_html="<p>The office opens on Monday, with a café on every floor.</p>",
            published_at=utcnow() - timedelta(minutes=30),
            first_seen_at=utcnow() - timedelta(minutes=30),
        )
        db.session.add(entry)
        db.session.commit()
        server.entry_id = entry.id  # type: ignore[attr-defined]
        server.announcement_id = db.session.scalar(  # type: ignore[attr-defined]
            select(Announcement.id).where(Announcement.locations == "")
        )
    yield server
    server.stop()


def speaks(live_server, email: str, language: str) -> None:
    with live_server.app.app_context():
        person = db.session.scalars(select(User).where(User.email == email)).one()
        person.language = language
        db.session.commit()


def routed_pictures(page: Page) -> list[str]:
    served: list[str] = []

    def picture(route) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=png(1280, 720))

    page.context.route(f"{IMAGES}/**", picture)
    return served


def check(page: Page, name: str, width: int) -> None:
    tools.assert_fits(page, name, width)
    tools.assert_no_axe_violations(page, name)


@CASES
def test_a_candidate_reads_news_cards_and_items(new_page, live_server, language, viewport):
    tools.require_axe()
    words = WORDS[language]
    width = viewport["width"]
    page = tools.signed_in(new_page, CHLOE.email, viewport=viewport, bypass_csp=True)
    speaks(live_server, CHLOE.email, language)  # their profile's choice, from the next page
    routed_pictures(page)
    page.goto("/candidate/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    section = page.get_by_role("region", name=words["news"])
    cards = section.locator(".news-card")
    expect(cards.first).to_be_visible()
    # The first visit: everything is new, and the badge says so in the reader's language.
    expect(section.locator(".badge-new").first).to_have_text(words["new"])
    expect(section.get_by_role("link", name=PICTURE_TITLE)).to_be_visible()
    section.get_by_role("link", name=words["all"]).scroll_into_view_if_needed()
    check(page, f"the home ({language}, {width} px)", width)

    page.goto("/candidate/news")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["news"])
    welcome = page.locator(".news-card", has_text="Welcome to the pre-boarding portal")
    expect(welcome.locator(".news-meta")).to_contain_text(words["company"])
    picture = page.locator(".news-card", has_text=PICTURE_TITLE).locator("img")
    expect(picture).to_have_attribute("src", f"{IMAGES}/cards/lyon.png")
    check(page, f"the news ({language}, {width} px)", width)

    page.get_by_role("link", name="Welcome to the pre-boarding portal").click()
    expect(page).to_have_url(
        f"{live_server.url}/candidate/news/announcements/{live_server.announcement_id}"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the pre-boarding portal")
    expect(page.locator(".news-body strong").first).to_have_text("timeline")
    check(page, f"an announcement ({language}, {width} px)", width)

    page.goto(f"/candidate/news/{live_server.entry_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(PICTURE_TITLE)
    expect(page.locator(".news-article-image")).to_be_visible()
    check(page, f"a feed item ({language}, {width} px)", width)


def test_card_pictures_load_under_the_csp_and_fit_a_phone(new_page, live_server):
    page = tools.signed_in(new_page, CHLOE.email, viewport=tools.PHONE)
    served = routed_pictures(page)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto("/candidate/news")
    picture = page.locator(".news-card", has_text=PICTURE_TITLE).locator("img")
    picture.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1280", arg=picture.element_handle()
    )
    assert served == [f"{IMAGES}/cards/lyon.png"]
    box = picture.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= tools.PHONE["width"]
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02, box  # drawn 16:9
    # A card without a picture has none (the demo's announcements have none).
    welcome = page.locator(".news-card", has_text="Welcome to the pre-boarding portal")
    expect(welcome.locator("img")).to_have_count(0)
    tools.assert_fits(page, "the news")
    assert not [p for p in problems if "Content Security Policy" in p], problems


def submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


@CASES
def test_hr_writes_previews_publishes_and_takes_back_an_announcement(
    new_page, live_server, language, viewport
):
    tools.require_axe()
    words = WORDS[language]
    width = viewport["width"]
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=viewport, bypass_csp=True)
    speaks(live_server, demo.HR_EMAIL, language)
    for path in ("/hr/news", "/hr/news/entries", "/hr/news/feeds/new"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        check(page, f"{path} ({language}, {width} px)", width)
    page.goto(f"/hr/news/entries/{live_server.entry_id}/audience")
    check(page, f"an entry's audience ({language}, {width} px)", width)

    page.goto("/hr/news/announcements")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["announcements"])
    check(page, f"the announcements ({language}, {width} px)", width)
    page.get_by_role("link", name=words["write"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["write"])
    check(page, f"the announcement form ({language}, {width} px)", width)

    page.get_by_label(words["text"], exact=True).fill("Meet **everyone** on Monday.")
    submit(page, words["publish"])
    title = page.get_by_label(words["title"], exact=True)
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_contain_text(words["title_missing"])
    check(page, f"the form with an error ({language}, {width} px)", width)

    title.fill("Parking from Monday")
    page.get_by_label(words["departments"], exact=True).fill("Engineering")
    submit(page, words["preview"])
    preview = page.locator("#preview")
    expect(preview.locator(".news-card .news-title")).to_have_text("Parking from Monday")
    expect(preview.locator(".news-body strong")).to_have_text("everyone")
    check(page, f"the preview ({language}, {width} px)", width)

    submit(page, words["publish"])
    expect(page).to_have_url(re.compile(r"/hr/news/announcements#announcement-\d+$"))
    written = page.locator("section.news-feed", has_text="Parking from Monday")
    expect(written.locator(".badge").first).to_have_text(words["published"])
    check(page, f"the list after publishing ({language}, {width} px)", width)

    written.get_by_role("button", name=re.compile(words["take_back"])).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Parking from Monday")
    check(page, f"the confirmation ({language}, {width} px)", width)
    submit(page, words["yes_take_back"])
    written = page.locator("section.news-feed", has_text="Parking from Monday")
    expect(written.locator(".badge").first).to_have_text(words["draft"])

    with live_server.app.app_context():
        chloe = db.session.scalars(select(User.id).where(User.email == CHLOE.email)).one()
    page.goto(f"/hr/news/preview?candidate={chloe}")
    check(page, f"the news preview ({language}, {width} px)", width)


def test_the_news_pages_are_valid_html_in_english_and_german(live_server, tmp_path):
    tools.require_vnu()
    documents = {}
    for language in ("en", "de"):
        speaks(live_server, CHLOE.email, language)
        speaks(live_server, demo.HR_EMAIL, language)
        candidate = live_server.client_signed_in(CHLOE.email)
        hr = live_server.client_signed_in(demo.HR_EMAIL)
        pages = {
            "home": (candidate, "/candidate/"),
            "news": (candidate, "/candidate/news"),
            "entry": (candidate, f"/candidate/news/{live_server.entry_id}"),
            "announcement": (
                candidate,
                f"/candidate/news/announcements/{live_server.announcement_id}",
            ),
            "hr-announcements": (hr, "/hr/news/announcements"),
            "hr-announcement-new": (hr, "/hr/news/announcements/new"),
            "hr-announcement-edit": (
                hr,
                f"/hr/news/announcements/{live_server.announcement_id}/edit",
            ),
            "hr-feeds": (hr, "/hr/news"),
            "hr-entries": (hr, "/hr/news/entries"),
            "hr-feed-form": (hr, "/hr/news/feeds/new"),
            "hr-audience": (hr, f"/hr/news/entries/{live_server.entry_id}/audience"),
            "hr-preview": (hr, "/hr/news/preview?q=chlo"),
        }
        for name, (client, path) in pages.items():
            response = client.get(path)
            assert response.status_code == 200, (language, path)
            documents[f"{language}-{name}"] = response.get_data(as_text=True)
        # The form with errors and the preview, as the server answers them.
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', documents[f"{language}-hr-announcement-new"]
        ).group(1)
        for name, action in (("errors", "publish"), ("preview", "preview")):
            answer = hr.post(
                "/hr/news/announcements/new",
                data={
                    "csrf_token": token,
                    "title": "" if name == "errors" else "Parking",
                    "body": "Meet **everyone**.\n\n- one\n- two",
                    "publish_on": "2020-01-01" if name == "errors" else "",
                    "action": action,
                },
            )
            documents[f"{language}-hr-announcement-{name}"] = answer.get_data(as_text=True)
    assert 'lang="de"' in documents["de-news"] and "Neuigkeiten" in documents["de-news"]
    tools.assert_valid_html(documents, tmp_path)
