"""Rate limits shared through Redis (issue 13, class 4): two app instances stand for two gunicorn
workers or two hosts; a count taken on one holds on the other. With the store down the portal
lets people through (and logs it) rather than answering 500 or locking everyone out."""

from __future__ import annotations

import os
import uuid

import pytest

from portal.core.extensions import db
from portal.people.models import Role
from tests.support import free_port, make_candidate, make_staff, post_form, sign_in

REDIS_URL = "redis://127.0.0.1:6379/5"  # a database of its own, emptied here


@pytest.fixture
def redis_store():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def _ask(client, body: str):
    return post_form(client, "/candidate/questions", {"body": body, "client_key": uuid.uuid4().hex})


def test_two_workers_share_sign_in_and_question_counts(make_app, redis_store):
    limits = {
        "RATELIMIT_STORAGE_URI": redis_store,
        "SIGN_IN_LIMITS_PER_ACCOUNT": "3 per minute",
        "QUESTION_LIMITS": "4 per minute",
    }
    first, second = make_app(**limits), make_app(**limits)
    with first.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        make_candidate("ana@example.com", rita, name="Ana Silva")
        db.session.commit()

    # Wrong passwords: two on one worker, one on the other, and the account is throttled on both.
    for app in (first, first, second):
        wrong = sign_in(app.test_client(), "rita@example.com", "not the password 1")
        assert wrong.status_code == 200 and "do not match" in wrong.get_data(as_text=True)
    for app in (first, second):
        refused = sign_in(app.test_client(), "rita@example.com")
        assert refused.status_code == 429, refused.status_code

    # Questions: two through each worker, then the fifth is refused by whichever gets it.
    ana_first, ana_second = app_clients = [first.test_client(), second.test_client()]
    for client in app_clients:
        assert sign_in(client, "ana@example.com").status_code == 302
    codes = [_ask(c, f"Q{n}").status_code for n, c in enumerate([ana_first, ana_second] * 2)]
    assert codes == [302] * 4
    assert _ask(ana_second, "one too many").status_code == 429
    assert _ask(ana_first, "one too many").status_code == 429


def test_with_the_store_down_people_get_through_and_it_is_logged(make_app, caplog):
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = make_app(RATELIMIT_STORAGE_URI=down, QUESTION_LIMITS="1 per minute")
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        make_candidate("ana@example.com", rita, name="Ana Silva")
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, "ana@example.com").status_code == 302
    assert [_ask(client, f"Q{n}").status_code for n in range(3)] == [302, 302, 302]
    forgot = post_form(app.test_client(), "/password/forgot", {"email": "ana@example.com"})
    assert forgot.status_code == 302
    assert "Rate-limit store unavailable" in caplog.text
