"""The API's writes: adding a candidate, changing joining details and recruiters, with scoped
tokens and the web's own rules; every answer is checked against /api/v1/openapi.json (the
status documented for the operation, the body fitting its schema), errors as problem details.

Retries with Idempotency-Key: tests/api/test_api_idempotency.py; many at once:
tests/api/test_api_import.py; offers pushed by an ATS: tests/api/test_api_inbound.py.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.api import tokens as api_tokens
from portal.api.models import ApiToken, TokenScope
from portal.core.extensions import db
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, CandidateProfile, Role, User
from portal.worker.loop import JOBS, Worker
from tests import support
from tests.api.test_api import ApiClient

FUTURE = (date.today() + timedelta(days=40)).isoformat()


@pytest.fixture
def app(make_app):
    return make_app(API_EVENTS_SETTLE_SECONDS=0)


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def writers(app, people):
    """A read-and-write token for each staff member of the cast, and HR's read-only one."""
    made = {}
    with app.app_context():
        for persona in ("recruiter_a", "recruiter_b", "hr"):
            user = db.session.get(User, people["ids"][persona])
            _row, made[persona] = api_tokens.create(user, f"{persona} ats", TokenScope.WRITE)
        hr = db.session.get(User, people["ids"]["hr"])
        _row, made["hr_read"] = api_tokens.create(hr, "dashboard")
        db.session.commit()
    return made


def offer(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Nora Newcomer",
        "email": "nora@example.com",
        "job_title": "Data Analyst",
        "joining_date": FUTURE,
        "joining_time": "09:30",
        "location": "Lyon",
        "department": "Data",
        "recruiter": "rec.a@example.com",
        "time_zone": "Europe/Paris",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def _candidates(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.CANDIDATE)
        )


def _errors(answer) -> dict[str, str]:
    """The problem's errors by pointer."""
    problem = answer.get_json()
    assert answer.status_code == 422 and problem["title"] == "Unprocessable Entity"
    return {error.get("pointer", ""): error["detail"] for error in problem["errors"]}


# --- Adding a candidate ----------------------------------------------------------------------


def test_hr_adds_a_candidate_who_gets_the_portals_invitation(make_app, people, smtp_server):
    """The candidate as the API shows them, the audit log as from HR's page, and the
    invitation through the mail queue, sent by the worker to a real SMTP server."""
    app = make_app(SMTP_URL=smtp_server.url)
    api = ApiClient(app)
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        _row, token = api_tokens.create(hr, "ATS", TokenScope.WRITE)
        db.session.commit()

    answer = api.call("/candidates", token, method="POST", json=offer())
    assert answer.status_code == 201
    body = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/candidates/{body['id']}"
    assert (body["name"], body["email"], body["job_title"]) == (
        "Nora Newcomer",
        "nora@example.com",
        "Data Analyst",
    )
    assert body["recruiter"] == {"id": people["ids"]["recruiter_a"], "name": "Rita Recruiter"}
    assert body["status"] == "invited" and body["signed_up"] is False
    assert body["joining_at"] == f"{FUTURE}T09:30:00+0{body['joining_at'][-4]}:00"
    assert api.call(f"/candidates/{body['id']}", token).get_json() == body

    with app.app_context():
        nora = db.session.get(User, body["id"])
        assert nora.time_zone == "Europe/Paris" and nora.password_hash is None
        assert nora.profile.joining_time == time(9, 30) and nora.profile.location == "Lyon"
        actions = db.session.execute(
            select(AuditEntry.action, AuditEntry.actor_id).where(
                AuditEntry.target_user_id == nora.id
            )
        ).all()
        assert sorted(actions) == [
            ("candidate.created", people["ids"]["hr"]),
            ("invitation.sent", people["ids"]["hr"]),
        ]
        (queued,) = db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.to_user_id == nora.id)
        )
        assert queued.kind == "invitation" and queued.sent_at is None  # queued, not sent inline

    (outcome,) = Worker(app, tuple(job for job in JOBS if job.name == "mail")).run_pass()
    assert outcome.error is None
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "nora@example.com"
    assert message["Subject"] == "Welcome! Set up your pre-boarding account"
    assert "/invitation/" in support.link_in(message)


