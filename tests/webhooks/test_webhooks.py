"""Webhooks end to end against a real HTTP receiver on loopback (tests/webhook_receiver.py):
delivery from the outbox with retries, Standard Webhooks signatures checked with the
`standardwebhooks` library and by hand, 410 Gone, the three-day limit, back-off with jitter,
the address guard, leases; and HR's pages (register, secret shown once, validation, edit,
disable, rotate, the delivery log, redelivery, audit).

Processes (a worker killed with SIGKILL, deliverers running at once) are in
tests/webhooks/test_webhooks_worker.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.people.models import AuditEntry
from portal.webhooks import delivery as webhook_delivery
from portal.webhooks import http as webhook_http
from portal.webhooks import jobs as webhook_jobs
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)
from tests import support
from tests.webhook_receiver import Delivery, running_receiver

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_EVENTS = [str(event_type) for event_type in WebhookEventType]
TOLERANCE = 300  # seconds: the Standard Webhooks verifiers' default


@pytest.fixture
def receiver():
    with running_receiver() as server:
        yield server


@pytest.fixture
def app(make_app):
    """Receivers on 127.0.0.1 are allowed (only that address), answers within 3 seconds."""
    return make_app(
        WEBHOOKS_ALLOW_PRIVATE={"127.0.0.1"},
        WEBHOOK_TIMEOUT_SECONDS=3,
        WORKER_LEASE_SECONDS=30,
        PORTAL_CLOCK=T0,
    )


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


def add_endpoint(url: str, events=ALL_EVENTS, recruiter_id: int | None = None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        url=url,
        secret=webhooks.generate_secret(),
        event_types=list(events),
        recruiter_id=recruiter_id,
        created_at=T0,
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def publish_some(count: int, at: datetime = T0) -> list[WebhookMessage]:
    """`count` events of every type in turn, for every candidate (recruiter None)."""
    types = list(WebhookEventType)
    for number in range(count):
        webhooks.publish(
            types[number % len(types)],
            {"candidate_id": 100 + number, "number": number, "name": "Zoë"},
            recruiter_id=None,
            at=at,
        )
    db.session.commit()
    return list(db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)))


def pending_due() -> datetime | None:
    return db.session.scalar(
        select(func.min(WebhookMessage.next_attempt_at)).where(
            WebhookMessage.status == DeliveryStatus.PENDING
        )
    )


def drive(start: datetime = T0, max_passes: int = 200) -> list[datetime]:
    """deliver_due at `start`, then at each earliest next attempt, until nothing is pending.
    Returns the instants of the passes."""
    now, passes = start, []
    for _ in range(max_passes):
        webhook_jobs.deliver_due(now)
        passes.append(now)
        due = pending_due()
        if due is None:
            return passes
        now = max(now, due)
    pytest.fail(f"still pending after {max_passes} passes")


def verify_by_hand(secret: str, delivery: Delivery, body: bytes | None = None) -> bool:
    """The Standard Webhooks check written out: HMAC-SHA256 with the base64-decoded secret
    over "id.timestamp.body", base64, compared with each "v1," signature; the timestamp within
    five minutes of now."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    headers = delivery.headers
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + (delivery.body if body is None else body)
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (
            part.partition(",") for part in headers["webhook-signature"].split()
        )
    )


# --- Delivery, signatures, retries ----------------------------------------------------------


