"""Retention keeps to the periods /what-we-record states, because both read one policy: change a
setting and the page and the job change together. (Every table: test_retention_every_table.)"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement import retention
from portal.people.models import Role, User
from portal.webhooks import outbox as webhooks
from portal.webhooks.delivery import CannotRedeliver, redeliver
from portal.webhooks.models import DeliveryStatus, WebhookEndpoint, WebhookMessage
from portal.worker.loop import JOBS, Worker
from tests import support

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
PERIODS = {
    "ENGAGEMENT_KEEP_DAYS_AFTER_JOINING": 30,
    "CANDIDATE_KEEP_DAYS_AFTER_CLOSING": 10,
    "WEBHOOK_BODY_KEEP_DAYS": 5,
}


def page_text(client) -> str:
    page = client.get("/what-we-record").get_data(as_text=True)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def candidate(email: str, recruiter: User, *, joined_days_ago: int = -20) -> User:
    person = support.make_candidate(email, recruiter, joins_in=400)
    person.profile.joining_date = (NOW - timedelta(days=joined_days_ago)).date()
    db.session.commit()
    return person


def run_retention(app) -> str | None:
    (outcome,) = Worker(app, tuple(job for job in JOBS if job.name == "retention")).run_pass()
    assert outcome.error is None
    return outcome.summary


def test_the_page_states_the_periods_the_job_keeps(make_app):
    default = make_app(PORTAL_CLOCK=NOW)
    text = page_text(default.test_client())
    assert "Until 90 days after your first day, or 90 days after your account is closed" in text
    assert "erases what each message said 14 days after it was delivered" in text

    app = make_app(PORTAL_CLOCK=NOW, **PERIODS)
    text = page_text(app.test_client())
    assert "Until 30 days after your first day, or 10 days after your account is closed" in text
    assert "erases what each message said 5 days after it was delivered" in text
    with app.app_context():
        policy = retention.policy()
        assert (policy.days_after_joining, policy.days_after_closing) == (30, 10)
        for kind in policy.deleted + policy.anonymised:
            assert kind.words in text
        recruiter = support.make_staff(Role.RECRUITER, "rita@example.com")
        joined_long_ago = candidate("old@example.com", recruiter, joined_days_ago=31)
        joined_lately = candidate("recent@example.com", recruiter, joined_days_ago=29)
        closed_long_ago = candidate("gone@example.com", recruiter)
        closed_lately = candidate("going@example.com", recruiter)
        for person, days in ((closed_long_ago, 11), (closed_lately, 9)):
            person.is_active = False
            person.deactivated_at = NOW - timedelta(days=days)
        db.session.commit()
        ids = [p.id for p in (joined_long_ago, joined_lately, closed_long_ago, closed_lately)]
        db.session.remove()

    assert (run_retention(app) or "").startswith("2 departed candidate(s) forgotten")

    with app.app_context():
        left = set(db.session.scalars(select(User.email).where(User.id.in_(ids))))
        assert left == {"recent@example.com", "going@example.com"}


def test_webhook_bodies_are_erased_after_the_stated_days_and_cannot_be_redelivered(make_app):
    app = make_app(PORTAL_CLOCK=NOW, **PERIODS)
    with app.app_context():
        endpoint = WebhookEndpoint(
            url="https://ats.example.com/hooks",
            secret=webhooks.generate_secret(),
            event_types=["question.asked"],
        )
        db.session.add(endpoint)
        db.session.flush()

        def message(name: str, status: str, delivered_days_ago: int | None, created_days_ago: int):
            row = WebhookMessage(
                endpoint_id=endpoint.id,
                webhook_id=f"msg_{name}",
                event_type="question.asked",
                body='{"data":{"candidate":{"id":7}}}',
                status=status,
                created_at=NOW - timedelta(days=created_days_ago),
                delivered_at=None
                if delivered_days_ago is None
                else NOW - timedelta(days=delivered_days_ago),
            )
            db.session.add(row)

        message("old", DeliveryStatus.DELIVERED, 6, 6)
        message("recent", DeliveryStatus.DELIVERED, 4, 6)
        message("failed_old", DeliveryStatus.FAILED, None, 6)
        message("waiting", DeliveryStatus.PENDING, None, 6)
        db.session.commit()
        db.session.remove()

    assert run_retention(app) == "2 webhook body(ies) erased"

    with app.app_context():
        rows = {m.webhook_id: m for m in db.session.scalars(select(WebhookMessage))}
        erased = {key for key, m in rows.items() if m.body == "" and m.erased_at == NOW}
        assert erased == {"msg_old", "msg_failed_old"}
        assert rows["msg_recent"].body and rows["msg_waiting"].body
        try:
            redeliver(None, rows["msg_old"])
        except CannotRedeliver as refused:
            assert "erased" in str(refused) and "cannot be sent again" in str(refused)
        else:
            raise AssertionError("an erased message was queued again")
        redeliver(None, rows["msg_recent"])
        assert rows["msg_recent"].status == DeliveryStatus.PENDING


def test_the_page_says_how_many_connected_systems_get_personal_fields(app_ctx, client):
    assert "none does at the moment" in page_text(client)
    for personal in (True, True, False):
        db.session.add(
            WebhookEndpoint(
                url="https://ats.example.com/hooks",
                secret=webhooks.generate_secret(),
                event_types=["question.asked"],
                personal_fields=personal,
            )
        )
    db.session.commit()
    text = page_text(client)
    assert f"also get {webhooks.PERSONAL_FIELDS}: 2 systems do at the moment" in text
    assert webhooks.ALWAYS_SENT in text
