"""Webhooks carry ids, not personal data, unless HR opts an endpoint into personal fields.

Two endpoints registered through HR's form, one with "Also send personal details" ticked, both
on a real receiver on loopback; a candidate asks a question and goes quiet through the portal's
own code; the worker's delivery signs and sends. The signed bodies the receiver got are read.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from portal.core.extensions import db
from portal.engagement import status_changes
from portal.people.models import AuditEntry, User
from portal.questions import threads
from portal.webhooks import jobs as webhook_jobs
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint, WebhookEventType, WebhookMessage
from tests import support
from tests.webhook_receiver import running_receiver

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUESTION = "Can I bring my parrot Quetzalcoatl to the office?"


@pytest.fixture
def receiver():
    with running_receiver() as server:
        yield server


@pytest.fixture
def app(make_app):
    return make_app(WEBHOOKS_ALLOW_PRIVATE={"127.0.0.1"}, PORTAL_CLOCK=T0)


def register(client, url: str, **extra: str) -> int:
    data = {
        "url": url,
        "description": "ATS",
        "event_types": [str(event_type) for event_type in WebhookEventType],
        "recruiter_id": "0",
        **extra,
    }
    response = support.post_form(client, "/hr/webhooks/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys(item)}
    return set()


def test_payloads_carry_ids_unless_the_endpoint_opted_into_personal_fields(app, people, receiver):
    hr = app.test_client()
    support.sign_in(hr, people["emails"]["hr"])
    form = hr.get("/hr/webhooks/new").get_data(as_text=True)
    assert "Also send personal details" in form
    assert webhooks.ALWAYS_SENT in form.replace("&#39;", "'")
    plain_id = register(hr, receiver.url("/plain"))
    personal_id = register(hr, receiver.url("/personal"), personal_fields="y")

    with app.app_context():
        plain = db.session.get(WebhookEndpoint, plain_id)
        personal = db.session.get(WebhookEndpoint, personal_id)
        assert (plain.personal_fields, personal.personal_fields) == (False, True)
        secrets = {"/plain": plain.secret, "/personal": personal.secret}
        candidate = db.session.get(User, people["ids"]["candidate_a"])
        name, email = candidate.name, candidate.email
        threads.post(candidate, candidate, QUESTION, None)
        db.session.commit()
        # Days before joining, never seen since the invitation: the status changes, with reasons.
        later = datetime.combine(candidate.profile.joining_date, time(12), UTC) - timedelta(days=5)
        status_changes.evaluate(later)
        db.session.commit()
        written = db.session.scalars(select(WebhookMessage)).all()
        # Each message knows whom it is about (retention finds them by it).
        assert all(m.candidate_id == json.loads(m.body)["data"]["candidate"]["id"] for m in written)
        assert candidate.id in {m.candidate_id for m in written}
        webhook_jobs.deliver_due(later)

    deliveries = receiver.received()
    by_path: dict[str, list[dict]] = {"/plain": [], "/personal": []}
    for delivery in deliveries:
        # The body the receiver got is the signed one.
        Webhook(secrets[delivery.path]).verify(delivery.body, delivery.headers)
        body = json.loads(delivery.body)
        if body["data"]["candidate"]["id"] == people["ids"]["candidate_a"]:
            by_path[delivery.path].append(body)
        assert QUESTION.encode() not in delivery.body  # never free text, opted in or not
    types = {"question.asked", "candidate.status_changed"}
    for path in by_path:
        assert types <= {body["type"] for body in by_path[path]}, path

    for body in by_path["/plain"]:
        raw = json.dumps(body, ensure_ascii=False)
        assert name not in raw and email not in raw
        assert not keys(body) & {"name", "email", "text", "comment"}, body
        assert body["data"]["candidate"] == {"id": people["ids"]["candidate_a"]}
    changed = next(b for b in by_path["/plain"] if b["type"] == "candidate.status_changed")
    assert changed["data"]["reasons"] and all(
        set(r) == {"code"} for r in changed["data"]["reasons"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", changed["data"]["changed_at"])

    for body in by_path["/personal"]:
        assert body["data"]["candidate"] == {
            "id": people["ids"]["candidate_a"],
            "name": name,
            "email": email,
        }
    changed = next(b for b in by_path["/personal"] if b["type"] == "candidate.status_changed")
    assert all(r["text"] for r in changed["data"]["reasons"])


def test_hr_sees_and_changes_the_choice_with_an_audit_entry(app, people):
    hr = app.test_client()
    support.sign_in(hr, people["emails"]["hr"])
    endpoint_id = register(hr, "https://ats.example.com/hooks")
    page = hr.get(f"/hr/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "Not sent: ids, codes and times only" in page
    edit = hr.get(f"/hr/webhooks/{endpoint_id}/edit").get_data(as_text=True)
    (box,) = re.findall(r'<input[^>]*id="personal_fields"[^>]*>', edit)
    assert 'aria-describedby="personal_fields-hint"' in box and "checked" not in box
    assert 'id="personal_fields-hint"' in edit and '<label for="personal_fields">' in edit

    saved = support.post_form(
        hr,
        f"/hr/webhooks/{endpoint_id}/edit",
        {
            "url": "https://ats.example.com/hooks",
            "description": "ATS",
            "event_types": ["question.asked"],
            "recruiter_id": "0",
            "personal_fields": "y",
        },
    )
    assert saved.status_code == 302
    page = hr.get(f"/hr/webhooks/{endpoint_id}").get_data(as_text=True).replace("&#39;", "'")
    assert f"Sent: {webhooks.PERSONAL_FIELDS}" in page
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "webhook.edited", AuditEntry.field == "personal_fields"
            )
        ).one()
        assert (entry.old_value, entry.new_value) == ("False", "True")