def test_each_value_that_cannot_be_used_is_named_beside_its_field(app, api, writers):
    """The same checks, and the same words, as HR's CSV of offers; nothing is created."""
    before = _candidates(app)
    answer = api.call(
        "/candidates",
        writers["hr"],
        method="POST",
        json=offer(
            name="  ",
            email="nora@",
            joining_date=(date.today() - timedelta(days=3)).isoformat(),
            joining_time="9h30",
            recruiter="nobody@example.com",
            time_zone="Mars/Olympus",
            job_title=42,
            nickname="No",
        ),
    )
    errors = _errors(answer)
    assert errors == {
        "#/name": "Enter a name.",
        "#/email": "Enter an email address like name@example.com.",
        "#/job_title": "Send this as text (a JSON string).",
        "#/nickname": errors["#/nickname"],
        "#/joining_time": "Enter the time of day, such as 09:00.",
        "#/time_zone": "Use a time zone name such as Europe/Paris.",
        "#/recruiter": "No active recruiter has this email address.",
    }
    assert errors["#/nickname"].startswith("There is no such field. The fields: name, email")
    assert "nothing was created" in answer.get_json()["detail"]

    past = api.call(
        "/candidates",
        writers["hr"],
        method="POST",
        json=offer(joining_date=(date.today() - timedelta(days=3)).isoformat()),
    )
    assert _errors(past)["#/joining_date"].startswith("That date has passed")
    taken = api.call(
        "/candidates", writers["hr"], method="POST", json=offer(email="cand.a@example.com")
    )
    assert _errors(taken) == {"#/email": "Someone already has an account with this email address."}
    assert _candidates(app) == before


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400),
        (b'{"name": "\xff"}', {"Content-Type": "application/json"}, 400),
        (b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}, 400),
        (b"name=Nora", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (b"[]", {"Content-Type": "application/json"}, 422),
        (b"null", {"Content-Type": "application/json"}, 422),
    ],
    ids=["broken", "not-utf8", "deep", "form", "array", "null"],
)
def test_a_body_that_is_not_an_offer_is_problem_details(app, api, writers, body, headers, status):
    answer = api.call("/candidates", writers["hr"], method="POST", data=body, headers=headers)
    assert answer.status_code == status, answer.get_json()
    assert _candidates(app) == 2


# --- Scopes and roles ------------------------------------------------------------------------


def test_a_read_only_token_is_refused_every_write(app, api, people, writers):
    candidate = people["ids"]["candidate_a"]
    writes = [
        ("POST", "/candidates", offer()),
        ("POST", "/candidates/import", [offer()]),
        ("PATCH", f"/candidates/{candidate}/joining", {"location": "Nice"}),
        ("PUT", f"/candidates/{candidate}/recruiter", {"recruiter_id": None}),
    ]
    for method, path, body in writes:
        answer = api.call(path, writers["hr_read"], method=method, json=body)
        assert answer.status_code == 403, path
        assert "may only read" in answer.get_json()["detail"]
    assert api.call("/candidates", writers["hr_read"]).status_code == 200  # reading is fine
    with app.app_context():  # tokens made before scopes existed read only
        assert {t.scope for t in db.session.scalars(select(ApiToken))} == {"read", "write"}
        profile = db.session.get(CandidateProfile, candidate)
        assert (profile.location, profile.recruiter_id) == ("Paris", people["ids"]["recruiter_a"])
    assert _candidates(app) == 2