def test_every_event_arrives_signed_after_the_receiver_fails_the_first_ones(app_ctx, receiver):
    endpoint = add_endpoint(receiver.url("/hooks/portal?source=test"))
    secret = endpoint.secret
    messages = publish_some(5)
    bodies = {m.webhook_id: m.body.encode("utf-8") for m in messages}
    receiver.fail_first(7)

    passes = drive()

    deliveries = receiver.received()
    assert len(deliveries) == 5 + 7  # every failure was retried, every message arrived once
    assert {d.webhook_id for d in deliveries} == set(bodies)
    assert len(passes) > 2 and passes[-1] > T0  # retries waited for their back-off
    for delivery in deliveries:
        assert delivery.path == "/hooks/portal?source=test"
        assert delivery.body == bodies[delivery.webhook_id]  # every repeat: the same bytes
        assert delivery.headers["content-type"] == "application/json"
        assert delivery.headers["user-agent"].startswith("PreboardingPortal/")
        assert abs(int(delivery.headers["webhook-timestamp"]) - delivery.received_at) < 60
        parsed = Webhook(secret).verify(delivery.body, delivery.headers)
        assert parsed == json.loads(bodies[delivery.webhook_id])
        assert verify_by_hand(secret, delivery)
    first = next(d for d in deliveries if d.webhook_id == messages[0].webhook_id).json()
    assert first == {
        "type": "candidate.status_changed",
        "timestamp": "2026-03-02T09:00:00Z",
        "data": {"candidate_id": 100, "number": 0, "name": "Zoë"},
    }

    db.session.expire_all()
    rows = db.session.scalars(select(WebhookMessage)).all()
    assert {row.status for row in rows} == {DeliveryStatus.DELIVERED}
    assert sum(row.attempts for row in rows) == 12
    attempts = db.session.scalars(select(WebhookAttempt)).all()
    assert len(attempts) == 12
    failed = [a for a in attempts if not a.succeeded]
    assert len(failed) == 7
    assert {(a.status_code, a.error) for a in failed} == {
        (500, 'the receiver answered 500 Internal Server Error: {"status": 500}')
    }


def test_a_changed_body_a_stale_timestamp_or_another_secret_fail_verification(app_ctx, receiver):
    endpoint = add_endpoint(receiver.url())
    secret = endpoint.secret
    (message,) = publish_some(1)
    webhook_jobs.deliver_due(T0)
    (delivery,) = receiver.received()
    assert Webhook(secret).verify(delivery.body, delivery.headers)
    assert verify_by_hand(secret, delivery)

    changed = delivery.body.replace(b'"number":0', b'"number":1')
    assert changed != delivery.body
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(changed, delivery.headers)
    assert not verify_by_hand(secret, delivery, body=changed)

    other = webhooks.generate_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(delivery.body, delivery.headers)
    assert not verify_by_hand(other, delivery)

    # Signed correctly, but six minutes ago: a replay, refused by both verifiers.
    stale_headers = webhook_http.signed_headers(
        secret,
        message.webhook_id,
        message.body,
        at=utcnow() - timedelta(minutes=6),
        agent="test",
    )
    stale = Delivery(
        delivery.path, {k.lower(): v for k, v in stale_headers.items()}, delivery.body, 0
    )
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(stale.body, stale.headers)
    assert not verify_by_hand(secret, stale)
    # The same signature made now passes: only the age made the difference.
    fresh_headers = webhook_http.signed_headers(
        secret, message.webhook_id, message.body, at=utcnow(), agent="test"
    )
    assert fresh_headers["webhook-signature"] != stale_headers["webhook-signature"]
    assert Webhook(secret).verify(delivery.body, fresh_headers)


