"""Reset requests and current-password checks are throttled (issue 13, class 4), and a reset
request takes as long for an address with an account as for one without (class 5)."""

from __future__ import annotations

import re
import statistics
import time
from urllib.parse import urlsplit

import pytest

from portal.people.models import Role
from tests.support import PASSWORD, csrf_token, link_in, make_staff, post_form, sign_in

KNOWN = "rex@example.com"
UNKNOWN = "nobody.here@example.com"
NEW_PASSWORD = "a fresh passphrase for rex"


def _forgot(client, email: str, **kwargs):
    return post_form(client, "/password/forgot", {"email": email}, **kwargs)


def _normalized(response, email: str) -> str:
    page = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", page)


@pytest.fixture
def rex(app) -> None:
    with app.app_context():
        make_staff(Role.RECRUITER, KNOWN, "Rex Recruiter")


# --- Reset requests ---------------------------------------------------------------------------


def test_too_many_reset_requests_are_refused_and_the_last_link_keeps_working(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url)  # the defaults: 3 per 15 minutes per account
    with app.app_context():
        make_staff(Role.RECRUITER, KNOWN, "Rex Recruiter")
    answers = [_forgot(app.test_client(), KNOWN) for _ in range(15)]
    for answer in answers:
        answer.close()  # the response is done: the email goes now
    assert [a.status_code for a in answers] == [302] * 3 + [429] * 12
    refused = answers[-1]
    wait = int(refused.headers["Retry-After"])
    assert 800 <= wait <= 900
    page = refused.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', page, re.S)
    assert summary, "the message sits above the form"
    assert "Too many attempts. Wait 15 minutes, then try again." in summary.group(1)
    assert "A reset link sent earlier still works." in summary.group(1)
    assert f'value="{KNOWN}"' in page, "the form keeps what was typed"

    messages = smtp_server.wait_for(3)
    assert len(messages) == 3 and all(m["To"] == KNOWN for m in messages)
    time.sleep(0.2)
    assert len(smtp_server.messages) == 3, "a refused request sends nothing"
    # The refused requests did not revoke the link sent last; it still works.
    last = urlsplit(link_in(messages[-1])).path
    anon = app.test_client()
    done = post_form(anon, last, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert sign_in(app.test_client(), KNOWN, NEW_PASSWORD).status_code == 302


def test_a_refused_request_looks_the_same_for_addresses_with_and_without_an_account(
    make_app, smtp_server
):
    app = make_app(SMTP_URL=smtp_server.url, PASSWORD_RESET_LIMITS_PER_ACCOUNT="2 per hour")
    with app.app_context():
        make_staff(Role.RECRUITER, KNOWN, "Rex Recruiter")
    pages = {}
    for email in (KNOWN, UNKNOWN):
        answers = [_forgot(app.test_client(), email) for _ in range(3)]
        assert [a.status_code for a in answers] == [302, 302, 429]
        pages[email] = answers[-1]
    waits = [int(pages[email].headers["Retry-After"]) for email in (KNOWN, UNKNOWN)]
    assert abs(waits[0] - waits[1]) <= 2
    assert _normalized(pages[KNOWN], KNOWN) == _normalized(pages[UNKNOWN], UNKNOWN)


def test_reset_requests_from_one_client_address_are_limited(make_app, rex):
    app = make_app(PASSWORD_RESET_LIMITS_PER_ADDRESS="4 per 15 minutes")
    for number in range(4):
        assert _forgot(app.test_client(), f"person{number}@example.com").status_code == 302
    refused = _forgot(app.test_client(), KNOWN)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    elsewhere = app.test_client()
    page = elsewhere.get("/password/forgot", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    answer = elsewhere.post(
        "/password/forgot",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "email": KNOWN},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert answer.status_code == 302


# --- The current password on the account page -------------------------------------------------


def test_wrong_current_passwords_are_limited_per_account(make_app, rex):
    app = make_app(CURRENT_PASSWORD_LIMITS="3 per 15 minutes;20 per day")
    browser = app.test_client()
    sign_in(browser, KNOWN)
    wrong = {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(3):
        answer = post_form(browser, "/account/password", wrong)
        assert answer.status_code == 422
        assert "That is not your current password." in answer.get_data(as_text=True)
    right = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    refused = post_form(browser, "/account/password", right)
    assert refused.status_code == 429
    assert 800 <= int(refused.headers["Retry-After"]) <= 900
    page = refused.get_data(as_text=True)
    assert "Too many attempts. Wait 15 minutes, then try again." in page
    assert "ask for a reset link" in page
    assert PASSWORD not in page and NEW_PASSWORD not in page, "password fields stay empty"
    # Nothing changed: the old password still signs in, the new one does not.
    assert sign_in(app.test_client(), KNOWN, NEW_PASSWORD).status_code == 200
    assert sign_in(app.test_client(), KNOWN, PASSWORD).status_code == 302
    # Another browser of the same account is limited too (it is the account that is guarded).
    other = app.test_client()
    sign_in(other, KNOWN)
    assert post_form(other, "/account/password", right).status_code == 429


def test_a_right_current_password_clears_the_count(make_app, rex):
    app = make_app(CURRENT_PASSWORD_LIMITS="3 per 15 minutes")
    browser = app.test_client()
    sign_in(browser, KNOWN)
    wrong = {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(2):
        assert post_form(browser, "/account/password", wrong).status_code == 422
    right = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(browser, "/account/password", right).status_code == 302
    for _ in range(3):
        assert post_form(browser, "/account/password", wrong).status_code == 422


# --- Timing ------------------------------------------------------------------------------------

ROUNDS = 40


def test_reset_requests_take_as_long_for_known_and_unknown_addresses(make_app, smtp_server):
    """Interleaved requests for an address with an account and one without: the medians differ
    by less than max(3 ms, 30 %), and every request for the known address still gets its
    email (sent once the answer has gone)."""
    app = make_app(
        SMTP_URL=smtp_server.url,
        PASSWORD_RESET_LIMITS_PER_ACCOUNT="1000 per minute",
        PASSWORD_RESET_LIMITS_PER_ADDRESS="1000 per minute",
    )
    with app.app_context():
        make_staff(Role.RECRUITER, KNOWN, "Rex Recruiter")
    client = app.test_client()
    token = csrf_token(client.get("/password/forgot").get_data(as_text=True))

    def timed(email: str) -> float:
        started = time.perf_counter()
        answer = client.post("/password/forgot", data={"csrf_token": token, "email": email})
        elapsed = time.perf_counter() - started
        assert answer.status_code == 302
        answer.close()  # the server is done with the response: now the email may go
        return elapsed

    for _ in range(3):  # warm up: templates compiled, connections open
        timed(KNOWN)
        timed(UNKNOWN)
    sent_before = len(smtp_server.wait_for(3))
    durations: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for number in range(ROUNDS):
        order = (KNOWN, UNKNOWN) if number % 2 else (UNKNOWN, KNOWN)
        for email in order:
            durations[email].append(timed(email))
    known = statistics.median(durations[KNOWN]) * 1000
    unknown = statistics.median(durations[UNKNOWN]) * 1000
    allowed = max(3.0, 0.3 * max(known, unknown))
    assert abs(known - unknown) < allowed, f"known {known:.1f} ms, unknown {unknown:.1f} ms"
    messages = smtp_server.wait_for(sent_before + ROUNDS)
    assert len(messages) == sent_before + ROUNDS
    assert {m["To"] for m in messages} == {KNOWN}


def test_the_email_is_not_sent_before_the_answer(make_app, smtp_server):
    """Sending waits for the response to be finished, so the mail server's speed never shows
    in how long the answer takes."""
    app = make_app(SMTP_URL=smtp_server.url)
    with app.app_context():
        make_staff(Role.RECRUITER, KNOWN, "Rex Recruiter")
    answer = _forgot(app.test_client(), KNOWN)
    assert answer.status_code == 302
    time.sleep(0.3)
    assert smtp_server.messages == []
    answer.close()
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == KNOWN
