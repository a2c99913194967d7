"""Staff single sign-on when something goes wrong: a provider that is down, cancels, misbehaves
or is impersonated, and a callback that was tampered with or replayed. Each answer is the
sign-in page with what happened (never a 500), nobody is signed in, and nothing is written but
the refusal's audit entry.
"""

from __future__ import annotations

import html
import socket

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AuthSession, StaffIdentity
from portal.core.extensions import db
from portal.people.models import AuditEntry, Role, User
from tests import support
from tests.oidc_provider import (
    PROVIDER_NAME,
    Person,
    approve_at_provider,
    back_at_portal,
    running_provider,
    sso_sign_in,
    start_at_portal,
)

NOT_VERIFIED = f"The answer from {PROVIDER_NAME} could not be verified"
UNREACHABLE = f"{PROVIDER_NAME} cannot be reached just now"
START_AGAIN = "This sign-in has expired or was already used."


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def sso_app(make_app, provider):
    provider.reset()
    app = make_app(**provider.portal_config())
    with app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")
    provider.add(Person("helen", "sub-helen", "helen@example.com", groups=["portal-hr"]))
    return app


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _assert_nobody_signed_in(app, client) -> None:
    assert client.get("/hr/").status_code == 302
    with app.app_context():
        for model in (AuthSession, StaffIdentity):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
        assert db.session.get(User, 1) is None or db.session.scalar(
            select(func.sum(User.sign_in_count))
        ) in (0, None)


def _assert_sign_in_page(answer, status: int, message: str) -> str:
    assert answer.status_code == status, _page(answer)
    page = _page(answer)
    assert message in page
    assert 'role="alert"' in page  # the message is announced
    # The password form is still there, and posts to the sign-in page, not to the callback.
    assert 'action="/sign-in"' in page and 'name="password"' in page
    return page


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    "misbehaviour",
    [
        pytest.param({"nonce": "a-nonce-this-browser-never-sent"}, id="wrong nonce"),
        pytest.param({"sign_with_impostor_key": True}, id="signed with another key"),
        pytest.param({"expired": True}, id="expired token"),
        pytest.param({"audience": "another-client"}, id="another audience"),
        pytest.param({"issuer_claim": "https://impostor.example"}, id="another issuer"),
    ],
)
def test_an_id_token_that_fails_verification_signs_nobody_in(sso_app, provider, misbehaviour):
    for name, value in misbehaviour.items():
        setattr(provider, name, value)
    client = sso_app.test_client()

    answer = sso_sign_in(client, "helen")

    _assert_sign_in_page(answer, 502, NOT_VERIFIED)
    assert len(provider.token_requests) == 1  # it did get a token, and refused it
    _assert_nobody_signed_in(sso_app, client)


def test_a_tampered_state_is_refused(sso_app):
    client = sso_app.test_client()
    callback = approve_at_provider(start_at_portal(client), "helen")
    tampered = callback.replace("state=", "state=x", 1)

    answer = back_at_portal(client, tampered)

    _assert_sign_in_page(answer, 400, START_AGAIN)
    _assert_nobody_signed_in(sso_app, client)


def test_a_callback_from_another_browser_is_refused(sso_app):
    """Login CSRF: someone else's callback (their code and state) in this browser."""
    attacker = sso_app.test_client()
    callback = approve_at_provider(start_at_portal(attacker), "helen")
    victim = sso_app.test_client()
    _assert_sign_in_page(back_at_portal(victim, callback), 400, START_AGAIN)
    _assert_nobody_signed_in(sso_app, victim)


def test_a_replayed_callback_is_refused(sso_app):
    client = sso_app.test_client()
    callback = approve_at_provider(start_at_portal(client), "helen")
    assert back_at_portal(client, callback).headers["Location"] == "/hr/"
    client.post("/sign-out", data={"csrf_token": support.csrf_token(_page(client.get("/hr/")))})

    answer = back_at_portal(client, callback)

    _assert_sign_in_page(answer, 400, START_AGAIN)
    with sso_app.app_context():
        assert db.session.scalar(select(func.sum(User.sign_in_count))) == 1


def test_cancelling_at_the_provider_says_so(sso_app, provider):
    client = sso_app.test_client()
    authorize = start_at_portal(client)
    callback = approve_at_provider(authorize, "helen", choice="cancel")
    assert "error=access_denied" in callback

    answer = back_at_portal(client, callback)

    _assert_sign_in_page(answer, 403, f"Signing in with {PROVIDER_NAME} was cancelled.")
    assert provider.token_requests == []
    # Its state is used up: the same state cannot be made to work afterwards.
    without_error = callback.replace("&error=access_denied", "").replace("error=access_denied&", "")
    assert "error" not in without_error
    _assert_sign_in_page(back_at_portal(client, without_error), 400, START_AGAIN)


