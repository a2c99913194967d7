"""Saved replies: each recruiter's own and HR's shared ones, kept on their pages and inserted
into an answer from the thread page with a <select> and an "Insert" button (no script):
the page comes back with the reply's text, its placeholders filled, and nothing is sent."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.people.models import Role
from portal.questions.models import Message, SavedReply
from portal.questions.threads import MAX_LENGTH
from tests.support import make_candidate, make_staff, post_form, sign_in

# A name a page must escape, and that holds a placeholder of its own (never filled again).
TRICKY = "Zoë <b>O'Hara</b> {my_name}"


@pytest.fixture
def cast(app):
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        ana = make_staff(Role.RECRUITER, "ana@example.com", "Ana Ruiz")
        make_staff(Role.RECRUITER, "bo@example.com", "Bo Lee")
        zoe = make_candidate("zoe@example.com", ana, name=TRICKY, location="Lyon")
        return {"zoe": zoe.id}


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _reply_ids(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(SavedReply.id).where(SavedReply.title == title))


def _textarea(page: str) -> str:
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert found, "no textarea"
    text = found.group(1)
    return text[2:] if text.startswith("\r\n") else text  # as a browser reads it


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return found.group(1)


def test_recruiters_keep_their_own_and_read_hrs_shared_ones(app, cast):
    ana, bo, hr = (_client(app, f"{who}@example.com") for who in ("ana", "bo", "hr"))
    added = post_form(
        ana, "/recruiter/saved-replies", {"title": "Laptop", "body": "Hi {first_name}!"}
    )
    assert added.status_code == 302
    shared = post_form(hr, "/hr/saved-replies", {"title": "Parking", "body": "Building B."})
    assert shared.status_code == 302
    mine, theirs = _reply_ids(app, "Laptop"), _reply_ids(app, "Parking")

    page = ana.get("/recruiter/saved-replies").get_data(as_text=True)
    assert "Laptop" in page and "Parking" in page and "shared by HR" in page
    assert f"/recruiter/saved-replies/{mine}/edit" in page
    assert f"/recruiter/saved-replies/{theirs}/edit" not in page  # HR's to change
    bos = bo.get("/recruiter/saved-replies").get_data(as_text=True)
    assert '<h3 class="reply-title">Laptop' not in bos
    assert '<h3 class="reply-title">Parking' in bos
    assert bo.get(f"/recruiter/saved-replies/{mine}/edit").status_code == 404
    assert ana.get(f"/recruiter/saved-replies/{theirs}/edit").status_code == 404
    assert '<h3 class="reply-title">Laptop' not in hr.get("/hr/saved-replies").get_data(
        as_text=True
    )

    edited = post_form(
        ana,
        f"/recruiter/saved-replies/{mine}/edit",
        {"title": "Laptop pick-up", "body": "Hi {first_name}, it is ready."},
    )
    assert edited.status_code == 302
    with app.app_context():
        assert db.session.get(SavedReply, mine).title == "Laptop pick-up"

    # Deleting asks first; nothing goes until the yes.
    asked = post_form(ana, f"/recruiter/saved-replies/{mine}/delete", {})
    assert "Delete the saved reply “Laptop pick-up”?" in html.unescape(asked.get_data(as_text=True))
    assert _reply_ids(app, "Laptop pick-up") == mine
    gone = post_form(
        ana,
        f"/recruiter/saved-replies/{mine}/delete",
        {"confirmed": "1"},
        form_url="/recruiter/saved-replies",
    )
    assert gone.status_code == 302 and _reply_ids(app, "Laptop pick-up") is None
    refused = post_form(
        bo,
        f"/recruiter/saved-replies/{theirs}/delete",
        {"confirmed": "1"},
        form_url="/recruiter/saved-replies",
    )
    assert refused.status_code == 404 and _reply_ids(app, "Parking") == theirs


def test_bad_replies_are_refused_beside_their_field(app, cast):
    ana = _client(app, "ana@example.com")
    empty = post_form(ana, "/recruiter/saved-replies", {"title": "  ", "body": "Hello"})
    assert empty.status_code == 422
    assert "Enter a title." in _error(empty.get_data(as_text=True), "title")
    long = post_form(ana, "/recruiter/saved-replies", {"title": "Long", "body": "x" * 5001})
    assert long.status_code == 422
    assert "5,000 characters or fewer" in _error(long.get_data(as_text=True), "body")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SavedReply)) == 0


def test_insert_fills_the_placeholders_safely_and_sends_nothing(app, cast):
    ana = _client(app, "ana@example.com")
    hr = _client(app, "hr@example.com")
    text = "Dear {first_name}, see you in {location}. {unknown} stays. {my_name}"
    post_form(ana, "/recruiter/saved-replies", {"title": "Welcome", "body": text})
    post_form(hr, "/hr/saved-replies", {"title": "Parking", "body": "{name}: building B."})
    welcome, parking = _reply_ids(app, "Welcome"), _reply_ids(app, "Parking")
    thread = f"/recruiter/candidates/{cast['zoe']}/questions"

    page = ana.get(thread).get_data(as_text=True)
    assert f'<option value="{welcome}">Welcome</option>' in page
    assert f'<option value="{parking}">Parking (shared)</option>' in page
    assert f'formaction="{thread}/insert-reply"' in page
    form = {"body": "Hello!", "client_key": uuid.uuid4().hex, "saved_reply": str(welcome)}
    inserted = post_form(ana, f"{thread}/insert-reply", form, form_url=thread)
    assert inserted.status_code == 200
    page = inserted.get_data(as_text=True)
    # The page escapes the name; the name's own "{my_name}" is not filled: one pass only.
    assert "<b>O'Hara" not in page and "<b>O" not in _textarea(page)
    assert html.unescape(_textarea(page)) == (
        "Hello!\n\nDear Zoë, see you in Lyon. {unknown} stays. Ana Ruiz"
    )
    # The shared one, after it; then "Send" posts the whole text.
    form = {
        "body": html.unescape(_textarea(page)),
        "client_key": form["client_key"],
        "saved_reply": str(parking),
    }
    page = post_form(ana, f"{thread}/insert-reply", form, form_url=thread).get_data(as_text=True)
    filled = html.unescape(_textarea(page))
    assert filled.endswith(f"\n\n{TRICKY}: building B.")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0, "nothing sent"
    sent = post_form(ana, thread, {"body": filled, "client_key": form["client_key"]})
    assert sent.status_code == 302
    with app.app_context():
        (message,) = db.session.scalars(select(Message)).all()
        assert message.body == filled


def test_insert_refuses_what_it_cannot_do_beside_the_field(app, cast):
    ana, bo = _client(app, "ana@example.com"), _client(app, "bo@example.com")
    post_form(bo, "/recruiter/saved-replies", {"title": "Bo's", "body": "Bo's text"})
    post_form(ana, "/recruiter/saved-replies", {"title": "Mine", "body": "Long enough."})
    thread = f"/recruiter/candidates/{cast['zoe']}/questions"
    key = uuid.uuid4().hex

    theirs = {"body": "Kept", "client_key": key, "saved_reply": str(_reply_ids(app, "Bo's"))}
    answer = post_form(ana, f"{thread}/insert-reply", theirs, form_url=thread)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Choose a saved reply from the list." in _error(page, "saved_reply")
    assert _textarea(page) == "Kept"
    nonsense = {"body": "Kept", "client_key": key, "saved_reply": "1; DROP"}
    assert post_form(ana, f"{thread}/insert-reply", nonsense, form_url=thread).status_code == 422

    full = "x" * (MAX_LENGTH - 3)
    too_long = {"body": full, "client_key": key, "saved_reply": str(_reply_ids(app, "Mine"))}
    answer = post_form(ana, f"{thread}/insert-reply", too_long, form_url=thread)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "shorten it first" in _error(page, "body")
    assert _textarea(page) == full, "the text as it was"
    # Without the form's token: 400, as every POST.
    assert ana.post(f"{thread}/insert-reply", data={"saved_reply": "1"}).status_code == 400
