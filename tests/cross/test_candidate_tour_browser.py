"""The candidate's four pages — home, news, checklist, team — in English and in German, at 375
and 1280 pixels in Chromium, checked by axe-core and the Nu HTML checker, with the demo's
candidate. Also makes the README's screenshots: `PORTAL_SCREENSHOTS=1` writes them to
docs/screenshots/candidate-<page>-<language>-<width>.png."""

from __future__ import annotations

import os

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect
from sqlalchemy import update

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from tests import browser as tools

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # joins in two days: a day-one plan, a team, news and things to do
WIDTHS = {"375": tools.PHONE, "1280": {"width": 1280, "height": 900}}
LANGUAGES = ("en", "de")
# Each page, and the English of its main heading (its German comes from the catalogue).
PAGES = {
    "home": "/candidate/",
    "news": "/candidate/news",
    "checklist": "/candidate/checklist",
    "team": "/candidate/team",
}
HEADINGS = {"news": "News", "checklist": "Things to do", "team": "Meet your team"}
SCREENSHOTS = tools.PROJECT_ROOT / "docs" / "screenshots"


def _in(app, language: str, text: str) -> str:
    """`text` as the catalogue words it in `language`."""
    with app.test_request_context(), force_locale(language):
        return gettext(text)


def _chloe_reads(live_server, language: str) -> None:
    with live_server.app.app_context():
        db.session.execute(update(User).where(User.email == CHLOE.email).values(language=language))
        db.session.commit()


def _signed_in(new_page, live_server, language: str, viewport: dict, **options) -> Page:
    _chloe_reads(live_server, language)
    page = new_page(viewport=viewport, **options)
    tools.sign_in_with_the_form(page, CHLOE.email)
    sign_out = _in(live_server.app, language, "Sign out")
    expect(page.get_by_role("button", name=sign_out)).to_be_visible()
    return page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_candidate_pages_read_in_their_language(new_page, live_server, language, width):
    tools.require_axe()
    page = _signed_in(new_page, live_server, language, WIDTHS[width], bypass_csp=True)
    app = live_server.app
    for name, path in PAGES.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if name in HEADINGS:
            heading = _in(app, language, HEADINGS[name])
            if language != "en":
                assert heading != HEADINGS[name], f"{HEADINGS[name]!r} has no {language} yet"
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        tools.assert_fits(page, f"the candidate's {name} page ({language})", WIDTHS[width]["width"])
        tools.assert_no_axe_violations(page, f"the candidate's {name} page ({language}, {width})")


def test_the_candidate_pages_are_valid_html_in_both_languages(new_page, live_server, tmp_path):
    tools.require_vnu()
    documents = {}
    for language in LANGUAGES:
        page = _signed_in(new_page, live_server, language, WIDTHS["1280"])
        for name, path in PAGES.items():
            page.goto(path)
            documents[f"{name}-{language}"] = page.content()
    tools.assert_valid_html(documents, tmp_path)


def test_the_german_home_gives_the_joining_day_in_german(new_page, live_server):
    page = _signed_in(new_page, live_server, "de", WIDTHS["1280"])
    hero = page.locator("section.day-one")  # news and announcements are in HR's own words
    german_days = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
    text = hero.inner_text()
    assert any(day in text for day in german_days), text[:400]
    assert not any(
        day in text for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    ), text[:400]


def test_the_screenshots_of_the_candidate_pages(new_page, live_server, tmp_path):
    """docs/screenshots/candidate-*.png with PORTAL_SCREENSHOTS set (the README shows them)."""
    folder = SCREENSHOTS if os.environ.get("PORTAL_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        for width, viewport in WIDTHS.items():
            page = _signed_in(new_page, live_server, language, viewport)
            for name, path in PAGES.items():
                page.goto(path)
                page.wait_for_load_state("networkidle")
                target = folder / f"candidate-{name}-{language}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
