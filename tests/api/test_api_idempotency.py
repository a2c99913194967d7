"""Retrying an API write with an Idempotency-Key: the same answer, written once; another body
with the key refused; two requests at once with the key against a real server on loopback,
one candidate; keys given back when a write fails, forgotten after a day by the worker.
Every answer is checked against the OpenAPI document."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from portal.api import idempotency
from portal.api import tokens as api_tokens
from portal.api.models import IdempotentRequest, TokenScope
from portal.core.extensions import db
from portal.mail.models import OutgoingEmail
from portal.people.models import CandidateProfile, Role, User
from portal.worker.loop import JOBS, Worker
from tests.api.test_api import ApiClient

FUTURE = (date.today() + timedelta(days=40)).isoformat()
OFFER = {
    "name": "Nora Newcomer",
    "email": "nora@example.com",
    "job_title": "Data Analyst",
    "joining_date": FUTURE,
    "joining_time": "09:30",
    "recruiter": "rec.a@example.com",
}


@pytest.fixture
def writers(app, people):
    made = {}
    with app.app_context():
        for persona in ("hr", "recruiter_a"):
            user = db.session.get(User, people["ids"][persona])
            _row, made[persona] = api_tokens.create(user, "ats", TokenScope.WRITE)
        db.session.commit()
    return made


@pytest.fixture
def api(app):
    return ApiClient(app)


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _nora(app) -> int:
    return _count(app, User, User.email == "nora@example.com")


def test_a_retry_with_the_same_key_gets_the_same_answer_and_writes_once(app, api, writers):
    key = {"Idempotency-Key": "7c0e6c9e-4c2b-4f57-9d5e-3f1f4f0b2a11"}
    first = api.call("/candidates", writers["hr"], method="POST", json=OFFER, headers=key)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = api.call("/candidates", writers["hr"], method="POST", json=OFFER, headers=key)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert again.headers["Location"] == first.headers["Location"]
    assert _nora(app) == 1
    with app.app_context():
        nora = db.session.scalar(select(User.id).where(User.email == "nora@example.com"))
    invitations = _count(app, OutgoingEmail, OutgoingEmail.to_user_id == nora)
    assert invitations == 1, "the retry queued a second invitation"

    # Without a key, the same request is a new one: refused, the address being taken now.
    assert api.call("/candidates", writers["hr"], method="POST", json=OFFER).status_code == 422
    # Keys belong to a token: another token's same key is another request.
    other = api.call(
        "/candidates",
        writers["recruiter_a"],
        method="POST",
        json={**OFFER, "email": "otto@example.com"},
        headers=key,
    )
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers


def test_the_same_key_with_another_request_is_refused(app, api, people, writers):
    key = {"Idempotency-Key": "joining-change-1"}
    alice = people["ids"]["candidate_a"]
    path = f"/candidates/{alice}/joining"
    first = api.call(path, writers["hr"], method="PATCH", json={"location": "Lyon"}, headers=key)
    assert first.status_code == 200 and first.get_json()["calendar_sequence"] == 1
    replay = api.call(path, writers["hr"], method="PATCH", json={"location": "Lyon"}, headers=key)
    assert replay.get_json() == first.get_json() and replay.headers["Idempotent-Replayed"] == "true"
    for other_path, body in ((path, {"location": "Nice"}), ("/candidates", OFFER)):
        method = "PATCH" if other_path == path else "POST"
        refused = api.call(other_path, writers["hr"], method=method, json=body, headers=key)
        assert refused.status_code == 422
        assert "was used for another request" in refused.get_json()["detail"]
    with app.app_context():
        profile = db.session.get(CandidateProfile, alice)
        assert (profile.location, profile.calendar_sequence) == ("Lyon", 1)
    assert _nora(app) == 0


def test_a_write_that_fails_gives_its_key_back(app, api, writers):
    key = {"Idempotency-Key": "offer-42"}
    wrong = api.call(
        "/candidates", writers["hr"], method="POST", json={**OFFER, "email": "x"}, headers=key
    )
    assert wrong.status_code == 422 and _nora(app) == 0
    assert _count(app, IdempotentRequest) == 0
    fixed = api.call("/candidates", writers["hr"], method="POST", json=OFFER, headers=key)
    assert fixed.status_code == 201 and _nora(app) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_a_key_that_cannot_be_a_key_is_400(app, api, writers, key):
    answer = api.call(
        "/candidates",
        writers["hr"],
        method="POST",
        json=OFFER,
        headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert answer.status_code == 400 and "Idempotency-Key" in answer.get_json()["detail"]
    assert _nora(app) == 0


def test_keys_are_forgotten_after_a_day_and_abandoned_claims_taken_over(make_app, people):
    app = make_app()
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        token_row, token = api_tokens.create(hr, "ats", TokenScope.WRITE)
        db.session.commit()
        token_id = token_row.id
    api = ApiClient(app)
    key = {"Idempotency-Key": "k-1"}
    assert api.call("/candidates", token, method="POST", json=OFFER, headers=key).status_code == 201

    # Claims without an answer: one from 10 seconds ago (its request still runs) and one from
    # three minutes ago (its request died with its worker): the first is respected, the
    # second taken over.
    body = json.dumps({**OFFER, "email": "late@example.com"}).encode()
    same_print = idempotency.fingerprint("POST", "/api/v1/candidates", "application/json", body)
    with app.app_context():
        for key_name, age in (("running", timedelta(seconds=10)), ("died", timedelta(minutes=3))):
            at = datetime.now(UTC) - age
            db.session.add(
                IdempotentRequest(
                    token_id=token_id,
                    key=key_name,
                    fingerprint=same_print,
                    created_at=at,
                    claimed_at=at,
                )
            )
        db.session.commit()
    sent = {"Content-Type": "application/json"}
    running = api.call(
        "/candidates",
        token,
        method="POST",
        data=body,
        headers={**sent, "Idempotency-Key": "running"},
    )
    assert running.status_code == 409 and "still running" in running.get_json()["detail"]
    died = api.call(
        "/candidates", token, method="POST", data=body, headers={**sent, "Idempotency-Key": "died"}
    )
    assert died.status_code == 201 and "Idempotent-Replayed" not in died.headers
    assert _count(app, User, User.email == "late@example.com") == 1

    later = make_app(PORTAL_CLOCK=datetime.now(UTC) + timedelta(hours=25))
    (outcome,) = Worker(later, tuple(job for job in JOBS if job.name == "api_keys")).run_pass()
    assert outcome.error is None and "3 expired Idempotency-Key(s) forgotten" in (
        outcome.summary or ""
    )
    assert _count(app, IdempotentRequest) == 0
    # Forgotten: the key names a new request again (refused here only because Nora exists).
    reused = ApiClient(later).call("/candidates", token, method="POST", json=OFFER, headers=key)
    assert reused.status_code == 422 and "Idempotent-Replayed" not in reused.headers


# --- Two requests at once, over real HTTP -------------------------------------------------------


@pytest.fixture
def served(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _post(url: str, token: str, body: dict, key: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(  # noqa: S310 - http on loopback
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_two_requests_at_once_with_one_key_create_one_candidate(app, people, writers, served):
    """The first request is held inside its write (after its claim is committed) while the
    second arrives: PostgreSQL answers the second 409 at once; SQLite, whose writers take turns,
    lets it in after the first and it gets the first's answer. Never two candidates."""
    entered = threading.Event()
    release = threading.Event()

    def hold_the_first_write(session, _context, _instances):
        adding = any(isinstance(o, User) and o.email == "nora@example.com" for o in session.new)
        if adding and not entered.is_set():
            entered.set()
            release.wait(10)

    event.listen(Session, "before_flush", hold_the_first_write)
    try:
        results: dict[str, tuple[int, dict, dict]] = {}
        first = threading.Thread(
            target=lambda: results.update(
                first=_post(f"{served}/candidates", writers["hr"], OFFER, "same-key")
            )
        )
        first.start()
        assert entered.wait(10), "the first request never reached its write"
        second = threading.Thread(
            target=lambda: results.update(
                second=_post(f"{served}/candidates", writers["hr"], OFFER, "same-key")
            )
        )
        second.start()
        time.sleep(0.5)  # the second request is in by now (answered, or waiting for the lock)
        release.set()
        first.join(30)
        second.join(30)
    finally:
        release.set()
        event.remove(Session, "before_flush", hold_the_first_write)

    status, _headers, body = results["first"]
    assert status == 201
    again, headers, second_body = results["second"]
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        assert again == 409 and "still running" in second_body["detail"]
    else:
        assert again == 201 and headers["Idempotent-Replayed"] == "true"
        assert second_body == body
    assert _count(app, User, User.role == Role.CANDIDATE, User.email == "nora@example.com") == 1
    retry = _post(f"{served}/candidates", writers["hr"], OFFER, "same-key")
    assert retry[0] == 201 and retry[1]["Idempotent-Replayed"] == "true" and retry[2] == body