def test_secrets_are_standard_webhooks_secrets_of_at_least_24_random_bytes():
    secrets = {webhooks.generate_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24


def test_410_gone_disables_the_endpoint_and_fails_its_waiting_messages(app_ctx, receiver):
    endpoint = add_endpoint(receiver.url())
    other = add_endpoint(receiver.url("/other"), events=["question.asked"])
    publish_some(3)  # 3 for `endpoint`, 1 (question.asked) for `other`
    receiver.answer(410)

    sent = webhook_jobs.deliver_pass(T0, limit=1)

    assert (sent.sent, sent.delivered) == (1, 0)
    assert len(receiver.received()) == 1
    db.session.expire_all()
    gone = db.session.get(WebhookEndpoint, endpoint.id)
    assert T0 <= gone.disabled_at < T0 + timedelta(seconds=5)
    assert gone.disabled_reason == "the receiver answered 410 Gone"
    statuses = dict(
        db.session.execute(
            select(WebhookMessage.id, WebhookMessage.status).where(
                WebhookMessage.endpoint_id == endpoint.id
            )
        ).all()
    )
    assert sorted(statuses.values()) == [DeliveryStatus.FAILED] * 3
    errors = db.session.scalars(
        select(WebhookMessage.last_error).where(WebhookMessage.endpoint_id == endpoint.id)
    ).all()
    assert sorted(errors) == [
        "not sent: the endpoint was disabled when its receiver answered 410 Gone",
        "not sent: the endpoint was disabled when its receiver answered 410 Gone",
        'the receiver answered 410 Gone: {"status": 410}',
    ]
    # The other endpoint is untouched; nothing more goes to the one that is gone.
    assert db.session.get(WebhookEndpoint, other.id).is_enabled
    receiver.answer(200)
    assert webhook_jobs.deliver_due(T0 + timedelta(hours=1)) == 1
    assert {d.path for d in receiver.received()[1:]} == {"/other"}
    publish_some(1, at=T0 + timedelta(hours=2))
    assert (
        db.session.scalar(
            select(func.count()).where(
                WebhookMessage.endpoint_id == endpoint.id,
                WebhookMessage.status == DeliveryStatus.PENDING,
            )
        )
        == 0
    )
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "webhook.disabled")
    ).all()
    assert entry.actor_id is None and entry.new_value == "the receiver answered 410 Gone"


def test_retries_back_off_and_stop_after_three_days(app_ctx, receiver):
    add_endpoint(receiver.url())
    (message,) = publish_some(1)
    receiver.answer(503)

    passes = drive()

    db.session.expire_all()
    message = db.session.get(WebhookMessage, message.id)
    attempts = db.session.scalars(
        select(WebhookAttempt).order_by(WebhookAttempt.attempted_at)
    ).all()
    assert message.status == DeliveryStatus.FAILED
    assert message.attempts == len(attempts) == len(receiver.received()) == len(passes)
    assert "no more retries: the message is 72 hours old" in message.last_error
    assert message.last_error.startswith("the receiver answered 503 Service Unavailable")
    times = [a.attempted_at for a in attempts]
    assert times[0] - T0 < timedelta(seconds=1)
    # The last try is at the three days' end, not after it.
    assert timedelta(hours=72) <= times[-1] - T0 < timedelta(hours=72, seconds=1)
    gaps = [later - earlier for earlier, later in zip(times, times[1:-1], strict=False)]
    assert all(timedelta(seconds=30) <= gap <= timedelta(hours=6, seconds=1) for gap in gaps)
    # About 33 on average (waits average 3 hours once capped); far from both ends of chance.
    assert 15 <= len(attempts) <= 60, len(attempts)
    # Nothing more happens to a failed message.
    assert webhook_jobs.deliver_due(T0 + timedelta(days=10)) == 0


def test_backoff_grows_exponentially_within_its_jitter_bounds():
    rng = random.Random(5)
    base = 30.0
    highest_seen = []
    for attempts in range(1, 14):
        ceiling = min(6 * 3600, base * 2**attempts)
        waits = [webhook_delivery.backoff(attempts, base, rng).total_seconds() for _ in range(300)]
        assert all(base <= wait <= ceiling for wait in waits), attempts
        assert max(waits) > base + 0.8 * (ceiling - base)  # the whole range is used: jitter
        assert len({round(wait, 3) for wait in waits}) > 250
        highest_seen.append(max(waits))
    assert highest_seen[:9] == sorted(highest_seen[:9])  # grows until the 6 hour cap
    assert max(highest_seen) <= 6 * 3600


