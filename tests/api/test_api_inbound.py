"""Offers pushed by an applicant tracking system: POST /api/v1/inbound/offer-accepted, signed as
Standard Webhooks says with the shared INBOUND_OFFERS_SECRET. Signed here with the portal's own
outbound signer (webhooks.http.signed_headers) and with the reference library: both must pass;
a wrong secret, a stale or future timestamp, a changed body, a replay and an oversized body must
not. Every answer is checked against the OpenAPI document."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from portal.api import app as api_app
from portal.api.models import InboundOffer
from portal.core.config import ConfigError
from portal.core.extensions import db
from portal.engagement import forgetting
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, Role, User
from portal.webhooks import outbox
from portal.webhooks.http import signed_headers
from tests.api.test_api import ApiClient

SECRET = outbox.generate_secret()
PATH = "/inbound/offer-accepted"
SOON = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def app(make_app):
    return make_app(INBOUND_OFFERS_SECRET=SECRET)


@pytest.fixture
def api(app):
    return ApiClient(app)


def event(offer_id: str = "ats-offer-1001", **candidate: object) -> dict:
    return {
        "type": "offer.accepted",
        "timestamp": datetime.now(UTC).isoformat(),
        "data": {
            "offer_id": offer_id,
            "candidate": {
                "name": "Ada Accepted",
                "email": "ada@example.com",
                "job_title": "Platform Engineer",
                "joining_date": SOON,
                "joining_time": "09:00",
                "location": "Berlin",
                "department": "Engineering",
                "recruiter": "rec.b@example.com",
                **candidate,
            },
        },
    }


def signed(body: bytes, *, secret: str = SECRET, at: datetime | None = None, msg="msg_1"):
    headers = signed_headers(
        secret, msg, body.decode(), at=at or datetime.now(UTC), agent="ATS/1.0"
    )
    return {name: value for name, value in headers.items() if name != "User-Agent"}


def send(api, payload, **signing):
    body = json.dumps(payload).encode()
    return api.call(PATH, method="POST", data=body, headers=signed(body, **signing))


def _candidates(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.CANDIDATE)
        )


def test_a_signed_offer_adds_the_candidate_once(app, api, people):
    body = json.dumps(event()).encode()
    headers = signed(body)
    first = api.call(PATH, method="POST", data=body, headers=headers)
    assert first.status_code == 201
    answer = first.get_json()
    assert answer["offer_id"] == "ats-offer-1001" and answer["created"] is True
    with app.app_context():
        ada = db.session.get(User, answer["candidate_id"])
        assert ada.email == "ada@example.com" and ada.role == Role.CANDIDATE
        assert ada.time_zone == "UTC", "no time zone given: the recruiter's"
        assert ada.profile.recruiter_id == people["ids"]["recruiter_b"]
        (invitation,) = db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.to_user_id == ada.id)
        )
        assert invitation.kind == "invitation"
        actors = set(
            db.session.scalars(
                select(AuditEntry.actor_id).where(AuditEntry.target_user_id == ada.id)
            )
        )
        assert actors == {None}, "no person did it: the audit log says the portal"

    # The same request again (a replay within the 5 minutes), or the same offer sent anew
    # with another message id: its candidate, not a second one.
    replay = api.call(PATH, method="POST", data=body, headers=headers)
    assert replay.status_code == 200
    assert replay.get_json() == {**answer, "created": False}
    resent = send(api, event(name="Ada Changed"), msg="msg_2")
    assert resent.status_code == 200 and resent.get_json()["candidate_id"] == answer["candidate_id"]
    assert _candidates(app) == 3

    # Signed by the reference implementation, with a zone of its own.
    other = json.dumps(event("ats-offer-1002", email="bo@example.com", time_zone="Asia/Tokyo"))
    now = datetime.now(UTC)
    reference = {
        "webhook-id": "msg_3",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("msg_3", now, other),
        "Content-Type": "application/json",
    }
    assert api.call(PATH, method="POST", data=other, headers=reference).status_code == 201
    with app.app_context():
        bo = db.session.scalar(select(User).where(User.email == "bo@example.com"))
        assert bo.time_zone == "Asia/Tokyo" and bo.profile.joining_time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "tamper",
    ["other secret", "stale", "future", "changed body", "no signature", "bad timestamp", "huge"],
)
def test_a_request_not_signed_now_with_the_secret_is_401(app, api, tamper):
    body = json.dumps(event()).encode()
    now = datetime.now(UTC)
    headers = {
        "other secret": lambda: signed(body, secret=outbox.generate_secret()),
        "stale": lambda: signed(body, at=now - timedelta(minutes=6)),
        "future": lambda: signed(body, at=now + timedelta(minutes=6)),
        "changed body": lambda: signed(body.replace(b"Ada", b"Eve")),
        "no signature": lambda: {k: v for k, v in signed(body).items() if k != "webhook-signature"},
        "bad timestamp": lambda: {**signed(body), "webhook-timestamp": "soon"},
        "huge": lambda: {**signed(body), "webhook-timestamp": "9" * 40},
    }[tamper]()
    answer = api.call(PATH, method="POST", data=body, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("webhook-signature")
    assert _candidates(app) == 0


def test_an_offer_that_cannot_be_used_is_422_beside_each_field(app, api, people):
    answer = send(api, event(email="ada@", joining_date="soon", recruiter="cand.a@example.com"))
    assert answer.status_code == 422
    found = {e["pointer"]: e["detail"] for e in answer.get_json()["errors"]}
    assert found == {
        "#/data/candidate/email": "Enter an email address like name@example.com.",
        "#/data/candidate/joining_date": "Enter the joining date as YYYY-MM-DD.",
        "#/data/candidate/recruiter": "No active recruiter has this email address.",
    }
    wrong_type = send(api, {**event(), "type": "offer.declined"})
    assert {e["pointer"] for e in wrong_type.get_json()["errors"]} == {"#/type"}
    no_id = send(api, {"type": "offer.accepted", "data": {"offer_id": " ", "candidate": {}}})
    assert "#/data/offer_id" in {e["pointer"] for e in no_id.get_json()["errors"]}
    not_json = b"{offer"
    broken = api.call(PATH, method="POST", data=not_json, headers=signed(not_json))
    assert broken.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InboundOffer)) == 0
    assert _candidates(app) == 2
    # Refused offers are not taken: corrected, the same offer id goes in.
    assert send(api, event()).status_code == 201


def test_a_body_too_large_is_refused_before_it_is_read(make_app):
    app = make_app(INBOUND_OFFERS_SECRET=SECRET, INBOUND_OFFER_MAX_BYTES=2048)
    api = ApiClient(app)
    answer = send(api, event(location="x" * 3000))
    assert answer.status_code == 413 and "2,048 bytes" in answer.get_json()["detail"]
    assert _candidates(app) == 0


def test_off_without_a_secret_and_a_weak_secret_stops_the_start(make_app):
    api = ApiClient(make_app())
    answer = send(api, event())
    assert answer.status_code == 404 and "no offers" in answer.get_json()["detail"]
    for weak in ("whsec_c2hvcnQ=", "not-base64!", "whsec_"):
        starting = Flask("probe")  # what create_app hands the API: no database needed to refuse
        starting.config["INBOUND_OFFERS_SECRET"] = weak
        with pytest.raises(ConfigError, match="INBOUND_OFFERS_SECRET"):
            api_app.init_app(starting)
        assert "api.create_candidate" not in starting.view_functions


def test_an_offer_whose_candidate_was_removed_is_not_added_again(app, api, people):
    first = send(api, event())
    assert first.status_code == 201
    with app.app_context():
        forgetting.forget(
            [first.get_json()["candidate_id"]], datetime.now(UTC), forgetting.Forgotten()
        )
        db.session.commit()
        (kept,) = db.session.scalars(select(InboundOffer))
        assert kept.offer_id == "ats-offer-1001" and kept.candidate_id is None
    again = send(api, event(), msg="msg_again")
    assert again.status_code == 409 and "retention" in again.get_json()["detail"]
    assert _candidates(app) == 2
