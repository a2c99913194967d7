"""Destructive actions ask first (core/forms.ask_first): the one-button POST alone shows
"Are you sure?" and changes nothing; the same POST with the page's yes does the deed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.api import tokens as api_tokens
from portal.api.models import ApiToken
from portal.core.extensions import db
from portal.mail.models import OutgoingEmail
from portal.people.models import User
from portal.questions.models import FaqEntry, Message
from portal.timeline.models import CandidateMilestone, MilestoneTemplate
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint
from tests.support import post_form, sign_in


@dataclass(frozen=True)
class Destructive:
    who: str  # the persona of the `people` fixture who may do it
    make: Callable[[dict[str, int]], int]  # the row it acts on (its id)
    path: str  # "{id}" and people's ids filled in
    page: str  # where its button is (the form's CSRF token comes from there)
    question: str
    still_there: Callable[[int], bool]


def _add(row: object) -> int:
    db.session.add(row)
    db.session.flush()
    return row.id  # type: ignore[attr-defined]


def _message(ids: dict[str, int], author: str) -> int:
    return _add(Message(candidate_id=ids["candidate_a"], author_id=ids[author], body="Hi there"))


def _parked(ids: dict[str, int]) -> int:
    candidate = db.session.get_one(User, ids["candidate_a"])
    return _add(
        OutgoingEmail(
            to_address=candidate.email,
            to_user_id=candidate.id,
            kind="invitation",
            subject="Welcome",
            body_text="Hello",
            status="failed",
            last_error="550 no such user",
        )
    )


# The endpoint's signing secret until it is replaced.
SECRET = webhooks.generate_secret()


def _endpoint(ids: dict[str, int]) -> int:
    return _add(
        WebhookEndpoint(
            url="https://hooks.example.com/ats",
            secret=SECRET,
            event_types=["question.asked"],
        )
    )


def _changed_for_alice(ids: dict[str, int]) -> int:
    """A template milestone with Alice's own version of it (its id: the template's)."""
    template_id = _add(MilestoneTemplate(title="Reception", details="Desk A", day_offset=0))
    _add(
        CandidateMilestone(
            candidate_id=ids["candidate_a"],
            template_id=template_id,
            title="Reception",
            details="Desk B, ask for Rosa",
            day_offset=0,
        )
    )
    return template_id


def _not_removed(message_id: int) -> bool:
    return db.session.get_one(Message, message_id).removed_at is None


CASES = {
    "deactivate a person": Destructive(
        "hr",
        lambda ids: ids["candidate_a"],
        "/hr/people/{id}/deactivate",
        "/hr/people/{id}",
        "Deactivate Alice Candidate?",
        lambda user_id: db.session.get_one(User, user_id).is_active,
    ),
    "discard unsent mail": Destructive(
        "hr",
        _parked,
        "/hr/mail/parked/{id}/discard",
        "/hr/mail/parked",
        "Discard the message to cand.a@example.com?",
        lambda email_id: db.session.get(OutgoingEmail, email_id) is not None,
    ),
    "revoke an API token": Destructive(
        "recruiter_a",
        lambda ids: api_tokens.create(db.session.get_one(User, ids["recruiter_a"]), "ATS")[0].id,
        "/account/api-tokens/{id}/revoke",
        "/account/api-tokens",
        "Revoke the token “ATS”?",
        lambda token_id: db.session.get_one(ApiToken, token_id).revoked_at is None,
    ),
    "delete a template milestone": Destructive(
        "hr",
        lambda ids: _add(MilestoneTemplate(title="Documents", details="", day_offset=-14)),
        "/hr/timeline/{id}/delete",
        "/hr/timeline",
        "Delete “Documents” from the timeline?",
        lambda template_id: db.session.get(MilestoneTemplate, template_id) is not None,
    ),
    "delete a candidate's own milestone": Destructive(
        "hr",
        lambda ids: _add(
            CandidateMilestone(
                candidate_id=ids["candidate_a"], title="Laptop", details="", day_offset=-1
            )
        ),
        "/hr/people/{candidate_a}/timeline/{id}/delete",
        "/hr/people/{candidate_a}/timeline",
        "Delete “Laptop” from Alice Candidate's timeline?",
        lambda milestone_id: db.session.get(CandidateMilestone, milestone_id) is not None,
    ),
    "reset a candidate's version of a template milestone": Destructive(
        "hr",
        _changed_for_alice,
        "/hr/people/{candidate_a}/timeline/template/{id}/reset",
        "/hr/people/{candidate_a}/timeline",
        "Reset “Reception” to the template for Alice Candidate?",
        lambda template_id: (
            db.session.scalars(
                select(CandidateMilestone).where(CandidateMilestone.template_id == template_id)
            ).first()
            is not None
        ),
    ),
    "delete an FAQ entry": Destructive(
        "hr",
        lambda ids: _add(FaqEntry(question="Where do I park?", answer="Building B.")),
        "/faq/{id}/delete",
        "/faq/",
        "Delete the FAQ entry “Where do I park?”?",
        lambda entry_id: db.session.get(FaqEntry, entry_id) is not None,
    ),
    "remove a candidate's message": Destructive(
        "candidate_a",
        lambda ids: _message(ids, "candidate_a"),
        "/candidate/questions/{id}/remove",
        "/candidate/questions",
        "Remove your message?",
        _not_removed,
    ),
    "remove a recruiter's answer": Destructive(
        "recruiter_a",
        lambda ids: _message(ids, "recruiter_a"),
        "/recruiter/candidates/{candidate_a}/questions/{id}/remove",
        "/recruiter/candidates/{candidate_a}/questions",
        "Remove your message?",
        _not_removed,
    ),
    "disable a webhook endpoint": Destructive(
        "hr",
        _endpoint,
        "/hr/webhooks/{id}/disable",
        "/hr/webhooks/{id}",
        "Disable the endpoint https://hooks.example.com/ats?",
        lambda endpoint_id: db.session.get_one(WebhookEndpoint, endpoint_id).is_enabled,
    ),
    "replace a webhook's signing secret": Destructive(
        "hr",
        _endpoint,
        "/hr/webhooks/{id}/rotate",
        "/hr/webhooks/{id}",
        "Replace the signing secret of https://hooks.example.com/ats?",
        lambda endpoint_id: db.session.get_one(WebhookEndpoint, endpoint_id).secret == SECRET,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_destructive_action_asks_first_and_acts_once_confirmed(app, people, name):
    case = CASES[name]
    with app.app_context():
        row_id = case.make(people["ids"])
        db.session.commit()
    path = case.path.format(id=row_id, **people["ids"])
    page = case.page.format(id=row_id, **people["ids"])
    client = app.test_client()
    assert sign_in(client, people["emails"][case.who]).status_code == 302

    asked = post_form(client, path, {}, form_url=page)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200, html
    heading = re.search(r"<h1>(.*?)</h1>", html)
    assert heading and heading.group(1).replace("&#39;", "'") == case.question
    assert f'<form method="post" action="{path}"' in html
    assert '<input type="hidden" name="confirmed" value="1">' in html
    assert re.search(r'<button type="submit" class="button button-danger">Yes, ', html)
    assert f'<a href="{page}">Cancel, keep it as it is</a>' in html
    with app.app_context():
        assert case.still_there(row_id), "nothing changes before the yes"

    done = post_form(client, path, {"confirmed": "1"}, form_url=page)
    assert done.status_code == 302
    with app.app_context():
        assert not case.still_there(row_id), "the yes does it"


def test_the_question_page_keeps_the_csrf_check(app, people):
    """Without the form's token the action is refused (400) before anything is asked."""
    client = app.test_client()
    sign_in(client, people["emails"]["hr"])
    user_id = people["ids"]["candidate_a"]
    refused = client.post(f"/hr/people/{user_id}/deactivate", data={"confirmed": "1"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get_one(User, user_id).is_active
