"""Delivering the webhook outbox: claim what is due, send it signed, record what happened.

Three steps, which only flush: `portal.webhooks.jobs` runs them and commits each at once, so no
transaction is ever held open while the network is used:

1. Claim (`claim_due`), in one short transaction: the due messages (pending, next attempt
   reached, endpoint enabled) get their next attempt pushed past a lease (WORKER_LEASE_SECONDS),
   which hides them from every other worker. PostgreSQL locks them with FOR UPDATE SKIP LOCKED;
   on SQLite the transaction already began with BEGIN IMMEDIATE (portal.database), so claims
   are serialised.
2. Send (`send_all`), outside any transaction, a few at once (webhook_http.post): Standard
   Webhooks headers, the address guard of feed fetching, no redirects, WEBHOOK_TIMEOUT_SECONDS
   for the exchange. A send starts only while the lease still covers it, so no other worker can
   take the message over in the middle of it.
3. Record (`record`) each outcome in its own transaction: an attempt row; delivered on 2xx;
   otherwise a retry after an exponential back-off with jitter, until the message is
   WEBHOOK_RETRY_HOURS old (then failed); 410 Gone disables the endpoint and fails its waiting
   messages.

A worker killed between 1 and 3 loses nothing: the message is still pending and is claimed
again once its lease has run out, and re-sent with the same webhook-id and body, so receivers
can drop the duplicate. The lease end doubles as a fencing token: an outcome only moves the
message on if the message still carries the lease this worker took (a success always counts).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.core import clock
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.core.http import ssrf
from portal.core.http.ssrf import AllowPrivate
from portal.core.i18n import N_, _
from portal.people import audit
from portal.people.models import User
from portal.webhooks import http as webhook_http
from portal.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage

log = logging.getLogger(__name__)

SENDERS = 8  # messages sent at once by one worker
MAX_BACKOFF = timedelta(hours=6)
# Recorded in English, as every delivery's outcome is (the endpoint page translates the reason).
GONE_REASON = N_("the receiver answered 410 Gone")
GONE_ERROR = "not sent: the endpoint was disabled when its receiver answered 410 Gone"

_random = random.SystemRandom()


class CannotRedeliver(Exception):
    """Why a message cannot be sent again, in words for HR."""


@dataclass(frozen=True)
class Settings:
    timeout: float  # seconds for one whole exchange
    lease: float  # seconds a claim hides a message from other workers
    retry_window: timedelta
    base_seconds: float
    allow_private: AllowPrivate
    user_agent: str


def allow_private() -> AllowPrivate:
    """Which private addresses receivers may live on: WEBHOOKS_ALLOW_PRIVATE in the app's config
    (True, or host names and addresses, e.g. {"127.0.0.1"} for tests). Production leaves it
    unset, and every private, loopback or link-local address is refused."""
    return ssrf.allow_private_setting(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def settings() -> Settings:
    """The delivery settings from the app's config, checked."""
    config = current_app.config
    timeout = float(config["WEBHOOK_TIMEOUT_SECONDS"])
    lease = float(config["WORKER_LEASE_SECONDS"])
    if not 0 < timeout < lease:
        raise RuntimeError(
            f"WORKER_LEASE_SECONDS ({lease:g}) must be longer than WEBHOOK_TIMEOUT_SECONDS "
            f"({timeout:g}), itself above zero: a claimed message must be sent and recorded "
            "before its lease runs out."
        )
    return Settings(
        timeout=timeout,
        lease=lease,
        retry_window=timedelta(hours=float(config["WEBHOOK_RETRY_HOURS"])),
        base_seconds=float(config["WEBHOOK_RETRY_BASE_SECONDS"]),
        allow_private=allow_private(),
        user_agent=webhook_http.user_agent(config.get("BASE_URL", "")),
    )