# --- Failures with a clear error -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (
            "RECEIVER",
            "127.0.0.1 points to this server itself (a loopback address) (127.0.0.1), "
            "which is not allowed",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 points to a link-local address (169.254.169.254), "
            "which is not allowed",
        ),
        ("http://localhost:9/hooks", "localhost points to this server itself"),
        ("http://10.0.0.8/hooks", "10.0.0.8 points to a private address (10.0.0.8)"),
    ],
)
def test_private_addresses_are_refused_without_the_allow_config(make_app, receiver, url, words):
    app = make_app(PORTAL_CLOCK=T0)  # production's setting: nothing private allowed
    with app.app_context():
        add_endpoint(receiver.url() if url == "RECEIVER" else url)
        (message,) = publish_some(1)
        summary = webhook_jobs.deliver_pass(T0)
        assert (summary.sent, summary.delivered) == (1, 0)
        db.session.expire_all()
        (attempt,) = db.session.scalars(select(WebhookAttempt)).all()
        assert words in attempt.error
        assert attempt.status_code is None and not attempt.succeeded
        message = db.session.get(WebhookMessage, message.id)
        assert message.status == DeliveryStatus.PENDING  # retried later, like any failure
        assert message.next_attempt_at > T0
        assert words in message.last_error
    assert receiver.received() == []  # refused before connecting


def test_redirects_are_not_followed_and_slow_or_absent_receivers_fail_clearly(make_app, receiver):
    app = make_app(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT_SECONDS=1, PORTAL_CLOCK=T0)
    with app.app_context():
        moved = add_endpoint(receiver.url("/old"))
        publish_some(1)
        receiver.answer(308, {"Location": receiver.url("/new")})
        webhook_jobs.deliver_due(T0)
        assert [d.path for d in receiver.received()] == ["/old"]
        error = db.session.scalar(select(WebhookAttempt.error))
        assert error == (
            "the receiver answered 308 Permanent Redirect; redirects are not followed "
            "(register the new address instead)"
        )
        moved.disabled_at = T0
        db.session.commit()

        add_endpoint(receiver.url("/slow"))
        receiver.answer(200)
        receiver.slow(3)
        publish_some(1)
        started = time.monotonic()
        webhook_jobs.deliver_due(T0)
        assert time.monotonic() - started < 2.5  # the 1 second deadline, not the receiver
        errors = db.session.scalars(
            select(WebhookAttempt.error).order_by(WebhookAttempt.id.desc())
        ).first()
        assert errors == "the receiver did not answer within 1 second"

        port = support.free_port()
        for each in db.session.scalars(select(WebhookEndpoint)):
            each.disabled_at = T0
        add_endpoint(f"http://127.0.0.1:{port}/hooks")
        publish_some(1)
        webhook_jobs.deliver_due(T0)
        error = db.session.scalars(
            select(WebhookAttempt.error).order_by(WebhookAttempt.id.desc())
        ).first()
        assert error == f"127.0.0.1 refused the connection on port {port}"


def test_the_lease_hides_a_claimed_message_until_it_runs_out_then_it_goes_again(app_ctx, receiver):
    """A worker that claimed and died (nothing sent, nothing recorded): no other worker takes
    the message while the lease holds; afterwards it is sent with the same webhook-id."""
    add_endpoint(receiver.url())
    (message,) = publish_some(1)
    lease = 30
    (claimed,) = webhook_delivery.claim_due(T0, 10, lease)
    db.session.commit()  # the claim is committed at once, as the job runner does ...
    assert claimed.webhook_id == message.webhook_id  # ... and the worker dies here
    assert webhook_delivery.claim_due(T0, 10, lease) == []
    db.session.commit()
    assert webhook_jobs.deliver_due(T0 + timedelta(seconds=lease - 1)) == 0
    assert receiver.received() == []

    assert webhook_jobs.deliver_due(T0 + timedelta(seconds=lease)) == 1
    (delivery,) = receiver.received()
    assert delivery.webhook_id == message.webhook_id
    assert delivery.body == message.body.encode()

    # The dead worker's late report (its lease was taken over) cannot undo the delivery.
    late = webhook_delivery.Sent(claimed, webhook_http.SendResult(500, "late failure", 3), 0)
    webhook_delivery.record(late, T0 + timedelta(seconds=lease + 5), webhook_delivery.settings())
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(WebhookMessage, message.id)
    assert row.status == DeliveryStatus.DELIVERED and row.last_error is None
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 2


