"""The first day in a real browser, at 375 px and 1280 px, checked by axe-core and the Nu HTML
checker: the candidate's home led by it (the demo's Paris office), HR's list of locations,
a location's form refusing an agenda line beside its field, and one candidate's own values."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from tests import browser as tools
from tests.support import post_form

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # joins in two days, in Paris
WIDE = {"width": 1280, "height": 900}


@pytest.mark.parametrize("viewport", [tools.PHONE, WIDE], ids=["375px", "1280px"])
def test_the_home_leads_with_the_first_day(new_page, viewport):
    tools.require_axe()
    page = tools.signed_in(new_page, CHLOE.email, viewport=viewport, bypass_csp=True)
    page.goto("/candidate/")
    hero = page.get_by_role("region", name="Your first day")
    # The first thing after the greeting: the day itself.
    assert page.locator("section.panel").first.get_attribute("aria-labelledby") == "day-one-heading"
    expect(hero.locator("address")).to_have_text("12 rue de la Paix\n75002 Paris")
    map_link = hero.get_by_role("link", name="Show on the map (OpenStreetMap) (opens in a new tab)")
    expect(map_link).to_have_attribute("target", "_blank")
    expect(hero.locator(".day-one-agenda li")).to_have_count(6)
    expect(hero.locator(".day-one-agenda li").first).to_have_text(
        "09:30 Welcome coffee with your recruiter"
    )
    expect(hero.locator("#countdown")).to_be_visible()
    tools.assert_fits(page, "the candidate home", width=viewport["width"])
    tools.assert_no_axe_violations(page, f"the candidate home at {viewport['width']} px")


@pytest.mark.parametrize("viewport", [tools.PHONE, WIDE], ids=["375px", "1280px"])
def test_hr_keeps_the_first_days(new_page, viewport):
    tools.require_axe()
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=viewport, bypass_csp=True)
    page.goto("/hr/day-one")
    expect(page.get_by_role("row")).to_have_count(5)  # a header and four offices
    tools.assert_fits(page, "HR's first days", width=viewport["width"])
    tools.assert_no_axe_violations(page, "HR's first days")

    page.get_by_role("link", name="Edit the first day in London").click()
    agenda = page.get_by_label("Agenda of the day")
    agenda.fill("9:61 Coffee")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Save changes").click()
    assert sent.value.status == 422
    expect(agenda).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#agenda-error")).to_contain_text("Line 1 starts with a time")
    expect(agenda).to_have_value("9:61 Coffee")
    tools.assert_fits(page, "a location's first day with an error", width=viewport["width"])
    tools.assert_no_axe_violations(page, "a location's first day with an error")


def test_the_first_day_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    with live_server.app.app_context():
        chloe_id = db.session.scalars(select(User.id).where(User.email == CHLOE.email)).one()
    refused = post_form(
        hr,
        "/hr/day-one/new",
        {
            "location": "",
            "agenda": "25:00 Party",
            "address": "",
            "ask_for": "",
            "bring": "",
            "dress_code": "",
        },
    )
    assert refused.status_code == 422
    documents = {
        "plans.html": hr.get("/hr/day-one").text,
        "refused.html": refused.text,
        "own.html": hr.get(f"/hr/people/{chloe_id}/day-one").text,
        "home.html": live_server.client_signed_in(CHLOE.email).get("/candidate/").text,
    }
    tools.assert_valid_html(documents, tmp_path)
