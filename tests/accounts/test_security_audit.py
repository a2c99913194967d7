"""Security events land in the audit log (issue 13, class 8): sign-ins, failed sign-ins, reset
requests, password changes and resets, role and email changes, deactivation. Never a typed
password, and never an address that has no account."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.accounts import signing_in
from portal.core.extensions import db
from portal.people.models import AuditEntry, Role
from tests.support import PASSWORD, make_staff, post_form, sign_in

REX = "rex@example.com"
GHOST = "ghost.address@example.com"
TYPED = "a typed guess 7391"


def _entries(app) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return list(entries)


def _everything_stored(entries: list[AuditEntry]) -> str:
    return " ".join(
        str(value)
        for e in entries
        for value in (e.action, e.subject, e.field, e.old_value, e.new_value)
        if value is not None
    )


def _new_entries(app, before: int) -> list[AuditEntry]:
    return _entries(app)[before:]


def test_sign_ins_and_failures_are_recorded_without_secrets(app):
    with app.app_context():
        rex_id = make_staff(Role.RECRUITER, REX, "Rex Recruiter").id
    before = len(_entries(app))

    assert sign_in(app.test_client(), REX).status_code == 302
    assert sign_in(app.test_client(), REX, TYPED).status_code == 200
    assert sign_in(app.test_client(), GHOST, TYPED).status_code == 200

    signed_in, wrong, ghost = _new_entries(app, before)
    assert (signed_in.action, signed_in.actor_id, signed_in.target_user_id) == (
        "signed_in",
        rex_id,
        rex_id,
    )
    assert (wrong.action, wrong.actor_id, wrong.target_user_id) == ("sign_in_failed", None, rex_id)
    assert wrong.subject == "wrong password"
    assert (ghost.action, ghost.target_user_id) == ("sign_in_failed", None)
    assert ghost.subject == "an address with no account"
    stored = _everything_stored(_entries(app))
    assert TYPED not in stored and PASSWORD not in stored
    assert GHOST not in stored and "ghost" not in stored


def test_reset_requests_are_recorded_without_the_unknown_address(app):
    with app.app_context():
        rex_id = make_staff(Role.RECRUITER, REX, "Rex Recruiter").id
        closed = make_staff(Role.RECRUITER, "closed@example.com", "Cleo Closed")
        closed.is_active = False
        db.session.commit()
        closed_id = closed.id
    before = len(_entries(app))
    for email in (REX, GHOST, "closed@example.com"):
        answer = post_form(app.test_client(), "/password/forgot", {"email": email})
        assert answer.status_code == 302
        answer.close()
    known, ghost, closed_entry = _new_entries(app, before)
    assert (known.action, known.target_user_id, known.subject) == (
        "password_reset_requested",
        rex_id,
        None,
    )
    assert (ghost.target_user_id, ghost.subject) == (None, "an address with no account")
    assert (closed_entry.target_user_id, closed_entry.subject) == (
        closed_id,
        "no link sent: account closed",
    )
    assert GHOST not in _everything_stored(_entries(app))


def test_a_reset_and_hr_changes_are_recorded(app):
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        rex = make_staff(Role.RECRUITER, REX, "Rex Recruiter")
        hr_id, rex_id = hr.id, rex.id
        queued = signing_in.request_password_reset(REX)
        db.session.commit()
        found = re.search(r"https?://\S+", queued.body_text)
        assert found
        reset_path = urlsplit(found.group(0)).path
    new = "rex picks a calm new phrase"
    done = post_form(app.test_client(), reset_path, {"password": new, "confirm": new})
    assert done.status_code == 302
    hr_client = app.test_client()
    sign_in(hr_client, "hr@example.com")
    data = {"name": "Rex Recruiter", "email": "rex.r@example.com", "time_zone": "UTC", "phone": ""}
    post_form(hr_client, f"/hr/people/{rex_id}/edit", data)
    path = f"/hr/people/{rex_id}"
    post_form(hr_client, f"{path}/deactivate", {"confirmed": "1"}, form_url=path)

    about_rex = [e for e in _entries(app) if e.target_user_id == rex_id]
    by_action = {e.action: e for e in about_rex}
    reset = by_action["password_changed"]
    assert (reset.actor_id, reset.subject) == (rex_id, "reset from an emailed link")
    email = by_action["recruiter.updated"]
    assert (email.actor_id, email.field, email.old_value, email.new_value) == (
        hr_id,
        "email",
        REX,
        "rex.r@example.com",
    )
    closed = by_action["recruiter.deactivated"]
    assert (closed.actor_id, closed.field, closed.new_value) == (hr_id, "is_active", "False")
    assert new not in _everything_stored(_entries(app))