def test_a_lease_shorter_than_the_timeout_is_refused(make_app):
    app = make_app(WORKER_LEASE_SECONDS=5, WEBHOOK_TIMEOUT_SECONDS=10)
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 1
    assert "WORKER_LEASE_SECONDS (5) must be longer than WEBHOOK_TIMEOUT_SECONDS (10)" in (
        result.output
    )


def test_the_deliver_command_sends_what_is_due(app, receiver):
    with app.app_context():
        add_endpoint(receiver.url())
        publish_some(3)
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "3 webhook message(s) sent: 3 delivered, 0 failed"
    assert len(receiver.received()) == 3
    again = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert again.output.strip() == "0 webhook message(s) sent: 0 delivered, 0 failed"


# --- HR's pages ----------------------------------------------------------------------------


def hr_client(app, people):
    client = app.test_client()
    assert support.sign_in(client, people["emails"]["hr"]).status_code == 302
    return client


def register(client, **fields):
    data = {
        "url": "https://ats.example.com/hooks/portal",
        "description": "ATS",
        "event_types": ["candidate.status_changed", "question.asked"],
        "recruiter_id": "0",
    }
    data.update(fields)
    return support.post_form(client, "/hr/webhooks/new", data)


class Sent(NamedTuple):
    """What a test keeps of a message once its session is gone."""

    id: int
    webhook_id: str
    body: str


SECRET_ON_PAGE = re.compile(r'id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<')


def test_hr_registers_an_endpoint_and_sees_its_secret_once(app, people):
    client = hr_client(app, people)
    assert client.get("/hr/webhooks").status_code == 200

    response = register(client, recruiter_id=str(people["ids"]["recruiter_a"]))

    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.fullmatch(r"/hr/webhooks/\d+", location)
    page = client.get(location).get_data(as_text=True)
    found = SECRET_ON_PAGE.search(page)
    assert found, "the secret is not on the page after registering"
    secret = found.group(1)
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24
    assert "it is not shown again" in page
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.secret == secret
        assert endpoint.url == "https://ats.example.com/hooks/portal"
        assert endpoint.event_types == ["candidate.status_changed", "question.asked"]
        assert endpoint.recruiter_id == people["ids"]["recruiter_a"]
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "webhook.created")
        ).one()
        assert entry.actor_id == people["ids"]["hr"]
        assert secret not in f"{entry.old_value} {entry.new_value} {entry.subject}"
    again = client.get(location).get_data(as_text=True)
    assert secret not in again and "webhook-secret" not in again
    listing = client.get("/hr/webhooks").get_data(as_text=True)
    assert "https://ats.example.com/hooks/portal" in listing
    # The scope as the reader sees it (a translated text keeps its apostrophe unescaped).
    assert "Rita Recruiter's candidates" in html.unescape(listing)
    assert secret not in listing
    assert secret not in client.get("/hr/audit").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"url": ""}, "url", "Enter the address that receives the events."),
        ({"url": "ftp://files.example.com/x"}, "url", "Enter an address that starts with"),
        ({"url": "https://user:pw@example.com/"}, "url", "contains a user name or password"),
        (
            {"url": "http://169.254.169.254/latest/"},
            "url",
            "169.254.169.254 points to a link-local address (169.254.169.254), which is not "
            "allowed.",
        ),
        ({"event_types": []}, "event_types", "Choose at least one event to send."),
        ({"event_types": ["user.deleted"]}, "event_types", "Choose event types from the list."),
        ({"recruiter_id": "CANDIDATE"}, "recruiter_id", "Choose an active recruiter"),
        ({"description": "x" * 201}, "description", "under 200 characters"),
    ],
)
def test_registration_errors_are_shown_beside_their_field(app, people, fields, field_id, message):
    client = hr_client(app, people)
    if fields.get("recruiter_id") == "CANDIDATE":
        fields = {"recruiter_id": str(people["ids"]["candidate_a"])}
    response = register(client, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error-message" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert error, f"no error beside {field_id}"
    assert message in error.group(1).replace("&#39;", "'")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_an_empty_form_shows_every_problem_at_once(app, people):
    client = hr_client(app, people)
    response = support.post_form(client, "/hr/webhooks/new", {"recruiter_id": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please correct the fields marked below." in page
    assert 'id="url-error"' in page and 'id="event_types-error"' in page
    assert 'aria-describedby="event_types-error"' in page


def test_editing_never_widens_the_scope_of_a_deactivated_recruiters_endpoint(app, people):
    from portal.people.models import User

    client = hr_client(app, people)
    recruiter_b = people["ids"]["recruiter_b"]
    location = register(client, recruiter_id=str(recruiter_b)).headers["Location"]
    with app.app_context():
        db.session.get(User, recruiter_b).is_active = False
        db.session.commit()
    form = client.get(f"{location}/edit").get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{recruiter_b}">Bob Recruiter&#39;s candidates \(deactivated\)',
        form,
    ), form
    response = support.post_form(
        client,
        f"{location}/edit",
        {
            "url": "https://ats.example.com/hooks/portal",
            "description": "ATS",
            "event_types": ["question.asked"],
            "recruiter_id": str(recruiter_b),  # as the form shows it
        },
    )
    assert response.status_code == 422
    assert "Choose an active recruiter, or all candidates." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint.recruiter_id)).one() == recruiter_b


