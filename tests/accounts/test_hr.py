"""HR manages people: create, validate, edit with an audit trail, deactivate, reactivate."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.core.extensions import db
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, CandidateProfile, User
from tests.support import post_form, sign_in


def _hr(client, people):
    sign_in(client, people["emails"]["hr"])
    return client


def _error_beside(page: str, field: str, text: str) -> bool:
    return re.search(rf'id="{field}-error"[^>]*>.*?{re.escape(text)}', page, re.S) is not None


def _candidate_data(people, **overrides):
    data = {
        "name": "Carla Candidate",
        "email": "carla@example.com",
        "time_zone": "America/New_York",
        "job_title": "Analyst",
        "department": "Finance",
        "location": "New York",
        "joining_date": (date.today() + timedelta(days=40)).isoformat(),
        "joining_time": "09:00",
        "joining_time_zone": "America/New_York",
        "recruiter_id": str(people["ids"]["recruiter_a"]),
    }
    data.update(overrides)
    return data


def test_hr_adds_a_candidate_without_invitation(app, client, people):
    response = post_form(_hr(client, people), "/hr/candidates/new", _candidate_data(people))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "carla@example.com"))
        assert user.role == "candidate" and user.time_zone == "America/New_York"
        assert user.candidate_profile.recruiter_id == people["ids"]["recruiter_a"]
        assert db.session.scalars(select(OutgoingEmail)).all() == []
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.target_user_id == user.id))
        assert [e.action for e in entry] == ["candidate.created"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Carla Candidate" in page and "Invited, not signed up" in page


def test_wrong_values_get_messages_beside_each_field_and_nothing_is_saved(app, client, people):
    bad = _candidate_data(
        people,
        email="not an email",
        time_zone="Mars/Olympus_Mons",
        joining_date="31/12/2026",
        joining_time="25:99",
        recruiter_id="999999",
        name="",
    )
    response = post_form(_hr(client, people), "/hr/candidates/new", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _error_beside(page, "email", "email address like")
    assert _error_beside(page, "time_zone", "Choose a place from the list")
    assert _error_beside(page, "joining_date", "YYYY-MM-DD")
    assert _error_beside(page, "joining_time", "time of day")
    assert _error_beside(page, "recruiter_id", "Choose a recruiter")
    assert _error_beside(page, "name", "Enter the person")
    # What could not be read is not echoed into date and time inputs (invalid HTML there).
    assert 'value="25:99"' not in page and 'value="31/12/2026"' not in page
    far = _candidate_data(people, joining_date=(date.today() + timedelta(days=900)).isoformat())
    page = post_form(client, "/hr/candidates/new", far).get_data(as_text=True)
    assert _error_beside(page, "joining_date", "two years ahead")
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "carla@example.com")) is None


def test_a_taken_email_is_reported_beside_the_field(client, people):
    data = _candidate_data(people, email=people["emails"]["candidate_b"].upper())
    response = post_form(_hr(client, people), "/hr/candidates/new", data)
    assert response.status_code == 422
    assert _error_beside(response.get_data(as_text=True), "email", "already has an account")


def test_editing_joining_date_zone_and_recruiter_is_audited_old_and_new(app, client, people):
    user_id = people["ids"]["candidate_a"]
    with app.app_context():
        old_date = db.session.get(CandidateProfile, user_id).joining_date
    new_date = old_date + timedelta(days=7)
    form = client.get(f"/hr/people/{user_id}/edit")
    _hr(client, people)
    form = client.get(f"/hr/people/{user_id}/edit").get_data(as_text=True)
    assert f'value="{old_date.isoformat()}"' in form, "the form shows the current values"
    data = _candidate_data(
        people,
        name="Alice Candidate",
        email=people["emails"]["candidate_a"],
        time_zone="Asia/Kolkata",
        joining_date=new_date.isoformat(),
        recruiter_id=str(people["ids"]["recruiter_b"]),
        job_title="Software Engineer",
        department="Engineering",
        location="Paris",
        joining_time="09:00",
        joining_time_zone="Europe/Paris",
        notify_confirmed="1",  # "Save and email": the joining details change
    )
    response = post_form(client, f"/hr/people/{user_id}/edit", data)
    assert response.status_code == 302
    with app.app_context():
        entries = {
            e.field: e
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "candidate.updated")
            )
        }
        assert set(entries) == {"joining_date", "time_zone", "recruiter_id"}
        assert entries["joining_date"].old_value == old_date.isoformat()
        assert entries["joining_date"].new_value == new_date.isoformat()
        assert entries["time_zone"].old_value == "Europe/Paris"
        assert entries["recruiter_id"].new_value == str(people["ids"]["recruiter_b"])
        assert entries["joining_date"].actor_id == people["ids"]["hr"]
    audit = client.get("/hr/audit").get_data(as_text=True)
    assert new_date.isoformat() in audit and "Asia/Kolkata" in audit
    # The reassignment takes effect: recruiter A no longer sees the candidate, B does.
    rec_a, rec_b = app.test_client(), app.test_client()
    sign_in(rec_a, people["emails"]["recruiter_a"])
    sign_in(rec_b, people["emails"]["recruiter_b"])
    assert rec_a.get(f"/recruiter/candidates/{user_id}").status_code == 404
    assert rec_b.get(f"/recruiter/candidates/{user_id}").status_code == 200


def test_hr_edits_a_recruiter_and_a_deactivated_recruiter_is_not_offered(app, client, people):
    recruiter_id = people["ids"]["recruiter_b"]
    response = post_form(
        _hr(client, people),
        f"/hr/people/{recruiter_id}/edit",
        {
            "name": "Bob Recruiter",
            "email": people["emails"]["recruiter_b"],
            "time_zone": "Europe/Berlin",
            "phone": "+49 30 1234",
        },
    )
    assert response.status_code == 302
    post_form(
        client,
        f"/hr/people/{recruiter_id}/deactivate",
        {"confirmed": "1"},
        form_url=f"/hr/people/{recruiter_id}",
    )
    new_form = client.get("/hr/candidates/new").get_data(as_text=True)
    assert ">Bob Recruiter</option>" not in new_form
    assert ">Rita Recruiter</option>" in new_form
    # Candidate B keeps their (now deactivated) recruiter until HR reassigns: no silent change.
    edit = client.get(f"/hr/people/{people['ids']['candidate_b']}/edit").get_data(as_text=True)
    assert "Bob Recruiter (deactivated)" in edit
    reactivated = post_form(
        client, f"/hr/people/{recruiter_id}/reactivate", {}, form_url=f"/hr/people/{recruiter_id}"
    )
    assert reactivated.status_code == 302
    assert sign_in(app.test_client(), people["emails"]["recruiter_b"]).status_code == 302


def test_hr_cannot_deactivate_themselves(client, people):
    hr_id = people["ids"]["hr"]
    _hr(client, people)
    response = post_form(
        client,
        f"/hr/people/{hr_id}/deactivate",
        {"confirmed": "1"},
        form_url="/hr/",
        follow_redirects=True,
    )
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    assert client.get("/hr/").status_code == 200


def test_hr_filters_candidates_by_recruiter(client, people):
    _hr(client, people)
    everyone = client.get("/hr/").get_data(as_text=True)
    assert "Alice Candidate" in everyone and "Ben Candidate" in everyone
    only_a = client.get(f"/hr/?recruiter={people['ids']['recruiter_a']}").get_data(as_text=True)
    assert "Alice Candidate" in only_a and "Ben Candidate" not in only_a


def test_hr_adds_a_recruiter_and_the_invitation_waits_without_smtp(app, client, people):
    response = post_form(
        _hr(client, people),
        "/hr/staff/new",
        {
            "name": "Nora New",
            "email": "nora@example.com",
            "role": "recruiter",
            "time_zone": "Europe/Madrid",
            "send_invitation": "y",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "could not be sent yet" in response.get_data(as_text=True)
    with app.app_context():
        (email,) = db.session.scalars(select(OutgoingEmail)).all()
        assert email.to_address == "nora@example.com" and email.status == "pending"


def test_someone_who_has_a_password_is_not_reinvited(app, client, people):
    user_id = people["ids"]["candidate_a"]
    response = post_form(
        _hr(client, people),
        f"/hr/people/{user_id}/invite",
        {},
        form_url=f"/hr/people/{user_id}",
        follow_redirects=True,
    )
    assert "already set up their account" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(OutgoingEmail)).all() == []
