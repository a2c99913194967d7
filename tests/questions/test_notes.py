"""Private notes on a candidate (questions.notes): read and written by their recruiter, their
backup, whoever covers for the recruiter while they are away, and HR; never by the candidate
(no page of theirs shows them, the API never carries them), never by another recruiter (404).
The audit log says a note was added or deleted, never what it says."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.api import tokens as api_tokens
from portal.core.extensions import db
from portal.people.models import AuditEntry, Role, StaffAbsence, User
from portal.questions.models import CandidateNote
from tests.support import make_candidate, make_staff, post_form, sign_in

SECRET = "Negotiated a later start: do not mention the visa delay"


@pytest.fixture
def cast(app):
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        ana = make_staff(Role.RECRUITER, "ana@example.com", "Ana Ruiz")
        bo = make_staff(Role.RECRUITER, "bo@example.com", "Bo Lee")
        make_staff(Role.RECRUITER, "cy@example.com", "Cy Chen")
        make_staff(Role.RECRUITER, "eve@example.com", "Eve Stranger")
        alice = make_candidate("alice@example.com", ana, name="Alice Martin")
        alice.profile.backup_recruiter_id = bo.id
        db.session.commit()
        return {u.email.split("@")[0]: u.id for u in db.session.scalars(select(User))}


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _notes_path(ids) -> str:
    return f"/recruiter/candidates/{ids['alice']}/notes"


def test_staff_who_look_after_the_candidate_share_notes_nobody_else_sees_them(app, cast):
    ids = cast
    ana, bo, eve = (_client(app, f"{who}@example.com") for who in ("ana", "bo", "eve"))
    added = post_form(ana, _notes_path(ids), {"body": SECRET})
    assert added.status_code == 302
    assert SECRET in ana.get(_notes_path(ids)).get_data(as_text=True)
    # Her backup reads it, on the notes page and beside the thread.
    assert SECRET in bo.get(_notes_path(ids)).get_data(as_text=True)
    thread = bo.get(f"/recruiter/candidates/{ids['alice']}/questions").get_data(as_text=True)
    assert SECRET in thread and "Private notes" in thread
    # HR reads it too, on HR's pages.
    hr = _client(app, "hr@example.com")
    assert SECRET in hr.get(f"/hr/people/{ids['alice']}/notes").get_data(as_text=True)
    assert SECRET in hr.get(f"/hr/people/{ids['alice']}/questions").get_data(as_text=True)
    # Another recruiter: 404, reading or writing.
    assert eve.get(_notes_path(ids)).status_code == 404
    refused = post_form(eve, _notes_path(ids), {"body": "Mine"}, form_url="/recruiter/")
    assert refused.status_code == 404

    # The candidate: no page of theirs shows it, the staff's pages are 404.
    alice = _client(app, "alice@example.com")
    for path in ("/candidate/", "/candidate/questions", "/candidate/news", "/faq/"):
        answer = alice.get(path)
        assert SECRET not in answer.get_data(as_text=True), path
    assert alice.get(_notes_path(ids)).status_code == 404
    assert alice.get(f"/hr/people/{ids['alice']}/notes").status_code == 404
    # The API (for staff tokens) never carries notes.
    with app.app_context():
        _, token = api_tokens.create(db.session.get(User, ids["ana"]), "ATS")
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for path in (f"/api/v1/candidates/{ids['alice']}", "/api/v1/candidates", "/api/v1/events"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, path
        assert SECRET not in answer.get_data(as_text=True), path

    # The audit log: that a note was added, not what it says.
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "note.added"))
        assert (entry.actor_id, entry.target_user_id) == (ids["ana"], ids["alice"])
        assert SECRET not in " ".join(
            str(value) for value in (entry.subject, entry.field, entry.old_value, entry.new_value)
        )
    log = hr.get("/hr/audit").get_data(as_text=True)
    assert "added a private note on a candidate" in log and SECRET not in log


def test_the_colleague_covering_reads_them_while_the_recruiter_is_away(app, cast):
    ids = cast
    ana, cy = _client(app, "ana@example.com"), _client(app, "cy@example.com")
    post_form(ana, _notes_path(ids), {"body": SECRET})
    assert cy.get(_notes_path(ids)).status_code == 404
    with app.app_context():
        today = date.today()
        absence = StaffAbsence(
            recruiter_id=ids["ana"],
            cover_id=ids["cy"],
            first_day=today,
            last_day=today + timedelta(days=2),
            starts_at=datetime.combine(today, time(0), UTC),
            ends_at=datetime.combine(today + timedelta(days=3), time(0), UTC),
        )
        db.session.add(absence)
        db.session.commit()
        absence_id = absence.id
    assert SECRET in cy.get(_notes_path(ids)).get_data(as_text=True)
    with app.app_context():
        db.session.get(StaffAbsence, absence_id).ends_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    assert cy.get(_notes_path(ids)).status_code == 404, "back from away: no longer"


def test_deleting_asks_first_and_is_the_authors_or_hrs(app, cast):
    ids = cast
    ana, bo = _client(app, "ana@example.com"), _client(app, "bo@example.com")
    post_form(ana, _notes_path(ids), {"body": SECRET})
    with app.app_context():
        note_id = db.session.scalar(select(CandidateNote.id))
    delete = f"{_notes_path(ids)}/{note_id}/delete"
    # Bo reads it but did not write it: no button, and 404 when forced.
    assert delete not in bo.get(_notes_path(ids)).get_data(as_text=True)
    assert post_form(bo, delete, {"confirmed": "1"}, form_url=_notes_path(ids)).status_code == 404
    asked = post_form(ana, delete, {}, form_url=_notes_path(ids))
    assert "Delete this note?" in html.unescape(asked.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(CandidateNote, note_id) is not None
    done = post_form(ana, delete, {"confirmed": "1"}, form_url=_notes_path(ids))
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(CandidateNote, note_id) is None
        assert db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("note.%"))
        ).all() == ["note.added", "note.deleted"]
    # HR deletes any note.
    post_form(bo, _notes_path(ids), {"body": "Bo's note"})
    hr = _client(app, "hr@example.com")
    hr_notes = f"/hr/people/{ids['alice']}/notes"
    (hr_delete,) = re.findall(r'action="(/hr/people/\d+/notes/\d+/delete)"', hr.get(hr_notes).text)
    assert post_form(hr, hr_delete, {"confirmed": "1"}, form_url=hr_notes).status_code == 302


@pytest.mark.parametrize(
    ("body", "message"),
    [("   \n ", "Write the note first."), ("x" * 2001, "2,000 characters or fewer")],
)
def test_bad_notes_are_refused_beside_the_field(app, cast, body, message):
    ana = _client(app, "ana@example.com")
    answer = post_form(ana, _notes_path(cast), {"body": body})
    assert answer.status_code == 422
    found = re.search(r'<p class="error-message" id="body-error">(.*?)</p>', answer.text, re.S)
    assert found and message in found.group(1)
    with app.app_context():
        assert db.session.scalar(select(CandidateNote.id)) is None


def test_notes_are_paged_newest_first(app, cast):
    ids = cast
    with app.app_context():
        db.session.add_all(
            CandidateNote(candidate_id=ids["alice"], author_id=ids["ana"], body=f"Note {n:02}")
            for n in range(45)
        )
        db.session.commit()
    ana = _client(app, "ana@example.com")
    first = ana.get(_notes_path(ids)).text
    shown = re.findall(r"Note (\d\d)", first)
    assert shown == [f"{n:02}" for n in range(44, 24, -1)]  # 20 a page
    (older,) = re.findall(r'href="([^"]+before=\d+)"', first)
    second = ana.get(html.unescape(older)).text
    assert re.findall(r"Note (\d\d)", second) == [f"{n:02}" for n in range(24, 4, -1)]
