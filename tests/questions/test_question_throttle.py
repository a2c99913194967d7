"""Messages in a thread are limited per person (issue 13, class 4): each one emails someone, so a
stuck key or a script must not send forty emails in a second. The refused message is not lost:
the page comes back with 429, Retry-After, the reason beside the field and the text still in it.
"""

from __future__ import annotations

import html
import time
import uuid

import pytest
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.mail.models import OutgoingEmail
from portal.people.models import Role
from portal.questions.models import Message
from tests.support import make_candidate, make_staff, post_form, sign_in


@pytest.fixture
def cast(make_app):
    app = make_app(QUESTION_LIMITS="5 per minute", ANSWER_LIMITS="3 per minute")
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        ana = make_candidate("ana@example.com", rita, name="Ana Silva")
        ben = make_candidate("ben@example.com", rita, name="Ben Okafor")
        db.session.commit()
        ids = {"ana": ana.id, "ben": ben.id}
    return app, ids


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _ask(client, body: str):
    return post_form(client, "/candidate/questions", {"body": body, "client_key": uuid.uuid4().hex})


def _counts(app, candidate_id: int) -> tuple[int, int]:
    with app.app_context():
        messages = db.session.scalar(
            select(func.count()).select_from(Message).where(Message.candidate_id == candidate_id)
        )
        emails = db.session.scalar(select(func.count()).select_from(OutgoingEmail))
    return messages or 0, emails or 0


@pytest.mark.parametrize("same_text", [True, False], ids=["same-text", "different-texts"])
def test_the_sixth_question_in_a_minute_is_refused_and_kept(cast, same_text):
    app, ids = cast
    ana = _client(app, "ana@example.com")
    answers = [
        _ask(ana, "Is there parking?" if same_text else f"Question number {n} & <more>")
        for n in range(12)
    ]
    assert [a.status_code for a in answers[:5]] == [302] * 5
    assert {a.status_code for a in answers[5:]} == {429}
    refused = answers[-1]
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    page = refused.get_data(as_text=True)
    assert "You have sent several messages in a row" in page
    typed = "Is there parking?" if same_text else "Question number 11 & <more>"
    assert f"{html.escape(typed, quote=False)}</textarea>" in page
    # Five stored, five emails to the recruiter; the refused ones wrote and sent nothing.
    assert _counts(app, ids["ana"]) == (5, 5)

    # Another candidate has a count of their own.
    ben = _client(app, "ben@example.com")
    assert _ask(ben, "When is my first day?").status_code == 302


def test_answers_are_limited_per_recruiter_with_the_text_kept(cast):
    app, ids = cast
    rita = _client(app, "rita@example.com")
    path = f"/recruiter/candidates/{ids['ana']}/questions"
    codes = [
        post_form(rita, path, {"body": f"Answer {n}", "client_key": uuid.uuid4().hex}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 302]
    refused = post_form(rita, path, {"body": "Parking is in building B", "client_key": "k"})
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "Parking is in building B</textarea>" in refused.get_data(as_text=True)
    # The limit is the recruiter's, whichever thread: another candidate's thread is refused too.
    other = f"/recruiter/candidates/{ids['ben']}/questions"
    assert post_form(rita, other, {"body": "Hello", "client_key": "k2"}).status_code == 429


def test_posting_works_again_once_the_window_has_passed(make_app):
    app = make_app(QUESTION_LIMITS="2 per 2 seconds")
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        make_candidate("ana@example.com", rita, name="Ana Silva")
        db.session.commit()
    ana = _client(app, "ana@example.com")
    assert [_ask(ana, f"Q{n}").status_code for n in range(3)] == [302, 302, 429]
    time.sleep(2.2)
    assert _ask(ana, "Q again").status_code == 302


def test_a_form_error_is_not_counted(cast):
    app, _ids = cast
    ana = _client(app, "ana@example.com")
    assert [_ask(ana, "   ").status_code for _ in range(8)] == [422] * 8
    assert _ask(ana, "A real question").status_code == 302
