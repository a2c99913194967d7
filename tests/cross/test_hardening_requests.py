"""Requests an attacker crafts: redirect targets that leave the site once a browser reads them,
ids past any column, NUL and line breaks (issue 13, classes 2 and 7). Error pages and the
production SECRET_KEY: test_error_pages_and_secret_key.py."""

from __future__ import annotations

from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from portal.api import tokens as api_tokens
from portal.core.extensions import db
from portal.core.links import safe_redirect_path
from portal.people.models import User
from tests.support import PASSWORD, csrf_token, post_form, sign_in

# `next` values as the browser sends them (already decoded from the query string). Each one
# leads off the site once a browser drops tabs, turns backslashes or trims spaces.
OFF_SITE = [
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "HTTPS:/\\evil.example",
    "///evil.example",  # ?next=/%2F%2Fevil.example
    "/%2F%2Fevil.example",  # ?next=/%252F%252Fevil.example, decoded once more by a proxy
    "/%09/evil.example",  # ?next=/%2509/evil.example
    "/%5C%5Cevil.example",
    " //evil.example",
    "\t//evil.example",
    "//evil.example\t",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
]
# Line breaks and NUL in the address are refused outright (400): never a header, never a 500.
REFUSED_IN_THE_ADDRESS = [
    "/\r\nSet-Cookie:x=1",
    "/\n/evil.example",
    "/\r//evil.example",
    "\n",
    "\x00//evil.example",
]
TOO_BIG = [2**31, 2**63 - 1, 2**63, 2**64, 10**30, int("9" * 60)]


