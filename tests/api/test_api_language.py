"""The API's offers carry the candidate's language (`language`, optional): checked as HR's form
and CSV check it, a value the portal does not speak is a 422 naming it, and the invitation goes
out in it. Every answer is checked against the OpenAPI document, which documents the field."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.api import tokens as api_tokens
from portal.api.models import TokenScope
from portal.core.extensions import db
from portal.core.i18n import gettext, in_language
from portal.mail.models import OutgoingEmail
from portal.people.models import Role, User
from portal.webhooks import outbox
from portal.webhooks.http import signed_headers
from tests.api.test_api import ApiClient

SOON = (date.today() + timedelta(days=40)).isoformat()
SECRET = outbox.generate_secret()
SUBJECT = "Welcome! Set up your pre-boarding account"
UNKNOWN = "Use one of the portal's languages: en (English), de (Deutsch)."


@pytest.fixture
def app(make_app):
    return make_app(API_EVENTS_SETTLE_SECONDS=0, INBOUND_OFFERS_SECRET=SECRET)


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def token(app, people):
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        _row, made = api_tokens.create(hr, "ATS", TokenScope.WRITE)
        db.session.commit()
    return made


def offer(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Greta Gruber",
        "email": "greta@example.com",
        "job_title": "Data Analyst",
        "joining_date": SOON,
        "joining_time": "09:30",
        "location": "Berlin",
        "department": "Data",
        "recruiter": "rec.a@example.com",
        "time_zone": "Europe/Berlin",
    }
    values.update(changes)
    return values


def _german_subject(app) -> str:
    with app.test_request_context(), in_language("de"):
        translated = gettext(SUBJECT)
    assert translated != SUBJECT
    return translated


def _language_and_subject(app, email: str) -> tuple[str, str]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        (invitation,) = db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.to_user_id == user.id)
        )
        return user.language, invitation.subject


def _candidates(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.CANDIDATE)
        )


def _errors(answer) -> dict[str, str]:
    problem = answer.get_json()
    assert answer.status_code == 422, problem
    return {error.get("pointer", ""): error["detail"] for error in problem["errors"]}


def test_the_offer_documents_the_language_field(api):
    document = api.client.get("/api/v1/openapi.json").get_json()
    field = document["components"]["schemas"]["Offer"]["properties"]["language"]
    assert field["type"] == "string" and "de" in field["examples"]
    assert "language" not in document["components"]["schemas"]["Offer"]["required"]


def test_a_candidate_added_in_german_is_invited_in_german(app, api, token):
    answer = api.call("/candidates", token, method="POST", json=offer(language="de"))
    assert answer.status_code == 201
    assert _language_and_subject(app, "greta@example.com") == ("de", _german_subject(app))


def test_without_a_language_the_portals_default(app, api, token):
    assert api.call("/candidates", token, method="POST", json=offer()).status_code == 201
    assert _language_and_subject(app, "greta@example.com") == ("en", SUBJECT)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("fr", UNKNOWN),
        ("Deutsch", UNKNOWN),
        ("", None),  # empty: the default, as in the CSV
        (7, "Send this as text (a JSON string)."),
    ],
)
def test_a_language_the_portal_does_not_speak_is_named_and_nothing_is_created(
    app, api, token, value, said
):
    answer = api.call("/candidates", token, method="POST", json=offer(language=value))
    if said is None:
        assert answer.status_code == 201
        return
    assert _errors(answer) == {"#/language": said}
    assert _candidates(app) == 2, "only the cast's two candidates"


def test_an_import_names_the_offer_whose_language_is_wrong(app, api, token):
    answer = api.call(
        "/candidates/import",
        token,
        method="POST",
        json=[offer(language="de"), offer(email="zed@example.com", language="zz")],
    )
    problem = answer.get_json()
    assert answer.status_code == 422
    assert [(e["pointer"], e["row"], e["detail"]) for e in problem["errors"]] == [
        ("#/1/language", 2, UNKNOWN)
    ]
    assert _candidates(app) == 2


def _inbound(api, language: str):
    payload = {
        "type": "offer.accepted",
        "data": {"offer_id": f"ats-{language}", "candidate": offer(language=language)},
    }
    body = json.dumps(payload).encode()
    headers = signed_headers(SECRET, "msg_1", body.decode(), at=datetime.now(UTC), agent="ATS")
    headers.pop("User-Agent", None)
    return api.call("/inbound/offer-accepted", method="POST", data=body, headers=headers)


def test_an_offer_pushed_by_an_ats_carries_the_language_too(app, api, people):
    wrong = _inbound(api, "xx")
    assert _errors(wrong) == {"#/data/candidate/language": UNKNOWN}
    assert _inbound(api, "de").status_code == 201
    assert _language_and_subject(app, "greta@example.com") == ("de", _german_subject(app))
