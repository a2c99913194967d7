"""Common, breached and personal passwords are refused, offline, with a helpful message beside
the field (issue 13, class 6): on the invitation, reset and account pages and in the CLI."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import urlsplit

import pytest

from portal.accounts import operations as accounts
from portal.accounts import passwords, signing_in
from portal.core.extensions import db
from portal.people.models import Role
from tests.support import PASSWORD, make_staff, post_form, sign_in

STRONG = "quiet harbour lantern at dusk"


def _error_beside_password(response) -> str:
    page = response.get_data(as_text=True)
    found = re.search(r'id="password-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, "no message beside the password field"
    text = html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))
    return " ".join(text.split()).removeprefix("Error: ")


@pytest.fixture
def ana_invitation(app) -> str:
    """The invitation link of Ana Silva, ana.silva@example.com."""
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        ana = accounts.create_user(
            actor=hr,
            email="ana.silva@example.com",
            name="Ana Silva",
            role=Role.RECRUITER,
            time_zone="UTC",
        )
        invitation = accounts.invite(ana, hr)
        db.session.commit()
        found = re.search(r"https?://\S+", invitation.body_text)
        assert found
        return urlsplit(found.group(0)).path


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("password123", "This is a very common password."),
        ("qwertyuiop", "This is a top-100 common password."),
        ("iloveyou2", "This is a very common password."),
        ("P@ssw0rd!", "This is similar to a commonly used password."),
        ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
        ("ana.silva2024", "It contains your name, your email address"),
        ("anasilva2024", "It contains your name, your email address"),
        ("Silva1987!", "It contains your name, your email address"),
        ("preboarding2024", "a word tied to this portal"),
    ],
)
def test_the_invitation_page_refuses_guessable_passwords(client, ana_invitation, password, says):
    refused = post_form(client, ana_invitation, {"password": password, "confirm": password})
    assert refused.status_code == 422
    message = _error_beside_password(refused)
    assert message.startswith("This password is too easy to guess.")
    assert says in message
    assert "Add another word or two." in message, "a suggestion of what to do instead"
    assert client.get(ana_invitation).status_code == 200, "the link still works"


def test_a_strong_password_is_accepted_and_the_suite_password_passes(client, ana_invitation):
    done = post_form(client, ana_invitation, {"password": STRONG, "confirm": STRONG})
    assert done.status_code == 302
    with client.application.app_context():
        assert passwords.password_problem(PASSWORD) is None
        words = passwords.personal_words(email="ana.silva@example.com", name="Ana Silva")
        assert passwords.password_problem(STRONG, words) is None


def test_length_rules_come_first(app_ctx):
    assert passwords.password_problem("short") == "Use at least 8 characters."
    assert passwords.password_problem("x" * 257) == "Use at most 256 characters."
    assert passwords.password_problem(" " * 12) == "A password cannot be only spaces."


def test_a_long_password_costs_little_to_check(app_ctx):
    """zxcvbn judges the first 72 characters only, so the longest allowed password (and a
    megabyte refused by its length) cost a bounded, small time."""
    for password in ("ab" * 128, "1234567890" * 25 + "abcdef", "x" * 1_000_000):
        started = time.perf_counter()
        passwords.password_problem(password)
        assert time.perf_counter() - started < 0.5
    strong_start = STRONG + " " + "a" * 200
    assert passwords.password_problem(strong_start) is None


def test_the_account_page_refuses_a_weak_new_password(app, client):
    with app.app_context():
        make_staff(Role.RECRUITER, "rex.mueller@example.com", "Rex Mueller")
    sign_in(client, "rex.mueller@example.com")
    for weak, says in (("Summer2024!", "commonly used"), ("rexmueller1", "your name")):
        data = {"current": PASSWORD, "password": weak, "confirm": weak}
        refused = post_form(client, "/account/password", data)
        assert refused.status_code == 422
        assert says in _error_beside_password(refused)
    data = {"current": PASSWORD, "password": STRONG, "confirm": STRONG}
    assert post_form(client, "/account/password", data).status_code == 302
    assert sign_in(app.test_client(), "rex.mueller@example.com", STRONG).status_code == 302


def test_the_reset_page_refuses_a_weak_password(app, client):
    with app.app_context():
        make_staff(Role.RECRUITER, "rex@example.com", "Rex Recruiter")
        queued = signing_in.request_password_reset("rex@example.com")
        db.session.commit()
        found = re.search(r"https?://\S+", queued.body_text)
        assert found
        path = urlsplit(found.group(0)).path
    refused = post_form(client, path, {"password": "welcome1234", "confirm": "welcome1234"})
    assert refused.status_code == 422
    assert "too easy to guess" in _error_beside_password(refused)
    assert post_form(client, path, {"password": STRONG, "confirm": STRONG}).status_code == 302


def test_the_cli_refuses_a_weak_password(runner):
    common = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "first.hr@example.com"],
        input="password123\n",
    )
    assert common.exit_code != 0
    assert "Password not accepted: This password is too easy to guess." in common.output
    personal = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "helga.berg@example.com"],
        input="helgaberg2024\n",
    )
    assert personal.exit_code != 0 and "your name" in personal.output
    assert "Traceback" not in common.output + personal.output
    fine = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "helga.berg@example.com"],
        input=STRONG + "\n",
    )
    assert fine.exit_code == 0, fine.output
