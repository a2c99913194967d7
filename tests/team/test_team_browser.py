"""Meet the people in Chromium, at 375 and 1280 pixels, checked by axe-core and the Nu HTML
checker: the candidate's team page and home card (photos loaded under the real CSP), the
recruiter's and HR's pages, and a photo refused beside its field. Also makes the README's
screenshot: `PORTAL_SCREENSHOTS=1` writes it to docs/screenshots/team.png."""

from __future__ import annotations

import io
import os
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from portal.team.models import TeamMember
from tests import browser as tools
from tests.support import post_form
from tests.team import images

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # Engineering, Paris: a welcome, a buddy and a team in the demo
ROSA = CHLOE.recruiter_email
WIDTHS = {"phone": tools.PHONE, "desktop": tools.DESKTOP}
SCREENSHOT = tools.PROJECT_ROOT / "docs" / "screenshots" / "team.png"


def _ids(live_server) -> dict[str, int]:
    with live_server.app.app_context():
        chloe = db.session.scalars(select(User.id).where(User.email == CHLOE.email)).one()
        member = db.session.scalars(select(TeamMember.id).order_by(TeamMember.id)).first()
        return {"chloe": chloe, "member": member}


def _photos_loaded(page: Page) -> int:
    """How many photos on the page the browser has decoded (none may be broken)."""
    photos = page.locator("img.avatar")
    count = photos.count()
    for n in range(count):
        photo = photos.nth(n)
        photo.scroll_into_view_if_needed()
        expect(photo).to_have_attribute("alt", re.compile(r"^Photo of \S"))
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
        )
    return count


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
def test_the_candidate_meets_their_team(new_page, width):
    tools.require_axe()
    page = tools.signed_in(new_page, CHLOE.email, viewport=WIDTHS[width], bypass_csp=True)
    card = page.get_by_role("region", name="A welcome from Margaux")
    expect(card).to_contain_text("The whole team is thrilled")
    card.get_by_role("link", name="Read the whole welcome and meet your team").click()
    expect(page).to_have_url(re.compile(r"/candidate/team$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meet your team")
    menu = page.get_by_role("navigation", name="Main")
    if width == "phone":
        page.get_by_role("button", name="Menu").click()
    expect(menu.get_by_role("link", name="Your team")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("region", name="A welcome from your manager")).to_contain_text(
        "Margaux Lefèvre"
    )
    buddy = page.get_by_role("region", name="Your buddy")
    expect(buddy.get_by_role("link", name="Write to Amina")).to_have_attribute(
        "href", "mailto:amina.diallo@example.com"
    )
    team = page.get_by_role("region", name="Your team")
    expect(team.get_by_role("heading", level=3)).to_have_text(
        ["Amina Diallo", "Lucas Bernard", "Margaux Lefèvre", "Théo Martin"]
    )
    assert _photos_loaded(page) == 6  # manager, buddy, four on the team
    tools.assert_fits(page, "the team page", WIDTHS[width]["width"])
    tools.assert_no_axe_violations(page, f"the candidate's team page ({width})")


def test_the_screenshot_of_the_team_page(new_page, tmp_path):
    page = tools.signed_in(new_page, CHLOE.email, viewport={"width": 1280, "height": 900})
    page.goto("/candidate/team")
    _photos_loaded(page)  # under the real CSP, as a candidate sees them
    target = SCREENSHOT if os.environ.get("PORTAL_SCREENSHOTS") else tmp_path / "team.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
def test_the_recruiter_changes_the_welcome_and_a_bad_photo_is_refused_beside_it(
    new_page, live_server, tmp_path, width
):
    tools.require_axe()
    ids = _ids(live_server)
    page = tools.signed_in(new_page, ROSA, viewport=WIDTHS[width], bypass_csp=True)
    page.goto(f"/recruiter/candidates/{ids['chloe']}")
    page.get_by_role("link", name="Welcome and team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Who welcomes {CHLOE.name}")
    tools.assert_fits(page, "the welcome and team page", WIDTHS[width]["width"])
    tools.assert_no_axe_violations(page, f"the recruiter's welcome and team page ({width})")

    page.get_by_role("link", name="Change the welcome").click()
    page.get_by_label("Photo (optional)").set_input_files(
        files=[{"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": images.TEXT}]
    )
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Save the welcome").click()
    assert sent.value.status == 422
    photo = page.get_by_label("Photo (optional)")
    expect(photo).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#photo-error")).to_contain_text("not a JPEG, PNG or WebP photo")
    expect(page.get_by_label("Hiring manager's name")).to_have_value("Margaux Lefèvre")
    tools.assert_fits(page, "the welcome form with an error", WIDTHS[width]["width"])
    tools.assert_no_axe_violations(page, f"the welcome form refusing a photo ({width})")

    photo.set_input_files(
        files=[
            {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": images.sideways_jpeg_with_gps()}
        ]
    )
    page.get_by_role("button", name="Save the welcome").click()
    expect(page.get_by_text("Welcome saved.")).to_be_visible()
    assert _photos_loaded(page) >= 2


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
def test_hr_keeps_the_team_list(new_page, live_server, width):
    tools.require_axe()
    ids = _ids(live_server)
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=WIDTHS[width], bypass_csp=True)
    for path, name in (
        ("/hr/team", "the team list"),
        ("/hr/team/new", "the new team member form"),
        (f"/hr/team/{ids['member']}/edit", "a team member's form"),
        (f"/hr/people/{ids['chloe']}/team?q=a", "HR's welcome and team page, searching"),
        (f"/hr/people/{ids['chloe']}/team/buddy", "the buddy form"),
    ):
        page.goto(path)
        _photos_loaded(page)
        tools.assert_fits(page, name, WIDTHS[width]["width"])
        tools.assert_no_axe_violations(page, f"{name} ({width})")
    page.goto("/hr/team/new")
    page.get_by_role("button", name="Add to the team list").click()
    expect(page.locator("#name-error")).to_contain_text("Enter their name.")
    expect(page.locator("#department-error")).to_contain_text("Enter their department.")
    tools.assert_no_axe_violations(page, f"the team member form with errors ({width})")


def test_the_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    ids = _ids(live_server)
    chloe = live_server.client_signed_in(CHLOE.email)
    rosa = live_server.client_signed_in(ROSA)
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    refused = post_form(
        hr,
        f"/hr/people/{ids['chloe']}/team/welcome",
        {"manager_name": "", "message": "", "photo": (io.BytesIO(images.TEXT), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    documents = {
        "candidate-team": chloe.get("/candidate/team").get_data(as_text=True),
        "candidate-home": chloe.get("/candidate/").get_data(as_text=True),
        "recruiter-team": rosa.get(f"/recruiter/candidates/{ids['chloe']}/team?q=e").text,
        "recruiter-buddy": rosa.get(f"/recruiter/candidates/{ids['chloe']}/team/buddy").text,
        "hr-welcome-refused": refused.get_data(as_text=True),
        "hr-team-list": hr.get("/hr/team").get_data(as_text=True),
        "hr-member-new": hr.get("/hr/team/new").get_data(as_text=True),
        "hr-member-edit": hr.get(f"/hr/team/{ids['member']}/edit").get_data(as_text=True),
    }
    assert "A welcome from Margaux" in documents["candidate-home"]
    assert "Current photo" in documents["recruiter-buddy"]
    tools.assert_valid_html(documents, tmp_path)


def test_a_photo_too_large_is_refused_before_it_is_sent(new_page):
    tools.require_axe()
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=tools.PHONE, bypass_csp=True)
    page.goto("/hr/team/new")
    photo = page.get_by_label("Photo (optional)")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    photo.set_input_files(
        files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (9 * 1024 * 1024)}]
    )
    expect(page.locator("#photo-size-error")).to_have_text(
        "That file is larger than 8 MB. Choose a smaller photo, or save this one smaller first."
    )
    expect(photo).to_have_attribute("aria-invalid", "true")
    assert photo.evaluate("(input) => input.files.length") == 0
    tools.assert_no_axe_violations(page, "the team member form refusing a large photo")
    photo.set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": images.png()}]
    )
    expect(page.locator("#photo-size-error")).to_have_count(0)
    assert posts == []
