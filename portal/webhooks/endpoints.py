"""Webhook endpoints as HR manages them: register, edit, disable and enable, rotate the secret,
queue a test event; and what HR's pages read (the list with counts, the delivery log).

Every change is audited (never the secret itself). Functions flush; the request commits.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from portal.core import clock, pages
from portal.core.changes import apply_changes
from portal.core.extensions import db
from portal.core.http import ssrf
from portal.core.i18n import N_, _, _l, format_number
from portal.people import audit
from portal.people.models import Role, User
from portal.webhooks import outbox as webhooks
from portal.webhooks.delivery import GONE_REASON, allow_private, subject
from portal.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)

URL_MAX = 2000
DESCRIPTION_MAX = 200
LOG_PAGE_SIZE = 50
ATTEMPTS_SHOWN = 3  # a message's latest attempts on the log; its count says how many in all
TEST_EVENT = "webhook.test"  # sent only by "Send a test event", never by the portal itself

# Each event type in words, in the reader's language (the codes stay English: receivers read them).
EVENT_LABELS: dict[str, LazyString] = {
    WebhookEventType.CANDIDATE_STATUS_CHANGED: _l(
        "A candidate's status changed (engaged, invited, quiet, at risk)"
    ),
    WebhookEventType.QUESTION_ASKED: _l("A candidate asked a question"),
    WebhookEventType.QUESTION_OVERDUE: _l("A question is still unanswered past the promised time"),
    WebhookEventType.PULSE_ANSWERED: _l("A candidate answered the pulse check"),
    WebhookEventType.CANDIDATE_JOINED: _l("A candidate's first day began"),
}
# Why an endpoint was disabled, as recorded (in English, like the audit log); `reason_words`
# says the ones the portal writes in the reader's language.
DISABLED_BY_HR = N_("disabled by HR")


class WebhookError(Exception):
    """Input HR must correct: a message for each form field that is wrong."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors

    @property
    def message(self) -> str:
        return " ".join(self.errors.values())


@dataclass(frozen=True)
class EndpointInput:
    """What HR typed: the address, a description, event types, an optional recruiter, and
    whether payloads carry personal fields (names, email addresses)."""

    url: str
    description: str
    event_types: list[str]
    recruiter_id: int | None
    personal_fields: bool = False


def _clean(data: EndpointInput) -> dict[str, Any]:
    """The values to store, or WebhookError with what is wrong in every field."""
    errors: dict[str, str] = {}
    url = (data.url or "").strip()
    problem = _url_problem(url)
    if problem:
        errors["url"] = problem
    description = " ".join((data.description or "").split())
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _(
            "Keep the description under %(max)s characters.", max=format_number(DESCRIPTION_MAX)
        )
    chosen = set(data.event_types or [])
    if chosen - set(EVENT_LABELS):
        errors["event_types"] = _("Choose event types from the list.")
    elif not chosen:
        errors["event_types"] = _("Choose at least one event to send.")
    recruiter_id = data.recruiter_id or None
    if recruiter_id is not None:
        recruiter = db.session.get(User, recruiter_id)
        if recruiter is None or recruiter.role != Role.RECRUITER or not recruiter.is_active:
            errors["recruiter_id"] = _("Choose an active recruiter, or all candidates.")
    if errors:
        raise WebhookError(errors)
    return {
        "url": url,
        "description": description,
        "event_types": [value for value in EVENT_LABELS if value in chosen],
        "recruiter_id": recruiter_id,
        "personal_fields": bool(data.personal_fields),
    }


def _url_problem(url: str) -> str | None:
    if not url:
        return _("Enter the address that receives the events.")
    if len(url) > URL_MAX:
        return _(
            "The address is too long (at most %(max)s characters).", max=format_number(URL_MAX)
        )
    if urlsplit(url).scheme.lower() not in ssrf.ALLOWED_SCHEMES:
        return _("Enter an address that starts with https:// or http://.")
    try:
        target = ssrf.parse_url(url, what="webhook address")
        _check_literal_address(target.host)
    except ssrf.BlockedAddress as blocked:
        message = str(blocked)
        return message[0].upper() + message[1:] + "."
    return None


