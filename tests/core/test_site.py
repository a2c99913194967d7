"""What every page shares (core/site.py): the current page marked in the main menu, the web app
manifest, the theme colour and the meta description."""

from __future__ import annotations

import json
import re

import pytest

from portal.core import site
from tests.support import sign_in

NAV = re.compile(r'<nav aria-label="Main"[^>]*>(.*?)</nav>', re.S)
CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)')


def test_the_longest_link_above_the_page_is_the_current_one():
    links = ["/hr/", "/hr/news", "/hr/timeline", "/faq/", "/account/password"]
    assert site.current_link(links, "/hr/") == "/hr/"
    assert site.current_link(links, "/hr/people/7/timeline") == "/hr/"  # a person's pages
    assert site.current_link(links, "/hr/news/entries") == "/hr/news"
    assert site.current_link(links, "/hr/timeline/new") == "/hr/timeline"
    assert site.current_link(links, "/faq/3/edit") == "/faq/"
    assert site.current_link(links, "/hr/newsletter") == "/hr/"  # a prefix, not a folder
    assert site.current_link(links, "/what-we-record") is None


PAGES = {
    "candidate_a": [
        ("/candidate/", "Home"),
        ("/candidate/questions", "Questions"),
        ("/candidate/news", "News"),
        ("/faq/", "FAQ"),
        ("/candidate/email-preferences", "Email settings"),
        ("/account/password", "Password"),
    ],
    "recruiter_a": [
        ("/recruiter/", "My candidates"),
        ("/recruiter/candidates/{candidate_a}", "My candidates"),
        ("/recruiter/inbox", "Inbox"),
        ("/account/api-tokens", "API tokens"),
    ],
    "hr": [
        ("/hr/", "People"),
        ("/hr/people/{candidate_a}/timeline", "People"),
        ("/hr/engagement", "Engagement"),
        ("/hr/timeline/new", "Timeline"),
        ("/hr/news/entries", "News feeds"),
        ("/hr/webhooks/new", "Webhooks"),
        ("/hr/audit", "Audit log"),
        ("/faq/new", "FAQ"),
    ],
}


@pytest.mark.parametrize("persona", PAGES)
def test_exactly_one_menu_link_is_the_current_page(app, people, persona):
    client = app.test_client()
    assert sign_in(client, people["emails"][persona]).status_code == 302
    for path, label in PAGES[persona]:
        page = client.get(path.format(**people["ids"]))
        assert page.status_code == 200, path
        nav = NAV.search(page.get_data(as_text=True))
        assert nav, f"{path}: no main menu"
        current = CURRENT.findall(nav.group(1))
        assert [text for _href, text in current] == [label], f"{path}: {current}"
    # A page no menu link covers marks none.
    nav = NAV.search(client.get("/what-we-record").get_data(as_text=True))
    assert nav and "aria-current" not in nav.group(1)


def test_the_manifest_is_served_valid_and_linked(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Pre-boarding portal"
    assert manifest["short_name"] and len(manifest["short_name"]) <= 12
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    with client.get("/static/portal.css") as stylesheet:
        css = stylesheet.get_data(as_text=True)
    assert f"--primary-dark: {manifest['theme_color']};" in css  # the header's colour
    icon = manifest["icons"][0]
    assert icon["type"] == "image/svg+xml" and icon["sizes"] == "any"
    with client.get(icon["src"]) as served:
        assert served.status_code == 200 and served.mimetype == "image/svg+xml"
        assert served.get_data(as_text=True).lstrip().startswith("<svg")

    page = client.get("/sign-in").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<meta name="theme-color" content="{manifest["theme_color"]}">' in page
    assert f'<link rel="icon" href="{icon["src"]}" type="image/svg+xml">' in page


def test_pages_have_their_own_meta_description(client):
    def description(path: str) -> str:
        found = re.search(r'<meta name="description" content="([^"]*)">', client.get(path).text)
        assert found, f"{path}: no meta description"
        return found.group(1)

    sign_in_text = description("/sign-in")
    assert "Sign in" in sign_in_text
    assert description("/what-we-record") not in ("", sign_in_text)
    assert description("/password/forgot")  # the default, for pages without their own
