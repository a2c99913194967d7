"""Webhooks, the outbox side: turning a portal event into signed-later messages for endpoints.

`publish` is called inside the unit of work that makes the change (a question being asked, a
status being recorded), so the change and its outbox rows commit together or not at all; the
worker delivers them afterwards (portal.webhooks.delivery).
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from portal.core import clock
from portal.core.extensions import db
from portal.webhooks.models import WebhookEndpoint, WebhookEventType, WebhookMessage

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


def candidate_data(candidate_id: int, name: str, email: str) -> dict[str, Any]:
    """Who an event is about, the same in every payload (never more than this)."""
    return {"id": candidate_id, "name": name, "email": email}


def envelope(event_type: WebhookEventType, data: dict[str, Any], at: datetime) -> str:
    """The JSON body sent to receivers: {"type", "timestamp", "data"} as Standard Webhooks
    recommends. Serialised once here, so every attempt signs and sends the same bytes."""
    body = {
        "type": str(event_type),
        "timestamp": instant(at),
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def enabled_endpoints() -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.disabled_at.is_(None))
            .order_by(WebhookEndpoint.id)
        )
    )


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
    """Write one outbox row per subscribed endpoint, in the caller's transaction."""
    at = at or clock.now()
    body = envelope(event_type, data, at)
    messages = [
        WebhookMessage(
            endpoint_id=endpoint.id,
            webhook_id=new_webhook_id(),
            event_type=str(event_type),
            body=body,
            created_at=at,
            next_attempt_at=at,
        )
        for endpoint in subscribed_endpoints(event_type, recruiter_id, endpoints)
    ]
    db.session.add_all(messages)
    return messages
