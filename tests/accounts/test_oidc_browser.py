"""Staff single sign-on in a real Chromium against the real test provider: the button, the
provider's sign-in form, and back on the HR home, under the portal's real CSP; the sign-in page
with the button, and with a cancelled sign-in's message, checked by axe-core (desktop and phone)
and the Nu HTML checker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo import load as demo
from tests import browser as tools
from tests.oidc_provider import PROVIDER_NAME, Person, running_provider

pytestmark = pytest.mark.browser

BUTTON = f"Sign in with {PROVIDER_NAME}"


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def sso_server(make_app, provider):
    """The portal with the demo loaded, signing staff in with the test provider."""
    provider.reset()
    server = tools.start_live_server(make_app(**provider.portal_config()))
    # The provider sends people back to the address the portal is really served at.
    server.app.config["BASE_URL"] = server.url
    callback = f"{server.url}/sign-in/sso/callback"
    provider.redirect_uris.add(callback)
    provider.add(Person("hannah", "sub-hannah", demo.HR_EMAIL, groups=["portal-hr"]))
    yield server
    provider.redirect_uris.discard(callback)
    server.stop()


@pytest.fixture
def open_page(browser, sso_server):
    with tools.open_pages(browser, sso_server.url) as opener:
        yield opener


def test_a_member_of_staff_signs_in_with_the_button(open_page):
    page = open_page()  # the portal's real Content-Security-Policy
    page.goto("/sign-in")
    page.get_by_role("link", name=BUTTON).click()
    expect(page.get_by_role("heading", name="Sign in to Test SSO")).to_be_visible()
    page.get_by_label("User name").fill("hannah")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name=tools.SIGN_OUT)).to_be_visible()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/hr/", page.url), page.url


def test_the_sign_in_page_with_the_button_and_a_cancelled_sign_in(open_page):
    tools.require_axe()
    for viewport, name in ((None, "desktop"), (tools.PHONE, "phone")):
        page = open_page(viewport=viewport, bypass_csp=True)
        page.goto("/sign-in")
        expect(page.get_by_role("link", name=BUTTON)).to_be_visible()
        tools.assert_no_axe_violations(page, f"the sign-in page with single sign-on ({name})")
        tools.assert_fits(page, "the sign-in page", width=(viewport or tools.DESKTOP)["width"])

        page.get_by_role("link", name=BUTTON).click()
        page.get_by_role("button", name="Cancel").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(f"Signing in with {PROVIDER_NAME} was cancelled.")
        tools.assert_no_axe_violations(page, f"a cancelled single sign-on ({name})")
        tools.assert_fits(page, "the cancelled sign-in", width=(viewport or tools.DESKTOP)["width"])
        # The password form on that page still works.
        page.get_by_label("Email").fill(demo.HR_EMAIL)
        page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("button", name=tools.SIGN_OUT)).to_be_visible()


def test_the_pages_are_valid_html(sso_server, tmp_path):
    client = sso_server.app.test_client()
    documents = {
        "sign-in-with-sso": client.get("/sign-in?next=/hr/").get_data(as_text=True),
        "sso-cancelled": client.get("/sign-in/sso/callback?error=access_denied&state=s").get_data(
            as_text=True
        ),
        "sso-expired": client.get("/sign-in/sso/callback?code=c&state=s").get_data(as_text=True),
    }
    assert BUTTON in documents["sign-in-with-sso"]
    tools.assert_valid_html(documents, tmp_path)
