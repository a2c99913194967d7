"""Names and addresses are cleaned at the door: HR's forms, the command line and the account
pages use core.inputs, so what is stored is one clean line, shown as typed, and safe in mail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.api import tokens as api_tokens
from portal.api.models import ApiToken
from portal.core.extensions import db
from portal.people.models import Role, User
from tests.support import PASSWORD, make_staff, post_form, sign_in

# Spellings of "Ada Lovelace" that once reached an email subject and broke it.
SPELLINGS = [
    "Ada\u2028Lovelace",
    "Ada\u2029Lovelace",
    "Ada\u0085Lovelace",
    "Ada\vLovelace",
    "Ada\fLovelace",
    "Ada\r\nLovelace",
    "Ada\tLovelace\n",
    " Ada \u200b\u202eLovelace\ufeff ",
]


def _hr(client, people):
    sign_in(client, people["emails"]["hr"])
    return client


def _error_beside(page: str, field: str, text: str) -> bool:
    found = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
    return found is not None and text in unescape(found.group(1))


def _candidate(people, **overrides):
    data = {
        "name": "Carla Candidate",
        "email": f"carla.{uuid.uuid4().hex[:8]}@example.com",
        "time_zone": "Europe/Paris",
        "job_title": "Analyst",
        "department": "Finance",
        "location": "Paris",
        "joining_date": (date.today() + timedelta(days=40)).isoformat(),
        "joining_time": "09:00",
        "joining_time_zone": "Europe/Paris",
        "recruiter_id": str(people["ids"]["recruiter_a"]),
    }
    data.update(overrides)
    return data


def _staff(**overrides):
    data = {
        "name": "Sam Staff",
        "email": f"sam.{uuid.uuid4().hex[:8]}@example.com",
        "time_zone": "Europe/Paris",
        "role": "recruiter",
        "phone": "",
    }
    data.update(overrides)
    return data


def _stored(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize("name", SPELLINGS)
def test_hr_adds_a_candidate_whose_name_is_stored_as_one_clean_line(app, client, people, name):
    data = _candidate(people, name=name, job_title="Lead\u2028Analyst", location="New\vYork")
    answer = post_form(_hr(client, people), "/hr/candidates/new", data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    user = _stored(app, data["email"])
    assert user is not None and user.name == "Ada Lovelace"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Ada Lovelace" in page and "Lead Analyst" in page and "New York" in page
    with app.app_context():
        profile = db.session.get(User, user.id).candidate_profile
        assert (profile.job_title, profile.location) == ("Lead Analyst", "New York")


def test_hr_adds_staff_with_a_clean_name_phone_and_address(app, client, people):
    data = _staff(name="Zoe\u0308\u2028O'Brien", email=" Sam.Staff@Example.COM ", phone="+33\v1 23")
    answer = post_form(_hr(client, people), "/hr/staff/new", data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    user = _stored(app, "sam.staff@example.com")
    assert user is not None
    assert (user.name, user.phone) == ("Zoë O'Brien", "+33 1 23")
    assert "Zoë O&#39;Brien" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_the_edit_form_cleans_a_name_too(app, client, people):
    staff_id = people["ids"]["recruiter_b"]
    data = _staff(name="Bob\u2029Recruiter\u0085Jr", email=people["emails"]["recruiter_b"])
    data.pop("role")
    answer = post_form(_hr(client, people), f"/hr/people/{staff_id}/edit", data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, staff_id).name == "Bob Recruiter Jr"
    assert "Bob Recruiter Jr" in client.get(f"/hr/people/{staff_id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "\u2028\u200b\t", "Enter the person's name."),
        ("name", "🙂 🙂", "at least one letter"),
        ("name", "Ada " + "é" * 130, "at most 120 characters (134 now)"),
        ("email", "Ada Lovelace <ada@example.com>", "email address like name@example.com"),
        ("email", "ada@example.com\r\nBcc: eve@example.com", "email address like name@"),
        ("email", "josé@example.com", "unaccented letters"),
        ("email", "\u2028", "Enter an email address."),
        ("job_title", "\u2029", "Enter the job title."),
        ("location", "x" * 81, "The location has at most 80 characters"),
    ],
)
def test_refusals_are_shown_beside_the_field_and_nothing_is_saved(
    app, client, people, field, value, message
):
    before = _user_count(app)
    answer = post_form(
        _hr(client, people), "/hr/candidates/new", _candidate(people, **{field: value})
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert _error_beside(page, field, message), page
    assert _user_count(app) == before
    # What could not be used is shown back as one line, without its invisible characters.
    shown = re.search(rf'<input[^>]*id="{field}"[^>]*>', page)
    assert shown is not None
    assert not re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029\u200b\u202e]", shown.group(0))


def test_a_candidate_named_with_a_line_separator_asks_and_the_recruiter_is_mailed(
    make_app, smtp_server
):
    morning = datetime.combine(date.today(), time(10, 30), tzinfo=ZoneInfo("Europe/Paris"))
    app = make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=morning)
    with app.app_context():
        make_staff(Role.HR, "helen@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        people = {"emails": {"hr": "helen@example.com"}, "ids": {"recruiter_a": rita.id}}
    hr = app.test_client()
    data = _candidate(people, name="Alice\u2028Martin\u0085", email="alice@example.com")
    assert post_form(_hr(hr, people), "/hr/candidates/new", data).status_code == 302
    with app.app_context():
        from portal.accounts import passwords

        alice = db.session.scalar(select(User).where(User.email == "alice@example.com"))
        alice.password_hash = passwords.hash_password(PASSWORD)
        db.session.commit()
    candidate = app.test_client()
    sign_in(candidate, "alice@example.com")
    asked = post_form(
        candidate, "/candidate/questions", {"body": "Hello?", "client_key": uuid.uuid4().hex}
    )
    assert asked.status_code == 302
    (mail,) = smtp_server.wait_for(1)
    assert mail["Subject"] == "New question from Alice Martin"
    assert mail["To"] == "rita@example.com"


def _cli(runner, *args: str, password: str = PASSWORD):
    return runner.invoke(args=["users", *args], input=password + "\n")


@pytest.mark.parametrize("name", SPELLINGS)
def test_the_command_line_cleans_names_and_addresses_the_same_way(app, runner, name):
    made = _cli(runner, "create", "--role", "hr", "--email", "First.HR@Example.com", "--name", name)
    assert made.exit_code == 0, made.output
    assert "first.hr@example.com" in made.output
    user = _stored(app, "first.hr@example.com")
    assert user is not None and user.name == "Ada Lovelace"
    assert sign_in(app.test_client(), " FIRST.hr@example.COM ").headers["Location"] == "/hr/"


def test_the_command_line_names_its_default_from_the_address(app, runner):
    assert _cli(runner, "create", "--role", "hr", "--email", "anna.k@example.com").exit_code == 0
    assert _stored(app, "anna.k@example.com").name == "anna.k"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "Ada <ada@example.com>"], "email address like"),
        (["--email", "ada@example.com\nBcc: eve@example.com"], "email address like"),
        (["--email", "ada@example.com", "--name", "\u2028 \u200b"], "Enter a name."),
        (["--email", "ada@example.com", "--name", "🙂"], "at least one letter"),
        (["--email", "ada@example.com", "--name", "x" * 121], "at most 120 characters"),
        (["--email", "ada@example.com", "--name", "Jos\udce9"], "could not be read"),
    ],
)
def test_the_command_line_refuses_what_the_forms_refuse(app, runner, args, message):
    refused = _cli(runner, "create", "--role", "hr", *args)
    assert refused.exit_code == 2, refused.output
    assert message in refused.output
    assert "--email" in refused.output or "--name" in refused.output
    assert "Traceback" not in refused.output
    assert _user_count(app) == 0


def test_set_role_reads_the_address_like_everything_else(app, runner):
    assert (
        _cli(runner, "create", "--role", "recruiter", "--email", "rec@example.com").exit_code == 0
    )
    changed = runner.invoke(
        args=["users", "set-role", "--email", " REC@Example.com", "--role", "hr"]
    )
    assert changed.exit_code == 0, changed.output
    assert _stored(app, "rec@example.com").role == Role.HR
    bad = runner.invoke(
        args=["users", "set-role", "--email", "rec@example.com\r\n", "--role", "hr"]
    )
    assert bad.exit_code == 0 and "already is hr" in bad.output  # surrounding space is trimmed
    odd = runner.invoke(args=["users", "set-role", "--email", "<rec@example.com>", "--role", "hr"])
    assert odd.exit_code == 2 and "email address like" in odd.output
    assert "Traceback" not in odd.output


def test_users_create_help_needs_no_secret_key(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "BASE_URL", "PORTAL_ENV", "DATABASE_URL"}
    }
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    for args in (["users", "create", "--help"], ["--help"]):
        shown = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "flask", "--app", "portal", *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
            check=False,
        )
        assert shown.returncode == 0, shown.stderr
        assert "Traceback" not in shown.stdout + shown.stderr
    assert "--name" in shown.stdout or "users" in shown.stdout


def test_an_api_token_name_is_one_clean_line_and_the_api_shows_clean_names(app, client, people):
    sign_in(client, people["emails"]["recruiter_a"])
    made = post_form(
        client,
        "/account/api-tokens",
        {"name": "ATS\u2028sync\u202e"},
        form_url="/account/api-tokens",
    )
    assert made.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).one().name == "ATS sync"
    renamed = post_form(
        _hr(app.test_client(), people),
        f"/hr/people/{people['ids']['candidate_a']}/edit",
        _candidate(
            people,
            name="Alice\u2029Candidate",
            email=people["emails"]["candidate_a"],
            notify_confirmed="1",  # "Save and email": the joining details change too
        ),
    )
    assert renamed.status_code == 302
    with app.app_context():
        user = db.session.get(User, people["ids"]["recruiter_a"])
        _row, token = api_tokens.create(user, "test")
        db.session.commit()
    answer = app.test_client().get(
        f"/api/v1/candidates/{people['ids']['candidate_a']}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    assert answer.get_json()["name"] == "Alice Candidate"
