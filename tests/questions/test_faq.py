"""The company FAQ: written by recruiters and HR, read and searched by every candidate."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import AuditEntry
from portal.questions.models import FaqEntry, Message
from tests.support import post_form, sign_in


def _thread(app, people) -> tuple[int, int]:
    """Candidate A asks, recruiter A answers twice; returns the question's id."""
    ids = people["ids"]
    with app.app_context():
        question = Message(
            candidate_id=ids["candidate_a"],
            author_id=ids["candidate_a"],
            body="Hi Rita, it's Alice. Can I work from home on Fridays?",
        )
        db.session.add(question)
        db.session.flush()
        db.session.add_all(
            [
                Message(
                    candidate_id=ids["candidate_a"],
                    author_id=ids["recruiter_a"],
                    body="Yes, after your first month.",
                ),
                Message(
                    candidate_id=ids["candidate_a"],
                    author_id=ids["recruiter_a"],
                    body="Talk to your manager about the details.",
                ),
                Message(
                    candidate_id=ids["candidate_a"], author_id=ids["candidate_a"], body="Thanks!"
                ),
            ]
        )
        db.session.commit()
        return question.id, ids["candidate_a"]


def test_a_recruiter_turns_a_question_into_an_entry_every_candidate_can_find(app, people):
    question_id, _ = _thread(app, people)
    rita = app.test_client()
    sign_in(rita, people["emails"]["recruiter_a"])
    thread = rita.get(f"/recruiter/candidates/{people['ids']['candidate_a']}/questions")
    assert f"/faq/new?from_message={question_id}" in thread.get_data(as_text=True)
    draft = rita.get(f"/faq/new?from_message={question_id}").get_data(as_text=True)
    assert "Can I work from home on Fridays?" in draft
    assert "Yes, after your first month.\n\nTalk to your manager" in draft
    assert "Thanks!" not in draft, "the draft stops at the candidate's next message"
    assert "remove names" in draft
    saved = post_form(
        rita,
        "/faq/new",
        {
            "question": "Can I work from home on Fridays?",
            "answer": "Yes, after your first month. Agree the details with your manager.",
            "published": "y",
        },
    )
    assert saved.status_code == 302

    ben = app.test_client()
    sign_in(ben, people["emails"]["candidate_b"])
    everything = ben.get("/faq/").get_data(as_text=True)
    assert "Can I work from home on Fridays?" in everything
    assert "Alice" not in everything
    found = ben.get("/faq/?q=home+fridays").get_data(as_text=True)
    assert "1 entry for" in found and "work from home" in found
    nothing = ben.get("/faq/?q=parking").get_data(as_text=True)
    assert "Nothing matches" in nothing and "Ask your recruiter" in nothing
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert [a for a in actions if a.startswith("faq.")] == ["faq.created"]


def test_search_treats_wildcards_literally(app, people):
    with app.app_context():
        db.session.add_all(
            [
                FaqEntry(question="Is 100% remote possible?", answer="No."),
                FaqEntry(question="Is the office open on Sundays?", answer="No."),
            ]
        )
        db.session.commit()
    ben = app.test_client()
    sign_in(ben, people["emails"]["candidate_b"])
    page = ben.get("/faq/?q=%25").get_data(as_text=True)
    assert "100% remote" in page and "Sundays" not in page
    assert "Sundays" not in ben.get("/faq/?q=_").get_data(as_text=True)


def test_drafts_are_hidden_from_candidates(app, people):
    with app.app_context():
        db.session.add(FaqEntry(question="Secret draft?", answer="Not yet.", published=False))
        db.session.commit()
    ben, hr = app.test_client(), app.test_client()
    sign_in(ben, people["emails"]["candidate_b"])
    sign_in(hr, people["emails"]["hr"])
    assert "Secret draft?" not in ben.get("/faq/").get_data(as_text=True)
    assert "Secret draft?" in hr.get("/faq/").get_data(as_text=True)


def test_a_recruiter_cannot_draft_from_another_recruiters_candidate(app, people):
    question_id, _ = _thread(app, people)
    bob = app.test_client()
    sign_in(bob, people["emails"]["recruiter_b"])
    assert bob.get(f"/faq/new?from_message={question_id}").status_code == 404
    hr = app.test_client()
    sign_in(hr, people["emails"]["hr"])
    assert hr.get(f"/faq/new?from_message={question_id}").status_code == 200


def test_entries_are_validated_edited_and_deleted(app, people):
    hr = app.test_client()
    sign_in(hr, people["emails"]["hr"])
    empty = post_form(hr, "/faq/new", {"question": " ", "answer": ""})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert re.search(r'id="question-error"[^>]*>.*?Write the question', page, re.S)
    assert re.search(r'id="answer-error"[^>]*>.*?Write the answer', page, re.S)
    post_form(hr, "/faq/new", {"question": "Parking?", "answer": "Building B.", "published": "y"})
    with app.app_context():
        entry_id = db.session.scalars(select(FaqEntry.id)).one()
    edited = post_form(
        hr,
        f"/faq/{entry_id}/edit",
        {"question": "Is there parking?", "answer": "Yes, building B.", "published": "y"},
    )
    assert edited.status_code == 302
    assert "Is there parking?" in hr.get("/faq/").get_data(as_text=True)
    deleted = post_form(hr, f"/faq/{entry_id}/delete", {"confirmed": "1"}, form_url="/faq/")
    assert deleted.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(FaqEntry)).all() == []
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        subjects = db.session.scalars(
            select(AuditEntry.subject).where(AuditEntry.action == "faq.updated")
        ).all()
        assert subjects == ["FAQ “Parking?”"]
        assert [a for a in actions if a.startswith("faq.")] == [
            "faq.created",
            "faq.updated",
            "faq.deleted",
        ]