def test_a_recruiters_token_adds_and_changes_only_their_own(app, api, people, writers):
    ids = people["ids"]
    mine = api.call(
        "/candidates", writers["recruiter_a"], method="POST", json=offer(recruiter=None)
    )
    assert mine.status_code == 201
    assert mine.get_json()["recruiter"]["id"] == ids["recruiter_a"]
    own_address = offer(email="own@example.com", recruiter="REC.A@example.com")
    assert (
        api.call("/candidates", writers["recruiter_a"], method="POST", json=own_address).status_code
        == 201
    )

    theirs = api.call(
        "/candidates",
        writers["recruiter_a"],
        method="POST",
        json=offer(email="other@example.com", recruiter="rec.b@example.com"),
    )
    assert theirs.status_code == 403
    assert "candidates of their own only" in theirs.get_json()["detail"]

    ben = ids["candidate_b"]
    for method, path, body in (
        ("PATCH", f"/candidates/{ben}/joining", {"location": "Nice"}),
        ("PUT", f"/candidates/{ben}/recruiter", {"recruiter_id": ids["recruiter_a"]}),
    ):
        refused = api.call(path, writers["recruiter_a"], method=method, json=body)
        missing = api.call(
            path.replace(str(ben), "999999999"), writers["recruiter_a"], method=method, json=body
        )
        assert refused.status_code == missing.status_code == 404
        assert api.call(path, writers["hr"], method=method, json=body).status_code == 200
    with app.app_context():
        assert db.session.get(CandidateProfile, ben).location == "Nice"


# --- Joining details -------------------------------------------------------------------------