def test_hr_edits_disables_enables_and_rotates_with_audit_entries(app, people, receiver):
    client = hr_client(app, people)
    location = register(client).headers["Location"]
    first_secret = SECRET_ON_PAGE.search(client.get(location).get_data(as_text=True)).group(1)

    edited = support.post_form(
        client,
        f"{location}/edit",
        {
            "url": "https://ats.example.com/hooks/v2",
            "description": "ATS, version 2",
            "event_types": ["pulse.answered"],
            "recruiter_id": "0",
        },
    )
    assert edited.status_code == 302 and edited.headers["Location"] == location
    assert "Changes saved." in client.get(location).get_data(as_text=True)

    for action in ("disable", "enable", "rotate"):
        answer = support.post_form(
            client, f"{location}/{action}", {"confirmed": "1"}, form_url=location
        )
        assert answer.status_code == 302 and answer.headers["Location"] == location
        page = client.get(location).get_data(as_text=True)
        if action == "rotate":
            new_secret = SECRET_ON_PAGE.search(page).group(1)
            assert new_secret != first_secret
            assert "webhook-secret" not in client.get(location).get_data(as_text=True)
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.url == "https://ats.example.com/hooks/v2"
        assert endpoint.event_types == ["pulse.answered"]
        assert endpoint.is_enabled and endpoint.secret == new_secret
        entries = db.session.execute(
            select(AuditEntry.action, AuditEntry.field)
            .where(AuditEntry.action.startswith("webhook."))
            .order_by(AuditEntry.id)
        ).all()
        assert [tuple(entry) for entry in entries] == [
            ("webhook.created", None),
            ("webhook.edited", "url"),
            ("webhook.edited", "description"),
            ("webhook.edited", "event_types"),
            ("webhook.disabled", "reason"),
            ("webhook.enabled", "reason"),
            ("webhook.secret_rotated", None),
        ]
        texts = db.session.scalars(select(AuditEntry.new_value)).all()
        assert not any(t and (first_secret in t or new_secret in t) for t in texts)


