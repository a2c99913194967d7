"""German in a real browser (issue 14), at 375 px and 1280 px, checked by axe-core and the Nu
HTML checker: a visitor switches the sign-in page to Deutsch with the keyboard, and a candidate
picks Deutsch on their profile and reads their home in it, the joining moment written as a
German reader writes a date."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from playwright.sync_api import expect

from portal.core.i18n import LANGUAGE_COOKIE
from portal.demo import load as demo
from tests import browser as tools
from tests.support import csrf_token

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # joins in two days, in Paris
WIDE = {"width": 1280, "height": 900}
VIEWPORTS = pytest.mark.parametrize("viewport", [tools.PHONE, WIDE], ids=["375px", "1280px"])


@VIEWPORTS
def test_a_visitor_switches_the_sign_in_page_to_german_with_the_keyboard(new_page, viewport):
    tools.require_axe()
    page = new_page(viewport=viewport, bypass_csp=True)
    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch = page.get_by_role("form", name="Language:")
    expect(switch.locator('[aria-current="true"]')).to_have_text("English")
    german = switch.get_by_role("button", name="Deutsch")
    expect(german).to_have_attribute("lang", "de")
    german.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(page.get_by_label("Passwort", exact=True)).to_be_visible()
    expect(page).to_have_title("Anmelden · Pre-Boarding-Portal")
    tools.assert_fits(page, "the German sign-in page", width=viewport["width"])
    tools.assert_no_axe_violations(page, f"the German sign-in page at {viewport['width']} px")

    page.get_by_label("E-Mail").fill(CHLOE.email)
    page.get_by_label("Passwort", exact=True).fill("not the password")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator(".error-summary")).to_have_text(
        "Diese E-Mail-Adresse und dieses Passwort passen zu keinem Konto."
    )
    tools.assert_no_axe_violations(page, "the German sign-in page with an error")
    # And back: the switch names English in English.
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@VIEWPORTS
def test_a_candidate_reads_their_home_in_german(new_page, viewport):
    tools.require_axe()
    page = tools.signed_in(new_page, CHLOE.email, viewport=viewport, bypass_csp=True)
    page.goto("/candidate/profile")
    language = page.get_by_label("Language", exact=True)
    expect(language.locator("option")).to_have_text(["English", "Deutsch"])
    expect(language.locator('option[value="de"]')).to_have_attribute("lang", "de")
    language.select_option("de")
    page.get_by_role("button", name="Save your profile").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_text("Gespeichert:")).to_be_visible()
    expect(page.get_by_label("Sprache", exact=True)).to_have_value("de")

    page.goto("/candidate/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hallo Chloé")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    when = page.locator(".joining-when time").first
    moment = datetime.fromisoformat(when.get_attribute("datetime") or "")
    local = moment.astimezone(ZoneInfo(CHLOE.time_zone))
    german = format_datetime(local, "EEEE, d. MMMM y, HH:mm", locale="de")
    expect(when).to_have_text(f"{german} {local:%Z}")
    assert german.split(",")[0] in {
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    }
    expect(page.locator("[data-countdown-sentence]")).to_contain_text(
        "bis zu Ihrem ersten Arbeitstag"
    )
    expect(page.locator(".countdown-unit").first).to_have_text(re.compile(r"^Tage?$"))
    tools.assert_fits(page, "the German candidate home", width=viewport["width"])
    tools.assert_no_axe_violations(page, f"the German candidate home at {viewport['width']} px")


def test_the_german_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    visitor = live_server.app.test_client()
    visitor.set_cookie(LANGUAGE_COOKIE, "de")
    sign_in_page = visitor.get("/sign-in")
    assert '<html lang="de">' in sign_in_page.text
    chloe = live_server.client_signed_in(CHLOE.email)
    profile = chloe.get("/candidate/profile").text
    answer = chloe.post(
        "/language",
        data={"csrf_token": csrf_token(profile), "language": "de", "next": "/candidate/"},
    )
    assert answer.status_code == 302
    home = chloe.get("/candidate/")
    assert '<html lang="de">' in home.text and "Hallo Chloé" in home.text
    documents = {
        "sign-in-de.html": sign_in_page.text,
        "home-de.html": home.text,
        "profile-de.html": chloe.get("/candidate/profile").text,
    }
    tools.assert_valid_html(documents, tmp_path)