def backoff(attempts: int, base_seconds: float, rng: random.Random | None = None) -> timedelta:
    """The wait after the `attempts`-th failed attempt: full jitter, uniformly anywhere between
    the base and base * 2**attempts, that ceiling capped at MAX_BACKOFF. So retries of messages
    that failed together spread out instead of arriving together, and the waits grow."""
    ceiling = min(MAX_BACKOFF.total_seconds(), base_seconds * 2 ** min(max(attempts, 1), 40))
    floor = min(base_seconds, ceiling)
    return timedelta(seconds=(rng or _random).uniform(floor, ceiling))


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds until `lease_until`, with what sending it needs."""

    message_id: int
    webhook_id: str
    body: str
    url: str
    secret: str
    lease_until: datetime


def claim_due(now: datetime, limit: int, lease_seconds: float) -> list[Claimed]:
    """Take up to `limit` due messages for this worker. The caller commits at once, before
    sending anything: the committed lease is what hides them from every other worker."""
    query = (
        select(
            WebhookMessage.id,
            WebhookMessage.webhook_id,
            WebhookMessage.body,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookMessage.endpoint_id)
        .where(
            WebhookMessage.status == DeliveryStatus.PENDING,
            WebhookMessage.next_attempt_at <= now,
            WebhookEndpoint.disabled_at.is_(None),
        )
        .order_by(WebhookMessage.next_attempt_at, WebhookMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=WebhookMessage)
    rows = db.session.execute(query).all()
    lease_until = now + timedelta(seconds=lease_seconds)
    if rows:
        db.session.execute(
            update(WebhookMessage)
            .where(WebhookMessage.id.in_([row.id for row in rows]))
            .values(next_attempt_at=lease_until)
            .execution_options(synchronize_session=False)
        )
    return [
        Claimed(row.id, row.webhook_id, row.body, row.url, row.secret, lease_until) for row in rows
    ]


@dataclass(frozen=True)
class Sent:
    """How sending one claimed message went."""

    claimed: Claimed
    result: webhook_http.SendResult | None  # None: not sent, the lease would have run out
    offset: float  # seconds after the claim that the send started


def send_all(claimed: list[Claimed], options: Settings) -> Iterator[Sent]:
    """Send the messages just claimed (and committed), SENDERS at a time, yielding each as soon
    as it is back, while the others are still out, so its outcome is recorded at once. Touches
    no database."""
    if not claimed:
        return
    claimed_at = time.monotonic()
    with ThreadPoolExecutor(min(SENDERS, len(claimed)), thread_name_prefix="webhook") as pool:
        futures = [pool.submit(_send, item, options, claimed_at) for item in claimed]
        for future in as_completed(futures):
            yield future.result()


def _send(claimed: Claimed, options: Settings, claimed_at: float) -> Sent:
    offset = time.monotonic() - claimed_at
    if offset + options.timeout >= options.lease:
        return Sent(claimed, None, offset)
    try:
        headers = webhook_http.signed_headers(
            claimed.secret,
            claimed.webhook_id,
            claimed.body,
            at=utcnow(),  # the real clock: receivers check the timestamp against theirs
            agent=options.user_agent,
        )
    except Exception:
        log.exception("Signing webhook message %s failed", claimed.message_id)
        unsigned = "the message could not be signed: the endpoint's secret is not valid"
        return Sent(claimed, webhook_http.SendResult(None, unsigned, 0), offset)
    result = webhook_http.post(
        claimed.url,
        claimed.body,
        headers,
        timeout=options.timeout,
        allow_private=options.allow_private,
    )
    return Sent(claimed, result, offset)


@dataclass(frozen=True)
class PassSummary:
    """What one pass did: messages claimed, sent (the rest waited for a fresh lease), and how
    the sent ones went."""

    claimed: int = 0
    sent: int = 0
    delivered: int = 0
    # Why each sent message that was not delivered failed: "<receiver url>: <reason>".
    failures: tuple[str, ...] = ()

    @classmethod
    def of(cls, claimed: int, sent: list[Sent]) -> PassSummary:
        tried = [outcome for outcome in sent if outcome.result is not None]
        return cls(
            claimed=claimed,
            sent=len(tried),
            delivered=sum(1 for outcome in tried if outcome.result and outcome.result.succeeded),
            failures=tuple(
                f"{outcome.claimed.url}: {outcome.result.error or 'no answer'}"
                for outcome in tried
                if outcome.result and not outcome.result.succeeded
            ),
        )

    def line(self) -> str:
        failed = self.sent - self.delivered
        return f"{self.sent} webhook message(s) sent: {self.delivered} delivered, {failed} failed"


def record(sent: Sent, at: datetime, options: Settings) -> None:
    """One outcome, at `at`. The caller commits it at once, in a transaction of its own."""
    claimed, result = sent.claimed, sent.result
    message = db.session.scalar(
        select(WebhookMessage).where(WebhookMessage.id == claimed.message_id).with_for_update()
    )
    if message is None:  # its endpoint was deleted meanwhile
        return
    ours = (
        message.status == DeliveryStatus.PENDING and message.next_attempt_at == claimed.lease_until
    )
    if result is None:
        if ours:  # hand it back at once rather than at the end of the lease
            message.next_attempt_at = at
        db.session.flush()
        return
    db.session.add(
        WebhookAttempt(
            message_id=message.id,
            attempted_at=at,
            succeeded=result.succeeded,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    )
    message.attempts += 1
    if result.succeeded:
        if message.status != DeliveryStatus.DELIVERED:  # a success always counts
            message.status = DeliveryStatus.DELIVERED
            message.delivered_at = at
            message.last_status_code = result.status_code
            message.last_error = None
    elif ours:
        message.last_status_code = result.status_code
        message.last_error = result.error
        if result.gone:
            message.status = DeliveryStatus.FAILED
            db.session.flush()
            _endpoint_gone(message.endpoint_id, at)
        else:
            _retry_or_fail(message, at, options)
    db.session.flush()
    log.info(
        "Webhook %s to %s: %s",
        claimed.webhook_id,
        claimed.url,
        "delivered" if result.succeeded else result.error,
    )


def _retry_or_fail(message: WebhookMessage, at: datetime, options: Settings) -> None:
    gives_up_at = message.created_at + options.retry_window
    retry_at = min(at + backoff(message.attempts, options.base_seconds), gives_up_at)
    if retry_at <= at:
        hours = options.retry_window.total_seconds() / 3600
        message.status = DeliveryStatus.FAILED
        message.last_error = (
            f"{message.last_error} (no more retries: the message is {hours:g} hours old)"
        )[: webhook_http.ERROR_LENGTH]
    else:
        message.next_attempt_at = retry_at


def _endpoint_gone(endpoint_id: int, at: datetime) -> None:
    """The receiver said 410 Gone: disable the endpoint and fail what waits for it."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is not None and endpoint.disabled_at is None:
        endpoint.disabled_at = at
        endpoint.disabled_reason = GONE_REASON
        audit.record(
            None, "webhook.disabled", field="reason", new=GONE_REASON, subject=subject(endpoint)
        )
    db.session.execute(
        update(WebhookMessage)
        .where(
            WebhookMessage.endpoint_id == endpoint_id,
            WebhookMessage.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED, last_error=GONE_ERROR)
        .execution_options(synchronize_session=False)
    )


def subject(endpoint: WebhookEndpoint) -> str:
    """How the audit log names an endpoint."""
    return f"Webhook {endpoint.url}"[:160]


def redeliver(actor: User | None, message: WebhookMessage, now: datetime | None = None) -> None:
    """Put a delivered or failed message back in the queue, due now, with the same webhook-id
    and body (receivers that saw it already can tell). The caller commits."""
    endpoint = message.endpoint
    if endpoint.disabled_at is not None:
        raise CannotRedeliver(_("The endpoint is disabled: enable it first, then redeliver."))
    if message.status == DeliveryStatus.PENDING:
        raise CannotRedeliver(_("This message is already waiting to be sent."))
    if message.erased_at is not None:
        raise CannotRedeliver(
            _(
                "What this message said was erased some days after it was sent, as the "
                "portal's retention settings say: it cannot be sent again."
            )
        )
    old = message.status
    message.status = DeliveryStatus.PENDING
    message.next_attempt_at = now or clock.now()
    message.delivered_at = None
    audit.record(
        actor,
        "webhook.redelivered",
        field=message.webhook_id,
        old=old,
        new=DeliveryStatus.PENDING,
        subject=subject(endpoint),
    )
    db.session.flush()