def _browser_lands_on(location: str) -> str:
    """Where a browser goes: the host of the Location resolved against the page's address,
    after the clean-up browsers do (tabs and newlines dropped, backslashes as slashes)."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").strip()
    return urlsplit(urljoin("http://localhost/sign-in", cleaned.replace("\\", "/"))).netloc


# 1. Redirect targets ------------------------------------------------------------------------


@pytest.mark.parametrize("value", OFF_SITE)
def test_the_helper_refuses_every_target_a_browser_would_take_off_the_site(value):
    assert safe_redirect_path(value) is None


@pytest.mark.parametrize("value", REFUSED_IN_THE_ADDRESS)
def test_the_helper_drops_line_breaks_as_browsers_do(value):
    target = safe_redirect_path(value)
    assert target is None or (_browser_lands_on(target) == "localhost" and "\n" not in target)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("/candidate/questions?x=1", "/candidate/questions?x=1"),
        ("/faq/?q=a%20b#top", "/faq/?q=a%20b#top"),
        ("/x?next=//evil.example", "/x?next=//evil.example"),  # only the path decides
        ("/candidate/\tquestions", "/candidate/questions"),  # as the browser would follow it
        ("/caf\u00e9", "/caf\u00e9"),
    ],
)
def test_the_helper_keeps_own_paths(value, kept):
    assert safe_redirect_path(value) == kept


def test_every_off_site_next_signs_in_and_lands_home(app, people):
    email = people["emails"]["candidate_a"]
    for value in OFF_SITE:
        client = app.test_client()
        url = "/sign-in?" + urlencode({"next": value})
        anonymous = client.get(url)
        assert anonymous.status_code == 200, value
        response = sign_in_at(client, url, email)
        assert response.status_code == 302, value
        assert response.headers["Location"] == "/candidate/", value
        assert _browser_lands_on(response.headers["Location"]) == "localhost"
        signed_in = client.get(url)  # signed in already: home, whatever `next` says
        assert signed_in.headers["Location"] == "/candidate/", value


def test_the_reported_spellings_in_the_raw_query_string(app, people):
    """As typed in the address bar: %09, %2F, %5C, a leading space, an encoded scheme."""
    email = people["emails"]["candidate_a"]
    for raw in (
        "/%09/evil.example",
        "/%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "%20//evil.example",
        "https%3A%2F%2Fevil.example",
        "http:evil.example",
        "javascript:alert(1)",
    ):
        client = app.test_client()
        response = sign_in_at(client, f"/sign-in?next={raw}", email)
        assert response.headers["Location"] == "/candidate/", raw


def test_a_line_break_or_nul_in_next_is_refused_never_a_500(app, people):
    email = people["emails"]["candidate_a"]
    for value in REFUSED_IN_THE_ADDRESS:
        client = app.test_client()
        url = "/sign-in?" + urlencode({"next": value})
        assert client.get(url).status_code == 400, value
        page = client.get("/sign-in").get_data(as_text=True)
        response = client.post(
            url,
            data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD},
        )
        assert response.status_code == 400, value
        assert "Location" not in response.headers
        page = response.get_data(as_text=True)
        assert "line break" in page or "NUL" in page
        assert "Set-Cookie: x" not in str(response.headers)


def test_a_page_asked_for_before_sign_in_is_where_sign_in_leads(client, people):
    first = client.get("/candidate/questions?x=1")
    assert first.status_code == 302
    response = sign_in_at(client, first.headers["Location"], people["emails"]["candidate_a"])
    assert response.headers["Location"] == "/candidate/questions?x=1"


def sign_in_at(client, url: str, email: str):
    page = client.get("/sign-in").get_data(as_text=True)
    return client.post(
        url, data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD}
    )


# 2. Ids past any column -----------------------------------------------------------------------


def test_ids_past_any_column_are_404_on_every_kind_of_route(app, people):
    """Before: OverflowError on SQLite, 'integer out of range' on PostgreSQL, both a 500."""
    hr, candidate, recruiter = app.test_client(), app.test_client(), app.test_client()
    sign_in(hr, people["emails"]["hr"])
    sign_in(candidate, people["emails"]["candidate_a"])
    sign_in(recruiter, people["emails"]["recruiter_a"])
    real = people["ids"]["candidate_a"]
    assert hr.get(f"/hr/people/{real}").status_code == 200
    assert hr.get(f"/hr/people/{2**31 - 1}").status_code == 404  # the largest id: a look-up
    for number in TOO_BIG:
        for client, path in (
            (hr, f"/hr/people/{number}"),
            (hr, f"/hr/people/{number}/edit"),
            (hr, f"/hr/people/{number}/activity"),
            (hr, f"/hr/people/{real}/timeline/{number}/edit"),
            (hr, f"/hr/webhooks/{number}"),
            (hr, f"/hr/timeline/{number}/edit"),
            (hr, f"/faq/{number}/edit"),
            (candidate, f"/candidate/news/{number}/open"),
            (candidate, f"/candidate/timeline/{number}"),
            (recruiter, f"/recruiter/candidates/{number}"),
            (recruiter, f"/recruiter/candidates/{number}/questions"),
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "Page not found" in response.get_data(as_text=True)
        deactivate = post_form(
            hr, f"/hr/people/{number}/deactivate", {}, form_url=f"/hr/people/{real}"
        )
        assert deactivate.status_code == 404
    assert hr.get("/hr/people/" + "9" * 5000).status_code == 404
    assert hr.get("/hr/people/\u0661\u0662").status_code == 404  # digits, but not ASCII ones


def test_ids_past_any_column_in_the_query_string_find_nothing(app, people):
    hr = app.test_client()
    sign_in(hr, people["emails"]["hr"])
    for number in TOO_BIG:
        listing = hr.get(f"/hr/?recruiter={number}")
        assert listing.status_code == 200
        assert "Alice Candidate" not in listing.get_data(as_text=True)
        assert hr.get(f"/hr/news/entries?feed={number}").status_code == 404
        assert hr.get(f"/hr/news/preview?candidate={number}").status_code == 404
        assert hr.get(f"/faq/new?from_message={number}").status_code == 404
        assert hr.get(f"/hr/news/entries?before={number}").status_code == 200  # finds nothing
    everyone = hr.get("/hr/?recruiter=not-a-number").get_data(as_text=True)
    assert "Alice Candidate" in everyone and "Ben Candidate" in everyone


def test_api_ids_past_any_column_are_404_problems(app, people):
    with app.app_context():
        user = db.session.get(User, people["ids"]["hr"])
        _row, token = api_tokens.create(user, "hardening")
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for number in TOO_BIG:
        response = client.get(f"/api/v1/candidates/{number}", headers=headers)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        for query in (f"candidate_id={number}", f"limit={number}"):
            assert client.get(f"/api/v1/events?{query}", headers=headers).status_code == 400
        # The event cursor is a 64-bit id: past 32 bits it is a cursor like any, past 18
        # digits it is refused.
        after = client.get(f"/api/v1/events?after={number}", headers=headers)
        assert after.status_code == (200 if number < 10**18 else 400)


# 3. NUL and line breaks ----------------------------------------------------------------------


def test_nul_anywhere_is_400_with_a_clear_message(app, people):
    client = app.test_client()
    for url in ("/sign-in%00", "/sign-in?next=%00", "/sign-in?%00=1", "/faq/?q=a%00b"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "NUL" in response.get_data(as_text=True), url
    refused = post_form(client, "/sign-in", {"email": "a\x00@example.com", "password": "x"})
    assert refused.status_code == 400
    assert "cannot be stored" in refused.get_data(as_text=True)
    sign_in(client, people["emails"]["candidate_a"])
    for data in ({"body": "hello\x00world"}, {"body": "fine", "extra\x00": "1"}):
        asked = post_form(client, "/candidate/questions", data)
        assert asked.status_code == 400
        assert "cannot be stored" in asked.get_data(as_text=True)
    assert "hello" not in client.get("/candidate/questions").get_data(as_text=True)


def test_line_breaks_in_the_address_are_400_but_welcome_in_a_text_area(app, people):
    client = app.test_client()
    sign_in(client, people["emails"]["candidate_a"])
    for url in ("/candidate/%0Aquestions", "/faq/?q=a%0Db", "/faq/?q=a%0A", "/sign-in?a%0A=1"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "line break" in response.get_data(as_text=True)
    page = client.get("/candidate/questions").get_data(as_text=True)
    refused = client.post(
        "/candidate/questions%0D%0A", data={"csrf_token": csrf_token(page), "body": "x"}
    )
    assert refused.status_code == 400
    asked = post_form(client, "/candidate/questions", {"body": "Line one\r\nline two\nthree"})
    assert asked.status_code in (302, 303)
    assert "line two" in client.get("/candidate/questions").get_data(as_text=True)


def test_nul_and_line_breaks_to_the_api_are_400_problems(app, people):
    with app.app_context():
        user = db.session.get(User, people["ids"]["recruiter_a"])
        _row, token = api_tokens.create(user, "hardening")
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for method, url, extra in (
        ("GET", "/api/v1/candidates?status=%00", {}),
        ("GET", "/api/v1/candidates%00", {}),
        ("GET", "/api/v1/events?kind=a%0Ab", {}),
        ("POST", "/api/v1/candidates", {"json": {"name": "a\x00b"}}),
        ("POST", "/api/v1/candidates", {"json": [{"deep": ["\x00"]}]}),
        ("POST", "/api/v1/candidates", {"json": {"\x00": 1}}),
    ):
        response = client.open(url, method=method, headers=headers, **extra)
        assert response.status_code == 400, url
        assert response.mimetype == "application/problem+json"
        detail = response.get_json()["detail"]
        assert "NUL" in detail or "line break" in detail
