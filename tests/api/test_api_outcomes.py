"""Recording an offer's outcome through the API: the Outcome page's rules (joined and no-show
from the joining day on, reneged any time), the token's scope and person, problem details
beside each field, and a safe retry; every answer checked against /api/v1/openapi.json."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.outcomes.models import CandidateOutcome
from portal.people.models import AuditEntry
from tests.api.test_api import ApiClient
from tests.api.test_api_writes import _errors, writers  # noqa: F401 (a fixture)


@pytest.fixture
def app(make_app):
    return make_app(API_EVENTS_SETTLE_SECONDS=0)


@pytest.fixture
def api(app):
    return ApiClient(app)


def test_a_reneged_offer_is_recorded_with_its_reason(app, api, people, writers):  # noqa: F811
    alice = people["ids"]["candidate_a"]
    path = f"/candidates/{alice}/outcome"
    body = {"outcome": "reneged", "reason": "Took a counter-offer"}
    answer = api.call(path, writers["recruiter_a"], method="PUT", json=body)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() | {"recorded_at": None} == {
        "candidate_id": alice,
        "outcome": "reneged",
        "automatic": False,
        "recorded_at": None,
        "changed": True,
    }
    with app.app_context():
        row = db.session.scalars(
            select(CandidateOutcome).where(CandidateOutcome.candidate_id == alice)
        ).one()
        assert (row.outcome, row.recorded_by_id) == ("reneged", people["ids"]["recruiter_a"])
        reasons = db.session.scalars(
            select(AuditEntry.new_value).where(
                AuditEntry.target_user_id == alice, AuditEntry.action.like("outcome.%")
            )
        ).all()
        assert "Took a counter-offer" in reasons
    again = api.call(path, writers["hr"], method="PUT", json={"outcome": "reneged"})
    assert again.status_code == 200 and again.get_json()["changed"] is False


def test_what_the_outcome_page_refuses_is_said_beside_its_field(app, api, people, writers):  # noqa: F811
    path = f"/candidates/{people['ids']['candidate_a']}/outcome"
    for body, pointer, said in (
        ({"outcome": "joined"}, "#/outcome", "can be recorded from that day"),
        ({"outcome": "no_show"}, "#/outcome", "can be recorded from that day"),
        ({"outcome": "hired"}, "#/outcome", "Give one of joined, reneged, no_show."),
        ({}, "#/outcome", "Give one of joined, reneged, no_show."),
        ({"outcome": "reneged", "reason": 7}, "#/reason", "Give the reason as text"),
        ({"outcome": "reneged", "reason": None}, "#/reason", "Give the reason as text"),
        ({"outcome": "reneged", "reason": "x" * 201}, "#/reason", "200"),
        ({"outcome": "reneged", "why": "?"}, "#/why", "not one of outcome, reason"),
    ):
        answer = api.call(path, writers["hr"], method="PUT", json=body)
        errors = _errors(answer)
        assert pointer in errors and said in errors[pointer], (body, errors)
    with app.app_context():
        assert db.session.scalars(select(CandidateOutcome)).first() is None


def test_only_a_write_token_of_someone_in_charge_records(app, api, people, writers):  # noqa: F811
    alice = people["ids"]["candidate_a"]
    path = f"/candidates/{alice}/outcome"
    body = {"outcome": "reneged"}
    assert api.call(path, writers["hr_read"], method="PUT", json=body).status_code == 403
    assert api.call(path, writers["recruiter_b"], method="PUT", json=body).status_code == 404
    assert (
        api.call("/candidates/999999/outcome", writers["hr"], method="PUT", json=body).status_code
        == 404
    )


def test_a_retry_with_the_same_key_records_once(app, api, people, writers):  # noqa: F811
    path = f"/candidates/{people['ids']['candidate_a']}/outcome"
    body = {"outcome": "reneged", "reason": "Moved abroad"}
    key = {"Idempotency-Key": "outcome-1"}
    first = api.call(path, writers["hr"], method="PUT", json=body, headers=key)
    second = api.call(path, writers["hr"], method="PUT", json=body, headers=key)
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
