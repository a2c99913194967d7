"""The conversation pages and the recruiter's dashboard and inbox in German, in a real browser
at 375 and 1280 px, checked by axe-core and the Nu HTML checker: longer German words must still
fit a phone, and every label, hint and reason must be there in German. On the demo: Arjun (his
visa question has waited past the promise) and Ravi, his recruiter, both read German."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from tests import browser as tools
from tests.support import post_form

pytestmark = pytest.mark.browser

ARJUN = demo.CANDIDATES[1]
RAVI = demo.RECRUITERS[0][1]
SIGN_OUT = re.compile(r"^Abmelden")


@pytest.fixture
def live_server(make_app):
    server = tools.start_live_server(make_app())
    with server.app.app_context():
        arjun = db.session.scalars(select(User).where(User.email == ARJUN.email)).one()
        assert arjun.candidate_profile.recruiter.email == RAVI, "the demo's Arjun is Ravi's"
        arjun.language = "de"
        arjun.candidate_profile.recruiter.language = "de"
        db.session.commit()
        server.arjun_id = arjun.id
        db.session.remove()
    yield server
    server.stop()


def _signed_in(new_page, email: str, viewport: dict) -> Page:
    """Signed in through the form (before sign-in the browser's English), then in German."""
    page = new_page(viewport=viewport, bypass_csp=True)
    tools.sign_in_with_the_form(page, email)
    expect(page.get_by_role("button", name=SIGN_OUT)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    return page


def _recruiter_paths(arjun_id: int) -> list[str]:
    return [
        "/recruiter/",
        "/recruiter/inbox",
        f"/recruiter/candidates/{arjun_id}",
        f"/recruiter/candidates/{arjun_id}/questions",
    ]


@pytest.mark.parametrize("viewport", [tools.PHONE, tools.DESKTOP], ids=["375px", "1280px"])
def test_the_candidates_thread_in_german(new_page, live_server, viewport):
    tools.require_axe()
    page = _signed_in(new_page, ARJUN.email, viewport)
    page.goto("/candidate/questions")
    expect(page.get_by_role("heading", name="Ihre Fragen", level=1)).to_be_visible()
    expect(page.locator("#answer-due")).to_contain_text(
        "Das dauert länger als die zugesagten 24 Stunden, und das tut uns leid."
    )
    expect(page.get_by_role("button", name="Als „keine Antwort nötig“ markieren")).to_be_visible()
    expect(page.get_by_label("In den Fragen anderer suchen")).to_be_visible()
    tools.assert_fits(page, "the candidate's thread in German", viewport["width"])
    tools.assert_no_axe_violations(page, "the candidate's thread in German")

    page.get_by_label("Ihre Frage").fill("Gibt es am ersten Tag ein Mittagessen?")
    page.get_by_role("button", name="Frage senden").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre Frage wurde gesendet.")
    expect(page.locator(".message-mine .message-author").last).to_have_text("Sie")
    tools.assert_fits(page, "the thread after asking", viewport["width"])
    tools.assert_no_axe_violations(page, "the candidate's thread after asking, in German")


@pytest.mark.parametrize("viewport", [tools.PHONE, tools.DESKTOP], ids=["375px", "1280px"])
def test_the_recruiters_dashboard_and_inbox_in_german(new_page, live_server, viewport):
    tools.require_axe()
    page = _signed_in(new_page, RAVI, viewport)
    for path in _recruiter_paths(live_server.arjun_id):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        tools.assert_fits(page, f"{path} in German", viewport["width"])
        tools.assert_no_axe_violations(page, f"{path} in German")

    page.goto("/recruiter/")
    expect(page.get_by_role("heading", name="Meine Kandidat:innen", level=1)).to_be_visible()
    arjun = page.locator(f'tr[data-candidate-id="{live_server.arjun_id}"]')
    # His reason, stored with its facts, worded in German.
    expect(arjun.locator(".reasons")).to_contain_text(re.compile(r"Frage seit \d+ Stunden"))
    expect(arjun.locator(".engagement-badge")).to_have_text("Gefährdet")

    page.goto("/recruiter/inbox")
    expect(page.get_by_role("heading", name="Posteingang", level=1)).to_be_visible()
    row = page.locator(f'tr[data-candidate-id="{live_server.arjun_id}"]')
    expect(row.locator(".badge-danger")).to_have_text("Überfällig")
    expect(row.locator(".time-left")).to_contain_text(re.compile(r"^um \d+ Stunden?$"))


def test_the_german_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    arjun = live_server.client_signed_in(ARJUN.email)
    ravi = live_server.client_signed_in(RAVI)
    documents = {"candidate-thread-de": arjun.get("/candidate/questions")}
    refused = post_form(arjun, "/candidate/questions", {"body": "", "client_key": uuid.uuid4().hex})
    assert refused.status_code == 422
    documents["candidate-thread-refused-de"] = refused
    for path in _recruiter_paths(live_server.arjun_id):
        documents[f"recruiter{path.replace('/', '-')}-de"] = ravi.get(path)
    html = {}
    for name, response in documents.items():
        assert response.status_code in (200, 422), name
        html[name] = response.get_data(as_text=True)
        assert '<html lang="de"' in html[name], name
    assert "Schreiben Sie zuerst eine Nachricht." in html["candidate-thread-refused-de"]
    tools.assert_valid_html(html, tmp_path)
