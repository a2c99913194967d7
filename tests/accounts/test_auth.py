"""Signing in and out, sessions that really end, throttling, password resets."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.accounts.models import AuthSession
from portal.core.extensions import db
from portal.people.models import Role, User
from tests.support import PASSWORD, link_in, make_staff, post_form, sign_in

COOKIE = "portal_session"


def _session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def _replay(app, cookie_value: str, path: str):
    """A different browser presenting a copy of an old cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie_value)
    return thief.get(path)


def test_each_role_lands_on_its_own_home(client, people):
    homes = {
        "hr": "/hr/",
        "recruiter_a": "/recruiter/",
        "candidate_a": "/candidate/",
    }
    for who, home in homes.items():
        browser = client.application.test_client()
        response = sign_in(browser, people["emails"][who])
        assert response.status_code == 302
        assert response.headers["Location"] == home
        assert browser.get(home).status_code == 200


def test_sign_in_starts_a_new_session(client, people):
    client.get("/sign-in")
    before = _session_cookie(client)
    sign_in(client, people["emails"]["candidate_a"])
    after = _session_cookie(client)
    assert before != after


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, people):
    sign_in(client, people["emails"]["candidate_a"])
    stolen = _session_cookie(client)
    assert _replay(app, stolen, "/candidate/").status_code == 200
    signed_out = post_form(client, "/sign-out", {}, form_url="/candidate/")
    assert signed_out.status_code == 302
    replay = _replay(app, stolen, "/candidate/")
    assert replay.status_code == 302
    assert urlsplit(replay.headers["Location"]).path == "/sign-in"


def test_sign_out_is_a_post(client, people):
    sign_in(client, people["emails"]["candidate_a"])
    assert client.get("/sign-out").status_code == 405
    assert client.get("/candidate/").status_code == 200


def test_password_change_signs_out_other_copies_and_keeps_this_browser(app, client, people):
    email = people["emails"]["recruiter_a"]
    sign_in(client, email)
    other_device = app.test_client()
    sign_in(other_device, email)
    stolen = _session_cookie(client)
    new = "another long passphrase"
    response = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert client.get("/recruiter/").status_code == 200, "this browser stays signed in"
    assert other_device.get("/recruiter/").status_code == 302
    assert _replay(app, stolen, "/recruiter/").status_code == 302
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 200  # old one refused
    assert sign_in(app.test_client(), email, new).status_code == 302


def test_wrong_current_password_is_reported_beside_the_field(client, people):
    sign_in(client, people["emails"]["hr"])
    new = "another long passphrase"
    response = post_form(
        client, "/account/password", {"current": "wrong!", "password": new, "confirm": new}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="current-error"[^>]*>.*not your current password', page, re.S)


def test_deactivation_ends_sessions_and_blocks_sign_in(app, client, people):
    candidate = app.test_client()
    sign_in(candidate, people["emails"]["candidate_a"])
    assert candidate.get("/candidate/").status_code == 200
    sign_in(client, people["emails"]["hr"])
    user_id = people["ids"]["candidate_a"]
    response = post_form(
        client,
        f"/hr/people/{user_id}/deactivate",
        {"confirmed": "1"},
        form_url=f"/hr/people/{user_id}",
    )
    assert response.status_code == 302
    assert candidate.get("/candidate/").status_code == 302
    refused = sign_in(app.test_client(), people["emails"]["candidate_a"])
    assert refused.status_code == 200
    assert "account has been closed" in refused.get_data(as_text=True)


def test_remember_me_lasts_30_days_and_no_more(app, client, people):
    sign_in(client, people["emails"]["candidate_a"], remember="y")
    cookie = client.get_cookie(COOKIE)
    assert cookie.expires is not None
    lifetime = cookie.expires - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30)
    with app.app_context():
        session = db.session.scalars(select(AuthSession)).one()
        assert session.remember
        assert session.expires_at - session.created_at == timedelta(days=30)

    other = app.test_client()
    sign_in(other, people["emails"]["candidate_a"])
    assert other.get_cookie(COOKIE).expires is None, "without remember-me: a browser session"


def test_an_expired_server_session_is_signed_out(app, client, people):
    sign_in(client, people["emails"]["candidate_a"])
    with app.app_context():
        for session in db.session.scalars(select(AuthSession)):
            session.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/candidate/").status_code == 302


def test_next_parameter_never_leaves_the_site(client, people):
    assert client.get("/candidate/").headers["Location"].startswith("/sign-in?next=")
    page = client.get("/sign-in?next=//evil.example/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    response = client.post(
        "/sign-in?next=//evil.example/",
        data={
            "csrf_token": token.group(1),
            "email": people["emails"]["candidate_a"],
            "password": PASSWORD,
        },
    )
    assert response.headers["Location"] == "/candidate/"


def _without_token(html: str) -> str:
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_unknown_email_gets_exactly_the_answer_a_known_one_gets(app, people):
    known = sign_in(app.test_client(), people["emails"]["candidate_a"], "wrong password")
    unknown = sign_in(app.test_client(), "nobody@example.com", "wrong password")
    assert known.status_code == unknown.status_code == 200
    known_page = _without_token(known.get_data(as_text=True)).replace(
        people["emails"]["candidate_a"], "EMAIL"
    )
    unknown_page = _without_token(unknown.get_data(as_text=True)).replace(
        "nobody@example.com", "EMAIL"
    )
    assert known_page == unknown_page
    assert "do not match an account" in known_page


