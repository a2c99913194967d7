"""The candidate's "Meet your team" page in German (issue 14), in Chromium at 375 and 1280
pixels: every word in German, the photos loaded under the real CSP, no axe-core finding, no
sideways scrolling, and valid HTML by the Nu checker; with a German recruiter's welcome form
refusing a photo in German beside its field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from tests import browser as tools
from tests.team import images

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # Engineering, Paris: a welcome, a buddy and a team in the demo
ROSA = CHLOE.recruiter_email
WIDTHS = {"phone": tools.PHONE, "desktop": tools.DESKTOP}


def _in_german(live_server, *emails: str) -> int:
    """Those people read German from now on; Chloé's id."""
    with live_server.app.app_context():
        for user in db.session.scalars(select(User).where(User.email.in_(emails))):
            user.language = "de"
        db.session.commit()
        return db.session.scalars(select(User.id).where(User.email == CHLOE.email)).one()


def _signed_in(open_page, email: str, **options) -> Page:
    """Signed in through the (English) form; the pages after it speak German."""
    page = open_page(**options)
    tools.sign_in_with_the_form(page, email)
    expect(page.get_by_role("button", name=re.compile(r"^Abmelden"))).to_be_visible()
    return page


def _photos_loaded(page: Page) -> int:
    photos = page.locator("img.avatar")
    for n in range(photos.count()):
        photo = photos.nth(n)
        photo.scroll_into_view_if_needed()
        expect(photo).to_have_attribute("alt", re.compile(r"^Foto von \S"))
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
        )
    return photos.count()


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
def test_the_candidate_meets_their_team_in_german(new_page, live_server, width):
    tools.require_axe()
    _in_german(live_server, CHLOE.email)
    page = _signed_in(new_page, CHLOE.email, viewport=WIDTHS[width], bypass_csp=True)
    card = page.get_by_role("region", name="Ein Willkommensgruß von Margaux")
    card.get_by_role(
        "link", name="Den ganzen Willkommensgruß lesen und Ihr Team kennenlernen"
    ).click()
    expect(page).to_have_url(re.compile(r"/candidate/team$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_title(re.compile(r"^Ihr Team kennenlernen · "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Team kennenlernen")
    expect(page.locator(".lead")).to_have_text(
        "Die Menschen, mit denen Sie in Engineering, Paris, arbeiten werden. "
        "Alle freuen sich darauf, Sie kennenzulernen."
    )
    expect(
        page.get_by_role("region", name="Ein Willkommensgruß Ihrer Führungskraft")
    ).to_contain_text("Margaux Lefèvre")
    buddy = page.get_by_role("region", name="Ihr Buddy")
    expect(buddy.get_by_role("link", name="Amina schreiben")).to_have_attribute(
        "href", "mailto:amina.diallo@example.com"
    )
    team = page.get_by_role("region", name="Ihr Team", exact=True)
    expect(team.get_by_role("heading", level=3)).to_have_count(4)
    expect(page.get_by_role("link", name="Zurück zu Ihrer Startseite")).to_be_visible()
    assert _photos_loaded(page) == 6
    body = page.locator("main").inner_text()
    for english in ("Meet your team", "Your buddy", "Write to", "Back to your home page"):
        assert english not in body, english
    tools.assert_fits(page, "the German team page", WIDTHS[width]["width"])
    tools.assert_no_axe_violations(page, f"the candidate's team page in German ({width})")


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
def test_a_german_recruiter_sees_a_bad_photo_refused_in_german(new_page, live_server, width):
    tools.require_axe()
    chloe = _in_german(live_server, ROSA)
    page = _signed_in(new_page, ROSA, viewport=WIDTHS[width], bypass_csp=True)
    page.goto(f"/recruiter/candidates/{chloe}/team/welcome")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Willkommensgruß für {CHLOE.name}")
    page.get_by_label("Foto (optional)").set_input_files(
        files=[{"name": "urlaub.jpg", "mimeType": "image/jpeg", "buffer": images.TEXT}]
    )
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Willkommensgruß speichern").click()
    assert sent.value.status == 422
    expect(page.locator(".error-summary")).to_have_text(
        "Bitte korrigieren Sie das unten markierte Feld."
    )
    expect(page.locator("#photo-error")).to_contain_text(
        "Diese Datei ist kein JPEG-, PNG- oder WebP-Foto."
    )
    expect(page.get_by_label("Foto (optional)")).to_have_attribute("aria-invalid", "true")
    tools.assert_fits(page, "the German welcome form with an error", WIDTHS[width]["width"])
    tools.assert_no_axe_violations(page, f"the German welcome form refusing a photo ({width})")


def test_the_german_team_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    chloe = _in_german(live_server, CHLOE.email, ROSA, demo.HR_EMAIL)
    candidate = live_server.client_signed_in(CHLOE.email)
    rosa = live_server.client_signed_in(ROSA)
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    documents = {
        "de-candidate-team": candidate.get("/candidate/team").get_data(as_text=True),
        "de-recruiter-team": rosa.get(f"/recruiter/candidates/{chloe}/team?q=e").text,
        "de-recruiter-buddy": rosa.get(f"/recruiter/candidates/{chloe}/team/buddy").text,
        "de-hr-team-list": hr.get("/hr/team").get_data(as_text=True),
        "de-hr-member-new": hr.get("/hr/team/new").get_data(as_text=True),
    }
    assert "Ihr Team kennenlernen" in documents["de-candidate-team"]
    assert "Teamliste, die HR pflegt" in documents["de-recruiter-team"]
    assert 'lang="de"' in documents["de-hr-team-list"]
    tools.assert_valid_html(documents, tmp_path)