def test_joining_details_change_as_when_hr_saves_them(app, api, people, writers):
    """One SEQUENCE a change, one email for changes made within the batch window, the audit
    log as from HR's form; the other details stay as they were."""
    alice = people["ids"]["candidate_a"]
    new_day = (date.today() + timedelta(days=50)).isoformat()
    answer = api.call(
        f"/candidates/{alice}/joining",
        writers["recruiter_a"],
        method="PATCH",
        json={"joining_date": new_day, "joining_time": "10:15"},
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["changed"] == ["joining_date", "joining_time"]
    assert (body["joining_date"], body["joining_time"], body["location"]) == (
        new_day,
        "10:15",
        "Paris",
    )
    assert body["calendar_sequence"] == 1

    moved = api.call(
        f"/candidates/{alice}/joining",
        writers["hr"],
        method="PATCH",
        json={"location": "Lyon, building B", "reception_instructions": "Ask for Rosa."},
    ).get_json()
    assert moved["changed"] == ["location", "reception_instructions"]
    assert moved["calendar_sequence"] == 2 and moved["joining_time"] == "10:15"
    unchanged = api.call(
        f"/candidates/{alice}/joining",
        writers["hr"],
        method="PATCH",
        json={"location": "Lyon, building B"},
    ).get_json()
    assert unchanged["changed"] == [] and unchanged["calendar_sequence"] == 2

    with app.app_context():
        mails = db.session.scalars(
            select(OutgoingEmail).where(
                OutgoingEmail.to_user_id == alice, OutgoingEmail.kind == "joining_changed"
            )
        ).all()
        assert len(mails) == 1, "changes within the batch window share one email"
        assert "date, time, place and reception instructions" in mails[0].subject
        fields = set(
            db.session.scalars(
                select(AuditEntry.field).where(
                    AuditEntry.target_user_id == alice, AuditEntry.action == "candidate.updated"
                )
            )
        )
        assert {"joining_date", "joining_time", "location", "reception_instructions"} <= fields


def test_a_joining_moment_that_has_passed_needs_backdated(app, api, people, writers):
    alice = people["ids"]["candidate_a"]
    path = f"/candidates/{alice}/joining"
    past = (date.today() - timedelta(days=10)).isoformat()
    refused = api.call(path, writers["hr"], method="PATCH", json={"joining_date": past})
    (message,) = _errors(refused).values()
    assert message.startswith("That date has passed") and '"backdated": true' in message
    for bad, pointer in (
        ({"joining_date": "2027-02-30"}, "#/joining_date"),
        ({"joining_date": (date.today() + timedelta(days=900)).isoformat()}, "#/joining_date"),
        ({"joining_time": "25:00"}, "#/joining_time"),
        ({"joining_time_zone": "Europe/Atlantis"}, "#/joining_time_zone"),
        ({"location": "x" * 81}, "#/location"),
        ({"reception_instructions": "y" * 501}, "#/reception_instructions"),
        ({"backdated": "yes"}, "#/backdated"),
        ({"colour": "blue"}, "#/colour"),
    ):
        answer = api.call(path, writers["hr"], method="PATCH", json=bad)
        assert pointer in _errors(answer), bad

    backdated = api.call(
        path, writers["hr"], method="PATCH", json={"joining_date": past, "backdated": True}
    )
    assert backdated.status_code == 200 and backdated.get_json()["joining_date"] == past
    with app.app_context():
        emailed = db.session.scalar(
            select(func.count()).where(
                OutgoingEmail.to_user_id == alice, OutgoingEmail.kind == "joining_changed"
            )
        )
        assert emailed == 0, "a backdated record emails nothing"


# --- Recruiters ------------------------------------------------------------------------------


def test_a_candidate_goes_to_another_recruiter(app, api, people, writers):
    ids = people["ids"]
    alice = ids["candidate_a"]
    path = f"/candidates/{alice}/recruiter"
    moved = api.call(
        path, writers["recruiter_a"], method="PUT", json={"recruiter_id": ids["recruiter_b"]}
    )
    assert moved.status_code == 200
    assert moved.get_json()["recruiter"] == {"id": ids["recruiter_b"], "name": "Bob Recruiter"}
    # No longer recruiter A's: their token cannot see or move her any more.
    assert (
        api.call(
            path, writers["recruiter_a"], method="PUT", json={"recruiter_id": None}
        ).status_code
        == 404
    )
    for bad in (
        {"recruiter_id": ids["hr"]},
        {"recruiter_id": 2_147_483_648},
        {"recruiter_id": "7"},
        {"recruiter_id": True},
        {},
        {"recruiter_id": None, "backup": 1},
    ):
        answer = api.call(path, writers["hr"], method="PUT", json=bad)
        assert "#/recruiter_id" in _errors(answer), bad
    nobody = api.call(path, writers["hr"], method="PUT", json={"recruiter_id": None})
    assert nobody.status_code == 200 and nobody.get_json()["recruiter"] is None
    with app.app_context():
        assert db.session.get(CandidateProfile, alice).recruiter_id is None
        changes = db.session.scalars(
            select(AuditEntry.new_value).where(
                AuditEntry.target_user_id == alice, AuditEntry.field == "recruiter_id"
            )
        ).all()
        assert len(changes) == 2


# --- Choosing the scope on the tokens page -----------------------------------------------------


def test_staff_choose_what_a_new_token_may_do(app, client, people, api):
    support.sign_in(client, people["emails"]["recruiter_a"])
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert 'type="radio"' in page and "Read and write" in page
    assert re.search(r'<input [^>]*checked[^>]*value="read"', page), "read only unless chosen"
    tokens_page = "/account/api-tokens"
    wrong = support.post_form(client, tokens_page, {"name": "ATS", "scope": "admin"})
    assert wrong.status_code == 422
    assert "Choose “Read only” or “Read and write”." in wrong.get_data(as_text=True)
    made = support.post_form(client, tokens_page, {"name": "ATS", "scope": "write"})
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    assert "Token “ATS” (read and write)" in html
    (plaintext,) = re.findall(r"pp_[A-Za-z0-9_-]{43}", html)
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "<td>Read and write</td>" in listing
    created = api.call("/candidates", plaintext, method="POST", json=offer(recruiter=None))
    assert created.status_code == 201
    with app.app_context():
        subject = db.session.scalar(
            select(AuditEntry.subject).where(AuditEntry.action == "api_token.created")
        )
        assert subject.endswith(", read and write)")