def test_sign_in_errors_sit_beside_their_fields(client):
    response = sign_in(client, "not-an-email", "")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and 'aria-describedby="email-error"' in page
    assert 'id="password-error"' in page


def test_repeated_failures_per_account_get_429_with_retry_after(make_app, people):
    app = make_app(SIGN_IN_LIMITS_PER_ACCOUNT="3 per minute;10 per hour")
    email = people["emails"]["candidate_a"]
    for _ in range(3):
        assert sign_in(app.test_client(), email, "wrong").status_code == 200
    refused = sign_in(app.test_client(), email, PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many attempts" in refused.get_data(as_text=True)
    # Unknown accounts are throttled alike: no way to tell them apart.
    for _ in range(3):
        sign_in(app.test_client(), "ghost@example.com", "wrong")
    assert sign_in(app.test_client(), "ghost@example.com", "wrong").status_code == 429
    # Another account from elsewhere is unaffected.
    assert sign_in(app.test_client(), people["emails"]["hr"]).status_code == 302


def test_repeated_failures_per_address_get_429(make_app, people):
    app = make_app(SIGN_IN_LIMITS_PER_ADDRESS="4 per minute")
    for n in range(4):
        sign_in(app.test_client(), f"user{n}@example.com", "wrong")
    refused = sign_in(app.test_client(), people["emails"]["hr"])
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    elsewhere = app.test_client()
    page = elsewhere.get("/sign-in", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    response = elsewhere.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "email": people["emails"]["hr"], "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def test_failures_are_counted_across_workers_through_redis(make_app, people):
    """Two app instances (two gunicorn workers) share one Redis store of failures."""
    import os

    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379")
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    limits = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "SIGN_IN_LIMITS_PER_ACCOUNT": "4 per minute",
    }
    worker_1, worker_2 = make_app(**limits), make_app(**limits)
    email = f"shared-{uuid.uuid4().hex}@example.com"
    for _ in range(2):
        sign_in(worker_1.test_client(), email, "wrong")
        sign_in(worker_2.test_client(), email, "wrong")
    assert sign_in(worker_1.test_client(), email, "wrong").status_code == 429
    assert sign_in(worker_2.test_client(), email, "wrong").status_code == 429


def test_password_reset_by_email(make_app, smtp_server, people):
    app = make_app(SMTP_URL=smtp_server.url)
    email = people["emails"]["recruiter_b"]
    old_browser = app.test_client()
    sign_in(old_browser, email)

    anon = app.test_client()
    answer_known = post_form(anon, "/password/forgot", {"email": email}, follow_redirects=True)
    answer_unknown = post_form(
        app.test_client(),
        "/password/forgot",
        {"email": "nobody@example.com"},
        follow_redirects=True,
    )
    assert "If that address has an account" in answer_known.get_data(as_text=True)
    assert _without_token(answer_known.get_data(as_text=True)) == _without_token(
        answer_unknown.get_data(as_text=True)
    )
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == email
    path = urlsplit(link_in(message)).path
    assert path.startswith("/password/reset/")
    assert anon.get(path).status_code == 200
    assert anon.head(path).status_code == 200
    new = "reset to something long"
    done = post_form(anon, path, {"password": new, "confirm": new})
    assert done.status_code == 302
    assert anon.get("/recruiter/").status_code == 200
    assert old_browser.get("/recruiter/").status_code == 302, "old sessions end on reset"
    assert anon.get(path).status_code == 410, "single use"
    assert sign_in(app.test_client(), email, new).status_code == 302


def test_invited_user_without_password_cannot_sign_in(app_ctx, client):
    hr = make_staff(Role.HR, "hr@example.com")
    user = accounts.create_user(
        actor=hr, email="new@example.com", name="New", role=Role.RECRUITER, time_zone="UTC"
    )
    db.session.commit()
    assert db.session.get(User, user.id).password_hash is None
    assert sign_in(client, "new@example.com", "").status_code == 422
    assert sign_in(client, "new@example.com", "anything at all").status_code == 200


def test_behind_a_proxy_the_forwarded_address_is_throttled(make_app, people):
    app = make_app(PROXY_COUNT=1, SIGN_IN_LIMITS_PER_ADDRESS="2 per minute")
    for n in range(2):
        sign_in(
            app.test_client(),
            f"user{n}@example.com",
            "wrong",
            headers={"X-Forwarded-For": "198.51.100.1"},
        )
    blocked = sign_in(
        app.test_client(), people["emails"]["hr"], headers={"X-Forwarded-For": "198.51.100.1"}
    )
    assert blocked.status_code == 429
    other = sign_in(
        app.test_client(), people["emails"]["hr"], headers={"X-Forwarded-For": "198.51.100.2"}
    )
    assert other.status_code == 302


def test_signing_in_again_ends_the_previous_session_of_this_browser(app, client, people):
    sign_in(client, people["emails"]["candidate_a"])
    first = _session_cookie(client)
    post_form(
        client,
        "/sign-in",
        {"email": people["emails"]["hr"], "password": PASSWORD},
        form_url="/candidate/",
    )
    assert client.get("/hr/").status_code == 200
    assert _replay(app, first, "/candidate/").status_code == 302