def test_the_delivery_log_shows_attempts_and_hr_redelivers_with_the_same_id(app, people, receiver):
    client = hr_client(app, people)
    with app.app_context():
        endpoint = add_endpoint(receiver.url())
        endpoint_id, secret = endpoint.id, endpoint.secret
        receiver.fail_first(2)
        messages = [Sent(m.id, m.webhook_id, m.body) for m in publish_some(2)]
        drive()
        delivered = messages[0]
    page = client.get(f"/hr/webhooks/{endpoint_id}").get_data(as_text=True)
    for message in messages:
        assert message.webhook_id in page
    assert page.count("Delivered</span>") >= 2
    assert "500" in page and "the receiver answered 500 Internal Server Error" in page
    assert "200 OK" in page and " ms" in page

    response = support.post_form(
        client,
        f"/hr/webhooks/{endpoint_id}/messages/{delivered.id}/redeliver",
        {},
        form_url=f"/hr/webhooks/{endpoint_id}",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/hr/webhooks/{endpoint_id}#message-{delivered.id}"
    before = len(receiver.received())
    with app.app_context():
        row = db.session.get(WebhookMessage, delivered.id)
        assert row.status == DeliveryStatus.PENDING
        assert webhook_jobs.deliver_due(T0 + timedelta(days=1)) == 1
    again = receiver.received()[before:]
    assert [d.webhook_id for d in again] == [delivered.webhook_id]
    assert again[0].body == delivered.body.encode()
    assert Webhook(secret).verify(again[0].body, again[0].headers)
    # A pending message cannot be redelivered: it is already waiting.
    with app.app_context():
        db.session.get(WebhookMessage, delivered.id).status = DeliveryStatus.PENDING
        db.session.commit()
    refused = support.post_form(
        client,
        f"/hr/webhooks/{endpoint_id}/messages/{delivered.id}/redeliver",
        {},
        form_url=f"/hr/webhooks/{endpoint_id}",
    )
    assert refused.status_code == 302
    assert "already waiting" in client.get(f"/hr/webhooks/{endpoint_id}").get_data(as_text=True)
    with app.app_context():
        (entry,) = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "webhook.redelivered")
        ).all()
        assert entry.field == delivered.webhook_id and entry.actor_id == people["ids"]["hr"]


def test_a_test_event_is_queued_and_delivered(app, people, receiver):
    client = hr_client(app, people)
    with app.app_context():
        endpoint_id = add_endpoint(receiver.url()).id
    response = support.post_form(
        client, f"/hr/webhooks/{endpoint_id}/test", {}, form_url=f"/hr/webhooks/{endpoint_id}"
    )
    assert response.status_code == 302
    with app.app_context():
        assert webhook_jobs.deliver_due(T0) == 1
    (delivery,) = receiver.received()
    assert delivery.json()["type"] == "webhook.test"
    # Ids only: who sent it goes by name only to an endpoint opted into personal fields.
    assert delivery.json()["data"] == {"endpoint_id": endpoint_id}
    with app.app_context():
        db.session.get(WebhookEndpoint, endpoint_id).personal_fields = True
        db.session.commit()
    support.post_form(
        client, f"/hr/webhooks/{endpoint_id}/test", {}, form_url=f"/hr/webhooks/{endpoint_id}"
    )
    with app.app_context():
        assert webhook_jobs.deliver_due(T0) == 1
    assert receiver.received()[1].json()["data"] == {
        "endpoint_id": endpoint_id,
        "sent_by": "Helen HR",
    }


def test_the_delivery_log_takes_a_constant_number_of_queries(app, people, receiver):
    client = hr_client(app, people)
    with app.app_context():
        endpoint = add_endpoint(receiver.url())
        endpoint_id = endpoint.id
        publish_some(1)
        webhook_jobs.deliver_due(T0)
    path = f"/hr/webhooks/{endpoint_id}"
    one = support.count_queries(app, client, path)
    listing_one = support.count_queries(app, client, "/hr/webhooks")
    with app.app_context():
        receiver.fail_first(60)
        publish_some(30)
        now = T0
        for _ in range(3):
            webhook_jobs.deliver_due(now)
            now += timedelta(days=1)
        add_endpoint(receiver.url("/second"))
        assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) > 60
    statements, page = support.run_counted(app, client, path)
    assert len(statements) == one, statements
    assert page.count('class="webhook-attempts"') == 31  # all 31 on one page of 50
    assert 'rel="next"' not in page
    assert support.count_queries(app, client, f"{path}?status=delivered") == one
    assert support.count_queries(app, client, "/hr/webhooks") == listing_one
    assert client.get(f"{path}?before=99999999999999999999").status_code == 200


