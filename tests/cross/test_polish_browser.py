"""What users expect of every page, in Chromium: nothing wider than a 375 px phone, a meta
description, the main menu folded behind a keyboard-usable "Menu" button on phones (and shown
without it on wide screens or without JavaScript), and destructive buttons that ask first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from tests import browser as tools
from tests.cross.test_browser import ARJUN, PAGES, RECRUITER, demo_path
from tests.support import post_form, sign_in

pytestmark = pytest.mark.browser

# Beyond the accessibility list: the pages with wide tables or long lines (a person's record,
# their timeline and thread, the audit log) and the rest of the menus' pages.
MORE_PAGES = {
    demo.HR_EMAIL: [
        "/hr/people/{arjun}",
        "/hr/people/{arjun}/timeline",
        "/hr/people/{arjun}/questions",
        "/hr/people/{arjun}/notes",
        "/hr/people/{arjun}/team",
        "/hr/people/{arjun}/day-one",
        "/hr/people/{arjun}/edit",
        "/hr/people/{arjun}/outcome",
        "/hr/audit",
        "/hr/team",
        "/hr/day-one",
        "/hr/reports",
        "/hr/reports/engagement",
        "/hr/reports/reneges",
        "/hr/saved-replies",
        "/hr/search?q=a",
        "/faq/",
    ],
    RECRUITER: [
        "/recruiter/inbox",
        "/recruiter/availability",
        "/recruiter/saved-replies",
        "/recruiter/candidates/{chloe}/questions",
    ],
    demo.CANDIDATES[0].email: [
        "/candidate/questions",
        "/candidate/team",
        "/candidate/profile",
        "/account/password",
        "/faq/",
    ],
}
MENU = re.compile(r"^Menu$")


def test_every_page_fits_a_375px_phone_and_describes_itself(new_page, live_server):
    """Every page the browser suite knows, at 375 px: no sideways scrolling, and a non-empty
    <meta name="description">. One page per visitor, signed in once."""
    paths: dict[str | None, list[str]] = {}
    for screen in PAGES.values():
        paths.setdefault(screen.email, []).append(screen.path)
    for email, more in MORE_PAGES.items():
        paths.setdefault(email, []).extend(more)

    problems = []
    for email, visits in paths.items():
        if email:
            page = tools.signed_in(new_page, email, viewport=tools.PHONE)
        else:
            page = new_page(viewport=tools.PHONE)
        for path in visits:
            page.goto(demo_path(live_server, path))
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > tools.PHONE["width"]:
                problems.append(f"{path} ({email}) is {wide}px wide")
            described = page.locator('meta[name="description"]').get_attribute("content")
            if not (described or "").strip():
                problems.append(f"{path} ({email}) has no meta description")
    assert problems == []


def test_the_menu_folds_on_a_phone_and_opens_by_keyboard(new_page, live_server):
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=tools.PHONE, bypass_csp=True)
    menu = page.get_by_role("button", name=MENU)
    nav = page.get_by_role("navigation", name="Main")
    people = nav.get_by_role("link", name="People")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(people).to_be_hidden()
    tools.assert_fits(page, "the folded header")

    # From the top of the page: skip link, site name, then the Menu button.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(people).to_be_visible()
    expect(people).to_have_attribute("aria-current", "page")  # HR's home is "People"
    tools.assert_fits(page, "the open menu")
    tools.assert_no_axe_violations(page, "the open menu at 375 px")
    page.keyboard.press("Tab")  # the links come right after the button
    expect(people).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Space")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(people).to_be_hidden()

    # Escape closes it and gives the focus back to the button.
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(people).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    # A link in the open menu takes the reader there, and marks it.
    menu.click()
    nav.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    # The menu is folded again on the new page; its current link is the one followed.
    expect(page.locator('#main-menu a[aria-current="page"]')).to_have_text("Audit log")
    tools.assert_no_axe_violations(page, "the folded menu at 375 px")


def test_on_a_wide_screen_the_menu_shows_without_the_button(new_page):
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=tools.DESKTOP)
    expect(page.get_by_role("button", name=MENU)).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    for name in ("People", "Engagement", "Audit log", "Password"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()


def test_without_javascript_the_menu_simply_shows(new_page):
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=tools.PHONE, java_script=False)
    expect(page.get_by_role("button", name=MENU)).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="People")
    ).to_be_visible()
    tools.assert_fits(page, "the unfolded menu without JavaScript")


def test_deactivating_asks_first_and_cancel_changes_nothing(new_page, live_server, tmp_path):
    with live_server.app.app_context():
        arjun_id = db.session.scalars(select(User.id).where(User.email == ARJUN.email)).one()
    person = f"/hr/people/{arjun_id}"
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=tools.PHONE, bypass_csp=True)
    page.goto(person)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deactivate {ARJUN.name}?")
    tools.assert_fits(page, "the question")
    tools.assert_no_axe_violations(page, "the confirmation page")

    page.get_by_role("link", name="Cancel, keep it as it is").click()
    expect(page).to_have_url(f"{live_server.url}{person}")
    expect(page.locator(".badge-muted", has_text="Deactivated")).to_have_count(0)

    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("button", name=f"Yes, deactivate {ARJUN.name}").click()
    expect(page).to_have_url(f"{live_server.url}{person}")
    expect(page.get_by_role("status")).to_contain_text(f"{ARJUN.name} can no longer sign in.")

    # The question page is valid HTML too.
    client = live_server.app.test_client()
    assert sign_in(client, demo.HR_EMAIL, demo.DEMO_PASSWORD).status_code == 302
    with live_server.app.app_context():
        rosa = db.session.scalars(select(User.id).where(User.email == RECRUITER)).one()
    asked = post_form(client, f"/hr/people/{rosa}/deactivate", {}, form_url=f"/hr/people/{rosa}")
    assert asked.status_code == 200
    tools.assert_valid_html({"confirm": asked.get_data(as_text=True)}, tmp_path)
