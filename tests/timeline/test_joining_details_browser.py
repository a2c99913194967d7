"""The joining details in a real browser, checked by axe-core and the Nu HTML checker: HR's
candidate form refusing a date that has passed (the error beside the field, then the backdated
confirmation that appears with it), and the candidate's first-day panel with the place and the
reception instructions on a phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.demo import load as demo
from tests import browser as tools
from tests.support import post_form

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # joins in two days, in Paris


def _last_week() -> str:
    return (datetime.now(UTC).date() - timedelta(days=7)).isoformat()


def test_a_past_date_is_refused_beside_the_field_then_saved_as_backdated(new_page):
    tools.require_axe()
    page = tools.signed_in(new_page, demo.HR_EMAIL, bypass_csp=True)
    page.goto("/hr/candidates/new")
    expect(page.get_by_label("This is a backdated record")).to_have_count(0)
    page.get_by_label("Full name").fill("Nadia Haddad")
    page.get_by_label("Email", exact=True).fill("nadia@example.com")
    page.get_by_label("Job title").fill("Analyst")
    page.get_by_label("Joining date").fill(_last_week())
    page.get_by_label("Reception instructions (optional)").fill("Ask for Rosa.\nBadge at gate 2.")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Add candidate").click()
    assert sent.value.status == 422
    date_field = page.get_by_label("Joining date")
    expect(date_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#joining_date-error")).to_contain_text("That date has passed")
    backdated = page.get_by_label("This is a backdated record")
    expect(backdated).to_be_visible()
    expect(backdated).not_to_be_checked()
    expect(page.get_by_label("Reception instructions (optional)")).to_have_value(
        "Ask for Rosa.\nBadge at gate 2."
    )
    tools.assert_no_axe_violations(page, "the candidate form refusing a past date")

    backdated.check()
    page.get_by_role("button", name="Add candidate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nadia Haddad")
    expect(page.get_by_text("A backdated record: nothing was emailed.")).to_be_visible()


def test_the_candidate_reads_where_and_how_to_arrive_on_a_phone(new_page):
    tools.require_axe()
    page = tools.signed_in(new_page, CHLOE.email, viewport=tools.PHONE, bypass_csp=True)
    page.goto("/candidate/")
    panel = page.get_by_role("region", name="Your first day")
    expect(panel.locator("dt")).to_have_text(
        ["Where", "At reception", "What to bring", "Dress code"]
    )
    expect(panel.locator(".day-one-place")).to_have_text(CHLOE.location)
    expect(panel.locator(".reception-instructions")).to_have_text(CHLOE.reception_instructions)
    tools.assert_fits(page, "the candidate home")
    tools.assert_no_axe_violations(page, "the candidate home with the joining details")


def test_the_changed_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    refused = post_form(
        hr,
        "/hr/candidates/new",
        {
            "name": "Nadia Haddad",
            "email": "nadia@example.com",
            "time_zone": "Europe/Paris",
            "job_title": "Analyst",
            "joining_date": _last_week(),
            "joining_time": "09:00",
            "joining_time_zone": "Europe/Paris",
            "reception_instructions": "Ask for Rosa.",
            "recruiter_id": "0",
        },
    )
    assert refused.status_code == 422
    candidate = live_server.client_signed_in(CHLOE.email)
    documents = {
        "candidate-form-past-date": refused.get_data(as_text=True),
        "candidate-home": candidate.get("/candidate/").get_data(as_text=True),
    }
    assert 'name="backdated"' in documents["candidate-form-past-date"]
    tools.assert_valid_html(documents, tmp_path)
