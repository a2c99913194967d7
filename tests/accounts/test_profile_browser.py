"""The candidate's profile in a real browser at 375 px and 1280 px, checked by axe-core and the
Nu HTML checker: a zone that is not one refused beside its field, then the confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import load as demo
from tests import browser as tools
from tests.support import post_form

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]
WIDE = {"width": 1280, "height": 900}


@pytest.mark.parametrize("viewport", [tools.PHONE, WIDE], ids=["375px", "1280px"])
def test_the_candidate_saves_their_profile(new_page, viewport):
    tools.require_axe()
    page = tools.signed_in(new_page, CHLOE.email, viewport=viewport, bypass_csp=True)
    page.goto("/candidate/profile")
    tools.assert_fits(page, "the profile", width=viewport["width"])
    tools.assert_no_axe_violations(page, "the profile")
    zone = page.get_by_label("Your time zone")
    zone.fill("Nowhere")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Save your profile").click()
    assert sent.value.status == 422
    expect(zone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#time_zone-error")).to_contain_text("Choose a place from the list")
    tools.assert_no_axe_violations(page, "the profile with an error")

    page.get_by_label("What should we call you? (optional)").fill("Clo")
    page.get_by_label("Your pronouns (optional)").fill("she/her")
    zone.fill("Europe/Lisbon")
    page.get_by_label("A weekly summary").check()
    page.get_by_role("button", name="Save your profile").click()
    expect(
        page.get_by_text("Saved: your preferred name, pronouns, time zone, email choice.")
    ).to_be_visible()
    expect(page.get_by_text("Now: Portugal — Lisbon")).to_be_visible()
    page.goto("/candidate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Clo")


def test_the_profile_is_valid_html(live_server, tmp_path):
    tools.require_vnu()
    chloe = live_server.client_signed_in(CHLOE.email)
    refused = post_form(
        chloe,
        "/candidate/profile",
        {
            "preferred_name": "",
            "pronouns": "",
            "language": "en",
            "time_zone": "Nowhere",
            "mail_preference": "everything",
        },
    )
    assert refused.status_code == 422
    documents = {"profile.html": chloe.get("/candidate/profile").text, "refused.html": refused.text}
    tools.assert_valid_html(documents, tmp_path)