def test_recruiters_and_candidates_get_404_on_every_webhook_page(app, people, receiver):
    with app.app_context():
        endpoint = add_endpoint(receiver.url())
        publish_some(1)
        paths = [
            "/hr/webhooks",
            "/hr/webhooks/new",
            f"/hr/webhooks/{endpoint.id}",
            f"/hr/webhooks/{endpoint.id}/edit",
        ]
    for persona in ("recruiter_a", "candidate_a"):
        client = app.test_client()
        support.sign_in(client, people["emails"][persona])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, (persona, path)
            assert receiver.url() not in response.get_data(as_text=True)


# --- In a real browser: axe-core and the Nu HTML checker on pages with data ----------------------


@pytest.mark.browser
def test_webhook_pages_with_a_secret_and_a_log_pass_axe_and_the_html_checker(
    make_app, browser, receiver, tmp_path
):
    from playwright.sync_api import expect

    from portal.demo import load as demo
    from tests import browser as tools

    tools.require_axe()
    app = make_app(WEBHOOKS_ALLOW_PRIVATE={"127.0.0.1"}, WEBHOOK_TIMEOUT_SECONDS=3)
    server = tools.start_live_server(app)
    context = browser.new_context(base_url=server.url, bypass_csp=True, locale="en-GB")
    try:
        with app.app_context():
            endpoint_id = add_endpoint(receiver.url(), events=ALL_EVENTS[:3]).id
            gone = add_endpoint("https://chat.example.com/hooks", events=["question.asked"])
            gone.disabled_at, gone.disabled_reason = utcnow(), "the receiver answered 410 Gone"
            receiver.fail_first(3)
            publish_some(4, at=utcnow())
            drive(start=utcnow())
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Email").fill(demo.HR_EMAIL)
        page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()

        page.get_by_role("link", name="Webhooks").click()
        page.get_by_role("link", name="Register an endpoint").click()
        page.get_by_label("Address (URL)").fill("https://ats.example.com/hooks/portal")
        page.get_by_label("A candidate asked a question").check()
        page.get_by_label("Whose candidates").select_option(label="All candidates")
        page.get_by_label("Also send personal details").check()
        page.get_by_role("button", name="Register endpoint").click()
        expect(page.get_by_role("heading", name="Signing secret")).to_be_visible()
        expect(page.locator("#webhook-secret")).to_have_text(re.compile(r"^whsec_"))
        expect(page.get_by_text("Sent: the candidate's name and email address")).to_be_visible()
        screens = {"secret": page.url}
        screens["log"] = f"{server.url}/hr/webhooks/{endpoint_id}"
        screens["list"] = f"{server.url}/hr/webhooks"
        for name, url in screens.items():
            if name != "secret":
                page.goto(url)
            if name == "log":
                page.locator("details.webhook-attempts summary").first.click()
                expect(page.locator("details.webhook-attempts[open] li").first).to_be_visible()
            violations = tools.run_axe(page)
            assert not violations, f"{name}: {tools.describe_violations(violations)}"
            page.set_viewport_size({"width": 375, "height": 812})
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{name} scrolls sideways at 375px: {width}px"
            page.set_viewport_size({"width": 1280, "height": 800})
    finally:
        context.close()
        server.stop()

    client = app.test_client()
    assert support.sign_in(client, demo.HR_EMAIL, demo.DEMO_PASSWORD).status_code == 302
    created = register(client, url="https://second.example.com/hooks")
    documents = {
        "webhook-secret": client.get(created.headers["Location"]).get_data(as_text=True),
        "webhook-log": client.get(f"/hr/webhooks/{endpoint_id}").get_data(as_text=True),
        "webhook-list": client.get("/hr/webhooks").get_data(as_text=True),
        "webhook-edit": client.get(f"/hr/webhooks/{endpoint_id}/edit").get_data(as_text=True),
        "webhook-errors": register(client, url="", event_types=[]).get_data(as_text=True),
    }
    assert "webhook-secret" in documents["webhook-secret"]
    report = tools.validate_html(documents, tmp_path)
    assert not report.errors, f"Nu HTML checker errors:\n{report.errors_text()}"