def test_another_error_from_the_provider_names_its_code_only(sso_app):
    client = sso_app.test_client()
    answer = client.get("/sign-in/sso/callback?error=temporarily_unavailable&state=s")
    _assert_sign_in_page(answer, 502, "(temporarily_unavailable)")
    odd = client.get("/sign-in/sso/callback?error=%3Cscript%3E&state=s")
    _assert_sign_in_page(odd, 502, "could not sign you in (an error)")
    assert "&lt;script" not in odd.get_data(as_text=True)


def test_a_provider_that_is_down_at_discovery(make_app, provider):
    provider.reset()
    port = _closed_port()
    app = make_app(**provider.portal_config(OIDC_ISSUER=f"http://127.0.0.1:{port}"))
    client = app.test_client()

    answer = client.get("/sign-in/sso")

    _assert_sign_in_page(answer, 502, UNREACHABLE)
    # A callback in that state is no better: still the page, never a 500.
    _assert_sign_in_page(client.get("/sign-in/sso/callback?code=c&state=s"), 502, UNREACHABLE)


def test_a_provider_that_goes_down_before_the_token_exchange(make_app):
    with running_provider() as provider:
        app = make_app(**provider.portal_config())
        with app.app_context():
            support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        provider.add(Person("helen", "sub-helen", "helen@example.com", groups=["portal-hr"]))
        client = app.test_client()
        callback = approve_at_provider(start_at_portal(client), "helen")
    # The provider has stopped: the portal cannot exchange the code.

    answer = back_at_portal(client, callback)

    _assert_sign_in_page(answer, 502, UNREACHABLE)
    _assert_nobody_signed_in(app, client)


def test_a_discovery_document_naming_another_issuer_is_not_trusted(sso_app, provider):
    provider.discovery_issuer = "https://impostor.example"
    client = sso_app.test_client()
    answer = client.get("/sign-in/sso")
    _assert_sign_in_page(answer, 502, f"{PROVIDER_NAME} is not set up as the portal expects")
    # Mended at the provider: the next attempt reads discovery again and works.
    provider.discovery_issuer = None
    assert sso_sign_in(client, "helen").headers["Location"] == "/hr/"


@pytest.mark.parametrize("body", [b"[1, 2]", b"<html>Captive portal</html>", b"null"])
def test_a_discovery_document_that_is_not_one(sso_app, provider, body):
    provider.discovery_body = body
    answer = sso_app.test_client().get("/sign-in/sso")
    _assert_sign_in_page(answer, 502, NOT_VERIFIED)
    provider.discovery_body = None
    assert sso_sign_in(sso_app.test_client(), "helen").headers["Location"] == "/hr/"


def test_only_the_latest_sign_in_of_a_browser_is_kept(sso_app):
    client = sso_app.test_client()
    first = approve_at_provider(start_at_portal(client), "helen")
    for _ in range(30):  # an impatient double-clicker: the session cookie stays small
        latest = start_at_portal(client)
    assert len(client.get_cookie("portal_session").value) < 1500
    _assert_sign_in_page(back_at_portal(client, first), 400, START_AGAIN)
    assert back_at_portal(client, approve_at_provider(latest, "helen")).status_code == 302


def test_a_wrong_client_secret_is_refused_by_the_provider(make_app, provider):
    provider.reset()
    app = make_app(**provider.portal_config(OIDC_CLIENT_SECRET="not-the-secret"))
    provider.add(Person("helen", "sub-helen", "helen@example.com", groups=["portal-hr"]))
    client = app.test_client()
    answer = sso_sign_in(client, "helen")
    _assert_sign_in_page(
        answer, 502, f"{PROVIDER_NAME} did not accept this sign-in (invalid_client)"
    )


def test_failed_callbacks_are_throttled_per_address(make_app, provider):
    provider.reset()
    app = make_app(**provider.portal_config(SIGN_IN_LIMITS_PER_ADDRESS="2 per minute"))
    client = app.test_client()
    for _ in range(2):
        _assert_sign_in_page(client.get("/sign-in/sso/callback?code=c&state=s"), 400, START_AGAIN)

    answer = client.get("/sign-in/sso/callback?code=c&state=s")

    _assert_sign_in_page(answer, 429, "Too many attempts.")
    assert int(answer.headers["Retry-After"]) > 0


def test_refusals_are_in_the_audit_log_and_nothing_else(sso_app, provider):
    provider.people["helen"].groups = ["sales"]
    sso_sign_in(sso_app.test_client(), "helen")
    with sso_app.app_context():
        entries = db.session.scalars(select(AuditEntry.action)).all()
        assert "sign_in_failed" in entries
        assert "signed_in" not in entries and "sso_linked" not in entries
