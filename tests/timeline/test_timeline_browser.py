"""The timeline pages in a real browser, checked by axe-core and the Nu HTML checker: a
candidate's timeline as HR edits it, the milestone form with its errors, and a candidate home
with milestones done and to come. (tests/cross/test_browser.py checks /hr/timeline and its
form.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import MilestoneTemplate
from tests import browser as tools
from tests.support import post_form

pytestmark = pytest.mark.browser

ARJUN = demo.CANDIDATES[1]  # his own version of the first lunch, in London
MARCUS = demo.CANDIDATES[3]  # joined yesterday in New York: some milestones are done


@pytest.fixture
def live_server(make_app):
    """The demo, plus for Arjun a hidden milestone and one of his own."""
    server = tools.start_live_server(make_app())
    with server.app.app_context():
        hr = db.session.scalars(select(User).where(User.email == demo.HR_EMAIL)).one()
        arjun = db.session.scalars(select(User).where(User.email == ARJUN.email)).one()
        first = db.session.scalars(select(MilestoneTemplate).order_by(MilestoneTemplate.id)).first()
        timeline.hide(hr, arjun, first)
        timeline.add_own(hr, arjun, MilestoneFields("Visa appointment", -20, details="Bring <all>"))
        db.session.commit()
        server.arjun_id = arjun.id
        db.session.remove()
    yield server
    server.stop()


def test_hr_candidate_timeline_page_is_accessible_and_works_by_its_buttons(new_page, live_server):
    tools.require_axe()
    page = tools.signed_in(new_page, demo.HR_EMAIL, bypass_csp=True)
    page.goto(f"/hr/people/{live_server.arjun_id}")
    page.get_by_role("link", name="Timeline", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arjun Mehta's timeline")
    rows = page.get_by_role("row")
    expect(rows).to_have_count(10)  # the header, four template milestones, four tasks, his own
    expect(page.get_by_text("Hidden for Arjun Mehta")).to_be_visible()
    expect(page.get_by_text("Changed for Arjun Mehta")).to_be_visible()
    tools.assert_no_axe_violations(page, "the HR candidate timeline")

    page.get_by_role("button", name="Reset to template “Lunch with the Analytics team”").click()
    page.get_by_role("button", name="Yes, reset it").click()  # what was changed for him goes
    expect(page.get_by_role("status")).to_contain_text("back to the template for Arjun Mehta")
    expect(page.get_by_role("row", name=re.compile("Lunch with your team"))).to_be_visible()
    page.get_by_role("button", name="Show again “Documents to prepare”").click()
    expect(page.get_by_text("Hidden for Arjun Mehta")).to_have_count(0)


def test_the_milestone_form_with_its_errors_is_accessible(new_page):
    tools.require_axe()
    page = tools.signed_in(new_page, demo.HR_EMAIL, bypass_csp=True)
    page.goto("/hr/timeline/new")
    page.get_by_label("Days from the joining date").fill("400")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Add it").click()
    assert sent.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_have_text("Error: Enter a title.")
    expect(page.locator("#day_offset-error")).to_contain_text("between -365 and 365")
    tools.assert_no_axe_violations(page, "the milestone form with errors")


def test_a_candidate_reads_the_timeline_with_done_marks_on_a_phone(new_page):
    tools.require_axe()
    page = tools.signed_in(new_page, MARCUS.email, viewport=tools.PHONE, bypass_csp=True)
    page.goto("/candidate/")
    items = (
        page.get_by_role("list").filter(has=page.locator(".timeline-item")).get_by_role("listitem")
    )
    expect(items).to_have_count(8)
    titles = [items.nth(n).get_by_role("heading").inner_text() for n in range(8)]
    done = [items.nth(n).get_by_text("Done", exact=False).count() == 1 for n in range(8)]
    # Milestones and the checklist's tasks in one list, by their day. He joined yesterday at
    # 09:00: the milestones before are done, and so are the tasks he ticked off (the demo's);
    # today's one-to-one is not.
    assert list(zip(titles, done, strict=True)) == [
        ("Confirm your bank details", True),
        ("Documents to prepare", True),
        ("Upload a copy of your passport or ID card", True),
        ("Meet your team online", True),
        ("Read the employee handbook", True),
        ("Acknowledge the code of conduct", True),
        ("Lunch with your team", True),
        ("First one-to-one", False),
    ]
    tools.assert_fits(page, "the candidate home")
    tools.assert_no_axe_violations(page, "the candidate home with a timeline")


def test_timeline_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    marcus = live_server.client_signed_in(MARCUS.email)
    base = f"/hr/people/{live_server.arjun_id}/timeline"
    documents = {}
    for name, response in {
        "hr-candidate-timeline": hr.get(base),
        "hr-candidate-milestone-form": hr.get(f"{base}/new"),
        "hr-milestone-form-errors": post_form(
            hr, "/hr/timeline/new", {"day_offset": "soon", "time_of_day": "25:99"}
        ),
        "candidate-home-timeline": marcus.get("/candidate/"),
    }.items():
        assert response.status_code in (200, 422), name
        documents[name] = response.get_data(as_text=True)
    assert 'class="error-message"' in documents["hr-milestone-form-errors"]
    assert "timeline-item-done" in documents["candidate-home-timeline"]
    assert "Bring &lt;all&gt;" in documents["hr-candidate-timeline"]

    tools.assert_valid_html(documents, tmp_path)
