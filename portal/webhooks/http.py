"""Sending one webhook: the Standard Webhooks signature, and one POST on the portal's one HTTP
client (portal.core.http.client), the same that fetches feeds.

The receiver's address is resolved and every answer checked, the socket connects to exactly the
address that was checked and the peer is checked again; redirects are not followed (a 3xx is a
failure); one deadline covers the whole exchange; at most MAX_RESPONSE_BYTES of the answer are
read. Nothing here raises: every outcome comes back as a SendResult with a plain-language error.
"""

from __future__ import annotations

import http.client
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

from standardwebhooks.webhooks import Webhook

from portal.core.http import client
from portal.core.http.body import Deadline, Failure
from portal.core.http.client import status_phrase
from portal.core.http.ssrf import AllowPrivate
from portal.core.i18n import format_number, ngettext

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 4 * 1024
ERROR_LENGTH = 500  # WebhookMessage.last_error and WebhookAttempt.error hold this much
SNIPPET_LENGTH = 160  # of a failed answer's body, quoted in the error for HR


def user_agent(base_url: str = "") -> str:
    """Who is calling: the portal, and its address when BASE_URL is set."""
    return client.user_agent("webhooks", base_url)


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """The webhook-signature value: "v1,<base64 HMAC-SHA256 of id.timestamp.body>"."""
    return Webhook(secret).sign(webhook_id, datetime.fromtimestamp(timestamp, UTC), body)


def signed_headers(
    secret: str, webhook_id: str, body: str, *, at: datetime, agent: str
) -> dict[str, str]:
    """Every header of one delivery, signed for the instant `at` (the moment of sending)."""
    timestamp = math.floor(at.timestamp())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
        "Content-Type": "application/json",
        "User-Agent": agent,
    }


@dataclass(frozen=True)
class SendResult:
    """What one attempt came to: the receiver's status code (if it answered) and, unless it
    answered 2xx, what went wrong in words."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None

    @property
    def gone(self) -> bool:
        return self.status_code == HTTPStatus.GONE


class _Deadline(Deadline):
    """The client's deadline, with the words of a webhook delivery (recorded by the worker,
    which writes in English)."""

    def failure(self) -> Failure:
        seconds = self.seconds
        return Failure(
            ngettext(
                "the receiver did not answer within %(count)s second",
                "the receiver did not answer within %(count)s seconds",
                1 if seconds == 1 else 2,  # a whole count for the plural rule: 2.5 reads "seconds"
                count=format_number(seconds),
            )
        )


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text[:SNIPPET_LENGTH] + ("…" if len(text) > SNIPPET_LENGTH else "")


def _status_error(status: int, reason: str, body: bytes) -> str | None:
    if 200 <= status < 300:
        return None
    answered = f"the receiver answered {status_phrase(status, reason)}"
    if 300 <= status < 400:
        return f"{answered}; redirects are not followed (register the new address instead)"
    snippet = _snippet(body)
    return f"{answered}: {snippet}" if snippet else answered


def _read_some(response: http.client.HTTPResponse) -> bytes:
    """Up to MAX_RESPONSE_BYTES of the answer's body; the status already decided the outcome,
    so a body that is cut short or too slow is simply left unread."""
    try:
        return response.read(MAX_RESPONSE_BYTES)
    except (Failure, OSError, http.client.HTTPException):
        return b""


def post(
    url: str,
    body: str,
    headers: dict[str, str],
    *,
    timeout: float,
    allow_private: AllowPrivate = False,
) -> SendResult:
    """POST `body` (JSON text, sent as UTF-8) with `headers`; never raises."""
    started = time.monotonic()
    status: int | None = None
    error: str | None
    try:
        response = client.exchange(
            "POST",
            url,
            headers=headers,
            body=body.encode("utf-8"),
            read=_read_some,
            deadline=_Deadline(timeout),
            allow_private=allow_private,
            what="webhook address",
        )
        status = response.status
        error = _status_error(response.status, response.reason, response.body)
    except Failure as failure:
        error = failure.error
    except Exception:
        log.exception("Delivering a webhook to %s failed unexpectedly", url)
        error = "an unexpected error stopped the delivery (see the server log)"
    duration_ms = round((time.monotonic() - started) * 1000)
    return SendResult(status, error[:ERROR_LENGTH] if error else None, duration_ms)