def _check_literal_address(host: str) -> None:
    """An address written as an IP is refused at once when it is private; a host name is
    resolved and checked at every delivery (its addresses can change)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    ssrf.check_address(host, host, allow_private())


def endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.scalar(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .options(joinedload(WebhookEndpoint.recruiter))
    )


def message(endpoint_id: int, message_id: int) -> WebhookMessage | None:
    """One message of one endpoint (None for another endpoint's message)."""
    return db.session.scalar(
        select(WebhookMessage)
        .where(WebhookMessage.id == message_id, WebhookMessage.endpoint_id == endpoint_id)
        .options(joinedload(WebhookMessage.endpoint))
    )


def create_endpoint(actor: User, data: EndpointInput) -> WebhookEndpoint:
    """Register an endpoint with a new secret (shown to HR once, by the page)."""
    values = _clean(data)
    created = WebhookEndpoint(
        **values,
        secret=webhooks.generate_secret(),
        secret_to_show=True,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(created)
    db.session.flush()
    audit.record(actor, "webhook.created", subject=subject(created), new=_summary(created))
    return created


def _summary(target: WebhookEndpoint) -> str:
    scope = f"recruiter #{target.recruiter_id}" if target.recruiter_id else "all candidates"
    fields = "with names and email addresses" if target.personal_fields else "ids only"
    return f"{', '.join(target.event_types)}; {scope}; {fields}"


def _text(value: Any) -> Any:
    return ", ".join(value) if isinstance(value, list) else value


def update_endpoint(
    actor: User, target: WebhookEndpoint, data: EndpointInput
) -> dict[str, tuple[Any, Any]]:
    """Change the address, description, events or scope; returns the changes made."""
    values = _clean(data)
    before = subject(target)
    changes = apply_changes(target, values)
    if not changes:
        return {}
    shown = {name: (_text(old), _text(new)) for name, (old, new) in changes.items()}
    audit.record_changes(actor, None, "webhook.edited", shown, subject=before)
    db.session.flush()
    return changes


def disable_endpoint(actor: User, target: WebhookEndpoint, reason: str = DISABLED_BY_HR) -> bool:
    """Stop deliveries to it (waiting messages wait); False when it already was disabled."""
    if target.disabled_at is not None:
        return False
    target.disabled_at = clock.now()
    target.disabled_reason = reason
    audit.record(actor, "webhook.disabled", field="reason", new=reason, subject=subject(target))
    db.session.flush()
    return True


def enable_endpoint(actor: User, target: WebhookEndpoint) -> bool:
    """Deliver to it again, waiting messages first; False when it already was enabled."""
    if target.disabled_at is None:
        return False
    audit.record(
        actor,
        "webhook.enabled",
        field="reason",
        old=target.disabled_reason,
        subject=subject(target),
    )
    target.disabled_at = None
    target.disabled_reason = None
    db.session.flush()
    return True


def rotate_secret(actor: User, target: WebhookEndpoint) -> str:
    """A new signing secret, used from the next delivery on; the old one stops working."""
    target.secret = webhooks.generate_secret()
    target.secret_to_show = True
    audit.record(actor, "webhook.secret_rotated", subject=subject(target))
    db.session.flush()
    return target.secret


def queue_test_event(actor: User, target: WebhookEndpoint) -> WebhookMessage:
    """A "webhook.test" message for this endpoint only, due now; the worker sends it."""
    if target.disabled_at is not None:
        raise WebhookError({"endpoint": _("The endpoint is disabled: enable it first.")})
    now = clock.now()
    body = webhooks.envelope(
        TEST_EVENT,  # type: ignore[arg-type]  # envelope writes str(event_type)
        {"endpoint_id": target.id, "sent_by": webhooks.personal(actor.name)},
        now,
        with_personal=target.personal_fields,
    )
    queued = WebhookMessage(
        endpoint_id=target.id,
        webhook_id=webhooks.new_webhook_id(),
        event_type=TEST_EVENT,
        body=body,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(queued)
    db.session.flush()
    return queued


# --- What HR's pages read -----------------------------------------------------------------------


@dataclass
class EndpointRow:
    endpoint: WebhookEndpoint
    counts: dict[str, int] = field(default_factory=dict)
    last_attempt: WebhookAttempt | None = None

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)


def endpoint_rows() -> list[EndpointRow]:
    """Every endpoint with its message counts by status and its latest attempt (3 queries)."""
    endpoints = db.session.scalars(
        select(WebhookEndpoint)
        .options(joinedload(WebhookEndpoint.recruiter))
        .order_by(WebhookEndpoint.disabled_at.is_not(None), WebhookEndpoint.id)
    ).all()
    rows = {item.id: EndpointRow(item) for item in endpoints}
    if not rows:
        return []
    counts = db.session.execute(
        select(WebhookMessage.endpoint_id, WebhookMessage.status, func.count()).group_by(
            WebhookMessage.endpoint_id, WebhookMessage.status
        )
    )
    for endpoint_id, status, number in counts:
        rows[endpoint_id].counts[status] = number
    latest = (
        select(func.max(WebhookAttempt.id))
        .join(WebhookMessage, WebhookMessage.id == WebhookAttempt.message_id)
        .group_by(WebhookMessage.endpoint_id)
    )
    attempts = db.session.execute(
        select(WebhookMessage.endpoint_id, WebhookAttempt)
        .join(WebhookMessage, WebhookMessage.id == WebhookAttempt.message_id)
        .where(WebhookAttempt.id.in_(latest))
    )
    for endpoint_id, attempt in attempts:
        rows[endpoint_id].last_attempt = attempt
    return list(rows.values())


def reason_words(reason: str | None) -> str:
    """Why an endpoint is disabled, as recorded: in the reader's language when the portal
    wrote it (HR disabled it, the receiver answered 410 Gone)."""
    if not reason:
        return ""
    return _(reason) if reason in (DISABLED_BY_HR, GONE_REASON) else reason


# The delivery log's status filter: each state in words (in the reader's language).
STATUS_WORDS: dict[str, LazyString] = {
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Failed"),
    DeliveryStatus.PENDING: _l("Waiting"),
}


@dataclass
class LogPage:
    """One page of an endpoint's messages, newest first, each with its latest attempts (up to
    ATTEMPTS_SHOWN, oldest first); the cursor of the next, older page (None on the last); and
    how many messages the endpoint has in each state."""

    messages: list[WebhookMessage]
    attempts: dict[int, list[WebhookAttempt]]
    next_before: int | None
    counts: dict[str, int]


def message_log(
    endpoint_id: int,
    status: str | None = None,
    before: int | None = None,
    size: int = LOG_PAGE_SIZE,
) -> LogPage:
    """The delivery log (only the messages in `status` when given), older than the message
    `before` (the last of the previous page; None for the newest): three queries."""
    query = select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookMessage.status == status)
    messages, next_before = pages.newest_first(query, WebhookMessage.id, before, size)
    by_status = (
        select(WebhookMessage.status, func.count())
        .where(WebhookMessage.endpoint_id == endpoint_id)
        .group_by(WebhookMessage.status)
    )
    counts: dict[str, int] = dict(db.session.execute(by_status).all())
    return LogPage(messages, _latest_attempts([m.id for m in messages]), next_before, counts)


def _latest_attempts(message_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    """The last ATTEMPTS_SHOWN attempts of each message, oldest first: one query, however many
    times a message was tried (a failing one is tried for days)."""
    attempts: dict[int, list[WebhookAttempt]] = defaultdict(list)
    if not message_ids:
        return attempts
    ranked = (
        select(
            WebhookAttempt.id,
            func.row_number()
            .over(partition_by=WebhookAttempt.message_id, order_by=WebhookAttempt.id.desc())
            .label("rank"),
        )
        .where(WebhookAttempt.message_id.in_(message_ids))
        .subquery()
    )
    for attempt in db.session.scalars(
        select(WebhookAttempt)
        .join(ranked, ranked.c.id == WebhookAttempt.id)
        .where(ranked.c.rank <= ATTEMPTS_SHOWN)
        .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
    ):
        attempts[attempt.message_id].append(attempt)
    return attempts


def take_secret_to_show(target: WebhookEndpoint) -> bool:
    """True once after the secret was made or rotated: the one page view that may show it.

    One UPDATE that only one request can win, so neither two tabs nor a replayed cookie show
    the secret a second time."""
    taken = db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == target.id, WebhookEndpoint.secret_to_show.is_(True))
        .values(secret_to_show=False)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]
