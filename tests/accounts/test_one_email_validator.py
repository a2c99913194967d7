"""One email-address validator for every door: the same addresses get the same verdict (and the
same stored form) from `core.inputs`, `flask users create`, the sign-in form, the reset-link
form and HR's invite and edit forms. An account made on the command line can always sign in
with the address it was made with: the first HR person cannot be locked out."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.core import inputs
from portal.core.extensions import db
from portal.people.models import Role, User
from tests.support import PASSWORD, make_staff, post_form, sign_in

# (as typed, as stored)
GOOD = [
    ("first.hr@example.com", "first.hr@example.com"),
    ("  First.HR@Example.COM ", "first.hr@example.com"),
    ("o'brien+hr@example.co.uk", "o'brien+hr@example.co.uk"),
    ("hr@müller.de", "hr@xn--mller-kva.de"),
    ("hr@xn--mller-kva.de", "hr@xn--mller-kva.de"),
    ("first_hr@sub.example.org\n", "first_hr@sub.example.org"),
]
BAD = [
    "first.hr@localhost",
    "first.hr@example",
    "First HR <first.hr@example.com>",
    "first..hr@example.com",
    ".first@example.com",
    "zoë@example.com",
    '"first hr"@example.com',
    "first@[127.0.0.1]",
    "first@exa_mple.com",
    "first.hr@example.com\r\nBcc: eve@example.com",
    "first.hr@example.test",
    "a" * 250 + "@example.com",
]


def _error_beside_email(page: str) -> str | None:
    found = re.search(r'id="email-error"[^>]*>(.*?)</p>', page, re.S)
    if not found:
        return None
    text = re.sub(r'<span class="visually-hidden">Error:</span>', "", found.group(1))
    return " ".join(unescape(text).split())


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


@pytest.fixture
def people(app):
    """An HR person to use the forms, and a recruiter whose address HR tries to change."""
    with app.app_context():
        hr = make_staff(Role.HR, "helen.hr@example.com", "Helen HR")
        bob = make_staff(Role.RECRUITER, "bob@example.com", "Bob Recruiter")
        db.session.commit()
        return {
            "emails": {"hr": hr.email, "recruiter_b": bob.email},
            "ids": {"hr": hr.id, "recruiter_b": bob.id},
        }


def _hr(app, people):
    client = app.test_client()
    assert sign_in(client, people["emails"]["hr"]).status_code == 302
    return client


def _staff_form(email: str) -> dict:
    return {"name": "Sam Staff", "email": email, "time_zone": "UTC", "role": "recruiter"}


@pytest.mark.parametrize(("typed", "stored"), GOOD)
def test_a_good_address_is_read_the_same_way_at_every_door(app, people, typed, stored):
    assert inputs.email_address(typed) == stored

    # The command line makes the first HR account with it...
    made = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "hr", "--email", typed], input=PASSWORD + "\n"
    )
    assert made.exit_code == 0, made.output
    assert f"Created hr account {stored}." in made.output

    # ...which signs in with the address exactly as it was typed, and as stored.
    for spelling in (typed, stored):
        answer = sign_in(app.test_client(), spelling)
        assert answer.status_code == 302 and answer.headers["Location"] == "/hr/", spelling

    # The reset-link form takes it.
    asked = post_form(app.test_client(), "/password/forgot", {"email": typed})
    assert asked.status_code == 302

    # HR's forms read it to the same stored address: taken already, said beside the field.
    before = _users(app)
    hr = _hr(app, people)
    for url, data in (
        ("/hr/staff/new", _staff_form(typed)),
        (
            f"/hr/people/{people['ids']['recruiter_b']}/edit",
            {"name": "Bob", "email": typed, "time_zone": "UTC", "phone": ""},
        ),
    ):
        answer = post_form(hr, url, data)
        assert answer.status_code == 422, url
        said = _error_beside_email(answer.get_data(as_text=True))
        assert said == "Someone already has an account with this email address.", (url, said)
    assert _users(app) == before


@pytest.mark.parametrize("typed", BAD)
def test_a_bad_address_is_refused_the_same_way_at_every_door(app, people, typed):
    with pytest.raises(inputs.InputError) as refused:
        inputs.email_address(typed)
    message = refused.value.message
    before = _users(app)

    made = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "hr", "--email", typed], input=PASSWORD + "\n"
    )
    assert made.exit_code == 2, made.output
    assert "--email" in made.output and message in " ".join(made.output.split())
    assert "Traceback" not in made.output

    pages = [
        ("/sign-in", sign_in(app.test_client(), typed)),
        ("/password/forgot", post_form(app.test_client(), "/password/forgot", {"email": typed})),
    ]
    hr = _hr(app, people)
    pages.append(("/hr/staff/new", post_form(hr, "/hr/staff/new", _staff_form(typed))))
    pages.append(
        (
            "edit",
            post_form(
                hr,
                f"/hr/people/{people['ids']['recruiter_b']}/edit",
                {"name": "Bob", "email": typed, "time_zone": "UTC", "phone": ""},
            ),
        )
    )
    for where, answer in pages:
        assert answer.status_code == 422, where
        assert _error_beside_email(answer.get_data(as_text=True)) == message, where
    assert _users(app) == before
    with app.app_context():
        assert (
            db.session.get(User, people["ids"]["recruiter_b"]).email
            == (people["emails"]["recruiter_b"])
        )


def test_the_api_reads_each_address_as_the_forms_do(app, people):
    """The API's writes take addresses (a new candidate's, their recruiter's) through the same
    validator: the same verdict, the same stored form, the same message beside the field."""
    from datetime import date, timedelta

    from portal.api import tokens as api_tokens
    from portal.api.models import TokenScope

    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        _row, token = api_tokens.create(hr, "ats", TokenScope.WRITE)
        recruiter = make_staff(Role.RECRUITER, "rita@example.com", "Rita")
        db.session.commit()
        assert recruiter.email == "rita@example.com"
    client = app.test_client()
    joining = (date.today() + timedelta(days=30)).isoformat()

    def add(address: str, recruiter_address: str = "  RITA@Example.com "):
        return client.post(
            "/api/v1/candidates",
            json={
                "name": "Nora",
                "email": address,
                "job_title": "Analyst",
                "joining_date": joining,
                "joining_time": "09:00",
                "recruiter": recruiter_address,
            },
            headers={"Authorization": f"Bearer {token}"},
        )

    made: set[str] = set()
    for typed, stored in GOOD:
        answer = add(typed)
        assert stored == inputs.email_address(typed)
        if stored in made:  # the same address, however typed: one account
            errors = answer.get_json()["errors"]
            assert errors[0]["detail"] == "Someone already has an account with this email address."
            continue
        assert answer.status_code == 201, (typed, answer.get_json())
        assert answer.get_json()["email"] == stored
        made.add(stored)
    for typed in BAD:
        answer = add(typed)
        assert answer.status_code == 422, typed
        with pytest.raises(inputs.InputError) as refused:
            inputs.email_address(typed)
        errors = {e["field"]: e["detail"] for e in answer.get_json()["errors"]}
        assert errors == {"email": refused.value.message}, typed
