"""Webhooks, the outbox side: turning a portal event into signed-later messages for endpoints.

`publish` is called inside the unit of work that makes the change (a question being asked, a
status being recorded), so the change and its outbox rows commit together or not at all; the
worker delivers them afterwards (portal.webhooks.delivery).

Payloads carry ids, codes and times. Values wrapped in `personal(...)` (a candidate's name and
email address, reasons in words) reach only the endpoints HR opted into personal fields; every
other endpoint gets the payload without those keys.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update

from portal.core import clock
from portal.core.extensions import db
from portal.core.i18n import N_
from portal.webhooks.models import (
    DeliveryStatus,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32  # the issue asks for at least 24


def generate_secret() -> str:
    """A new signing secret in the Standard Webhooks form: whsec_ + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_webhook_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def instant(moment: datetime) -> str:
    """An instant as receivers get it: ISO 8601 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Personal:
    """A value only endpoints opted into personal fields receive (see `personal`)."""

    value: Any


def personal(value: Any) -> Personal:
    """Mark a payload value as personal: left out for endpoints without personal fields."""
    return Personal(value)


# What every payload may carry, and what only endpoints with personal fields get: the words
# HR's endpoint form and /what-we-record show (in English here: pages translate them, `_(...)`).
ALWAYS_SENT = N_(
    "the candidate's id, statuses and reason codes, ids of questions, scores and times"
)
PERSONAL_FIELDS = N_("the candidate's name and email address, and the reasons in words")


def candidate_data(candidate_id: int, name: str, email: str) -> dict[str, Any]:
    """Who an event is about, the same in every payload: the id, and the name and email address
    for endpoints with personal fields (never more than this)."""
    return {"id": candidate_id, "name": personal(name), "email": personal(email)}


def resolve(data: Any, with_personal: bool) -> Any:
    """`data` as one endpoint receives it: personal values unwrapped, or their keys left out
    (and list items dropped)."""
    if isinstance(data, Personal):
        return resolve(data.value, with_personal)
    if isinstance(data, dict):
        return {
            key: resolve(value, with_personal)
            for key, value in data.items()
            if with_personal or not isinstance(value, Personal)
        }
    if isinstance(data, list | tuple):
        return [
            resolve(item, with_personal)
            for item in data
            if with_personal or not isinstance(item, Personal)
        ]
    return data


def envelope(
    event_type: WebhookEventType,
    data: dict[str, Any],
    at: datetime,
    *,
    with_personal: bool = False,
) -> str:
    """The JSON body sent to receivers: {"type", "timestamp", "data"} as Standard Webhooks
    recommends, with personal values only when asked. Serialised once here, so every attempt
    signs and sends the same bytes."""
    body = {
        "type": str(event_type),
        "timestamp": instant(at),
        "data": resolve(data, with_personal),
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def about_candidate(data: dict[str, Any]) -> int | None:
    """The id of the candidate a payload is about (its `candidate` block), if any."""
    candidate = data.get("candidate")
    if isinstance(candidate, dict) and isinstance(candidate.get("id"), int):
        return candidate["id"]
    return None


# Built once: every event published (each question asked) reads it.
_ENABLED = (
    select(WebhookEndpoint)
    .where(WebhookEndpoint.disabled_at.is_(None))
    .order_by(WebhookEndpoint.id)
)


def enabled_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(_ENABLED))


def subscribed_endpoints(
    event_type: WebhookEventType,
    recruiter_id: int | None,
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[WebhookEndpoint]:
    """Enabled endpoints that asked for this event type and may see this recruiter's candidates.

    Pass `endpoints` (from enabled_endpoints) when publishing many events in one go."""
    if endpoints is None:
        endpoints = enabled_endpoints()
    return [
        endpoint
        for endpoint in endpoints
        if str(event_type) in (endpoint.event_types or [])
        and (endpoint.recruiter_id is None or endpoint.recruiter_id == recruiter_id)
    ]


def publish(
    event_type: WebhookEventType,
    data: dict[str, Any],
    *,
    recruiter_id: int | None,
    at: datetime | None = None,
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[WebhookMessage]:
    """Write one outbox row per subscribed endpoint, in the caller's transaction: the body
    with personal fields for endpoints opted into them, without for the others."""
    at = at or clock.now()
    bodies = {
        choice: envelope(event_type, data, at, with_personal=choice) for choice in (False, True)
    }
    messages = [
        WebhookMessage(
            endpoint_id=endpoint.id,
            webhook_id=new_webhook_id(),
            event_type=str(event_type),
            body=bodies[endpoint.personal_fields],
            candidate_id=about_candidate(data),
            created_at=at,
            next_attempt_at=at,
        )
        for endpoint in subscribed_endpoints(event_type, recruiter_id, endpoints)
    ]
    db.session.add_all(messages)
    return messages


def erase_bodies(before: datetime, now: datetime) -> int:
    """Empty the body of every message delivered before `before`, or written before it and
    never delivered (failed): what was sent is not kept longer than needed to redeliver it.
    How many were erased; the caller commits."""
    result = db.session.execute(
        update(WebhookMessage)
        .where(
            WebhookMessage.erased_at.is_(None),
            WebhookMessage.status != DeliveryStatus.PENDING,
            or_(
                WebhookMessage.delivered_at < before,
                WebhookMessage.delivered_at.is_(None) & (WebhookMessage.created_at < before),
            ),
        )
        .values(body="", erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount or 0


def receivers_of_personal_fields() -> int:
    """How many enabled endpoints HR opted into personal fields (what /what-we-record says)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(
                WebhookEndpoint.disabled_at.is_(None),
                WebhookEndpoint.personal_fields.is_(True),
            )
        )
        or 0
    )
