"""HR's bulk offers through the API: POST /candidates/import takes the CSV file HR uploads on
/hr/people/import, or a JSON array of offers; every row is checked as on that page, and all are
created or none, each row's problems given back as problem details beside their row."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.api import tokens as api_tokens
from portal.api.models import TokenScope
from portal.core.extensions import db
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, Role, User
from tests.api.test_api import ApiClient

HEADER = "name,email,job title,joining date,joining time,location,department,recruiter"
SOON = (date.today() + timedelta(days=30)).isoformat()
CSV = {"Content-Type": "text/csv; charset=utf-8"}


def _line(name="Nina Noor", email="nina@example.com", day=SOON, recruiter="rec.a@example.com"):
    return f"{name},{email},Analyst,{day},09:30,Lyon,Finance,{recruiter}"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join((header, *lines)) + "\r\n").encode()


def _offer(number: int, **changes: str) -> dict[str, str]:
    return {
        "name": f"Person {number}",
        "email": f"person{number}@example.com",
        "job_title": "Analyst",
        "joining_date": SOON,
        "joining_time": "09:30",
        "recruiter": "rec.b@example.com",
        **changes,
    }


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def writers(app, people):
    made = {}
    with app.app_context():
        for persona in ("hr", "recruiter_a"):
            user = db.session.get(User, people["ids"][persona])
            _row, made[persona] = api_tokens.create(user, "ats", TokenScope.WRITE)
        db.session.commit()
    return made


def _candidates(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.CANDIDATE)
        )


def test_a_csv_file_is_created_all_or_none(app, api, writers):
    past = (date.today() - timedelta(days=3)).isoformat()
    wrong = _csv(
        _line(),
        _line(email="not an email"),
        _line(email="p@example.com", day=past),
        _line(email="r@example.com", recruiter="nobody@example.com"),
        _line(email="nina@example.com"),
    )
    answer = api.call("/candidates/import", writers["hr"], method="POST", data=wrong, headers=CSV)
    assert answer.status_code == 422
    problem = answer.get_json()
    assert problem["detail"] == "4 of 5 offers cannot be used (see `errors`); nothing was created."
    found = {(error["row"], error["field"]): error["detail"] for error in problem["errors"]}
    assert found == {
        (3, "email"): "Enter an email address like name@example.com.",
        (4, "joining_date"): found[(4, "joining_date")],
        (5, "recruiter"): "No active recruiter has this email address.",
        (6, "email"): "The same email address as row 2: one row a person.",
    }
    assert found[(4, "joining_date")].startswith("That date has passed")
    assert all("pointer" not in error for error in problem["errors"])
    assert _candidates(app) == 2

    good = _csv(_line(), _line(name="Omar Okafor", email="omar@example.com"))
    created = api.call("/candidates/import", writers["hr"], method="POST", data=good, headers=CSV)
    assert created.status_code == 201
    body = created.get_json()
    assert body["created"] == 2
    assert [(c["name"], c["email"]) for c in body["data"]] == [
        ("Nina Noor", "nina@example.com"),
        ("Omar Okafor", "omar@example.com"),
    ]
    with app.app_context():
        ids = [c["id"] for c in body["data"]]
        invitations = db.session.scalar(
            select(func.count()).where(
                OutgoingEmail.to_user_id.in_(ids), OutgoingEmail.kind == "invitation"
            )
        )
        assert invitations == 2
        created_by = set(
            db.session.scalars(
                select(AuditEntry.actor_id).where(
                    AuditEntry.target_user_id.in_(ids), AuditEntry.action == "candidate.created"
                )
            )
        )
        assert created_by == {db.session.scalar(select(User.id).where(User.role == Role.HR))}


def test_a_json_array_names_each_problem_by_its_place(app, api, writers):
    offers = [
        _offer(1),
        _offer(2, email="two@"),
        {**_offer(3), "joining_time": 930, "shoe_size": "44"},
        "Person 4",
    ]
    answer = api.call("/candidates/import", writers["hr"], method="POST", json=offers)
    assert answer.status_code == 422
    problem = answer.get_json()
    assert problem["detail"].startswith("3 of 4 offers cannot be used")
    found = {error["pointer"]: (error["row"], error["detail"]) for error in problem["errors"]}
    assert found["#/1/email"] == (2, "Enter an email address like name@example.com.")
    assert found["#/2/joining_time"] == (3, "Send this as text (a JSON string).")
    assert found["#/2/shoe_size"][1].startswith("There is no such field.")
    assert found["#/3"] == (4, "Each offer is a JSON object of fields.")
    assert _candidates(app) == 2

    fine = api.call(
        "/candidates/import", writers["hr"], method="POST", json=[_offer(n) for n in range(1, 4)]
    )
    assert fine.status_code == 201 and fine.get_json()["created"] == 3
    assert _candidates(app) == 5


@pytest.mark.parametrize(
    ("data", "headers", "status", "words"),
    [
        (b"\xff\xfename", CSV, 422, "UTF-16"),
        ("name,email\nJosé,j@example.com\n".encode("latin-1"), CSV, 422, "not in UTF-8"),
        (b"name,email\n", CSV, 422, "Missing columns"),
        (_csv(), CSV, 422, "no offers"),
        (b"[]", {"Content-Type": "application/json"}, 422, "one offer or more"),
        (b'{"name": "x"}', {"Content-Type": "application/json"}, 422, "JSON array"),
        (b"<offers/>", {"Content-Type": "application/xml"}, 415, "CSV file"),
    ],
    ids=["utf16", "latin1", "columns", "empty", "empty-json", "object", "xml"],
)
def test_a_file_that_cannot_be_read_says_why(app, api, writers, data, headers, status, words):
    answer = api.call(
        "/candidates/import", writers["hr"], method="POST", data=data, headers=headers
    )
    assert answer.status_code == status
    assert words in answer.get_json()["detail"]
    assert _candidates(app) == 2


def test_the_size_and_row_limits_hold(make_app, people):
    app = make_app(OFFER_IMPORT_MAX_BYTES=4096, OFFER_IMPORT_MAX_ROWS=3)
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        _row, token = api_tokens.create(hr, "ats", TokenScope.WRITE)
        db.session.commit()
    api = ApiClient(app)
    too_many = [_offer(n) for n in range(4)]
    answer = api.call("/candidates/import", token, method="POST", json=too_many)
    assert answer.status_code == 422 and "more than 3 offers" in answer.get_json()["detail"]
    rows = _csv(*(_line(email=f"p{n}@example.com") for n in range(4)))
    answer = api.call("/candidates/import", token, method="POST", data=rows, headers=CSV)
    assert answer.status_code == 422 and "more than 3 offers" in answer.get_json()["detail"]
    big = json.dumps([_offer(1, location="x" * 20_000)]).encode()
    answer = api.call(
        "/candidates/import",
        token,
        method="POST",
        data=big,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413 and "12,288 bytes" in answer.get_json()["detail"]
    # Other writes keep the portal's usual limit.
    assert api.call("/candidates", token, method="POST", json=_offer(1)).status_code == 201


def test_a_recruiters_import_holds_only_their_own_candidates(app, api, writers):
    mine = [{k: v for k, v in _offer(n).items() if k != "recruiter"} for n in (1, 2)]
    created = api.call("/candidates/import", writers["recruiter_a"], method="POST", json=mine)
    assert created.status_code == 201 and created.get_json()["created"] == 2
    theirs = [_offer(3, recruiter="rec.a@example.com"), _offer(4, recruiter="rec.b@example.com")]
    refused = api.call("/candidates/import", writers["recruiter_a"], method="POST", json=theirs)
    assert refused.status_code == 403
    assert "row 2 names rec.b@example.com" in refused.get_json()["detail"]
    assert _candidates(app) == 4
