"""Sending one webhook: the Standard Webhooks signature, and one POST through the same address
guard as feed fetching (portal.core.http.ssrf).

The receiver's address is resolved and every answer checked, the socket connects to exactly the
address that was checked and the peer is checked again; redirects are not followed (a 3xx is a
failure); one deadline covers the whole exchange; at most MAX_RESPONSE_BYTES of the answer are
read. Nothing here raises: every outcome comes back as a SendResult with a plain-language error.
"""

from __future__ import annotations

import http.client
import logging
import math
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

from standardwebhooks.webhooks import Webhook

from portal.core.http import ssrf
from portal.core.http.body import Deadline, Failure, ResponseSocket
from portal.core.http.ssrf import AllowPrivate, BlockedAddress
from portal.news.feeds.fetch import PORTAL_VERSION

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 4 * 1024
ERROR_LENGTH = 500  # WebhookMessage.last_error and WebhookAttempt.error hold this much
SNIPPET_LENGTH = 160  # of a failed answer's body, quoted in the error for HR


def user_agent(base_url: str = "") -> str:
    """Who is calling: the portal, and its address when BASE_URL is set."""
    if base_url:
        return f"PreboardingPortal/{PORTAL_VERSION} (+{base_url}; webhooks)"
    return f"PreboardingPortal/{PORTAL_VERSION} (webhooks)"


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
    """The feed reader's deadline, with the words of a webhook delivery."""

    def failure(self) -> Failure:
        unit = "second" if self.seconds == 1 else "seconds"
        return Failure(f"the receiver did not answer within {self.seconds:g} {unit}")


def _phrase(status: int, reason: str) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} {reason[:60]}".strip()


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text[:SNIPPET_LENGTH] + ("…" if len(text) > SNIPPET_LENGTH else "")


def _status_error(status: int, reason: str, body: bytes) -> str | None:
    if 200 <= status < 300:
        return None
    answered = f"the receiver answered {_phrase(status, reason)}"
    if 300 <= status < 400:
        return f"{answered}; redirects are not followed (register the new address instead)"
    snippet = _snippet(body)
    return f"{answered}: {snippet}" if snippet else answered


def _request_head(target: ssrf.Target, headers: dict[str, str], length: int) -> bytes:
    lines = [f"POST {target.request_target} HTTP/1.1", f"Host: {target.host_header}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {length}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _read_some(response: http.client.HTTPResponse) -> bytes:
    """Up to MAX_RESPONSE_BYTES of the answer's body; the status already decided the outcome,
    so a body that is cut short or too slow is simply left unread."""
    try:
        return response.read(MAX_RESPONSE_BYTES)
    except (Failure, OSError, http.client.HTTPException):
        return b""


def _exchange(
    url: str, body: bytes, headers: dict[str, str], deadline: Deadline, allow: AllowPrivate
) -> tuple[int, str | None]:
    """One POST; returns the status and the error (None for 2xx), or raises Failure."""
    try:
        target = ssrf.parse_url(url, what="webhook address")
    except BlockedAddress as blocked:
        raise Failure(str(blocked)) from None
    host = target.host
    try:
        addresses = ssrf.resolve_allowed(host, target.port, allow, timeout=deadline.timeout())
    except BlockedAddress as blocked:
        raise Failure(str(blocked)) from None
    except TimeoutError:
        raise Failure(f"looking up the server {host} took too long") from None
    except OSError:
        raise Failure(f"could not find the server {host}: the name does not exist") from None
    sock = raw = None
    try:
        sock = raw = ssrf.connect(host, addresses, allow, deadline.timeout)
        if target.scheme == "https":
            raw.settimeout(deadline.timeout())
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        sock.settimeout(deadline.timeout())
        sock.sendall(_request_head(target, headers, len(body)) + body)
        response = http.client.HTTPResponse(ResponseSocket(sock, deadline), method="POST")
        try:
            response.begin()
            return response.status, _status_error(
                response.status, response.reason, _read_some(response)
            )
        finally:
            response.close()
    except Failure:
        raise
    except BlockedAddress as blocked:
        raise Failure(str(blocked)) from None
    except ssl.SSLCertVerificationError as error:
        message = f"the secure connection to {host} failed: its certificate is not valid"
        raise Failure(f"{message} ({error.verify_message})") from None
    except ssl.SSLError as error:
        raise Failure(f"the secure connection to {host} failed ({error.reason})") from None
    except TimeoutError:
        raise deadline.failure() from None
    except http.client.RemoteDisconnected:
        raise Failure(f"{host} closed the connection without answering") from None
    except http.client.HTTPException:
        raise Failure(f"{host} sent an answer that is not valid HTTP") from None
    except ConnectionRefusedError:
        raise Failure(f"{host} refused the connection on port {target.port}") from None
    except ConnectionError:
        raise Failure(f"{host} closed the connection unexpectedly") from None
    except OSError as error:
        raise Failure(f"could not reach {host} ({error.strerror or error})") from None
    finally:
        for each in (sock, raw):
            if each is not None:
                each.close()


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
        status, error = _exchange(
            url, body.encode("utf-8"), headers, _Deadline(timeout), allow_private
        )
    except Failure as failure:
        error = failure.error
    except Exception:
        log.exception("Delivering a webhook to %s failed unexpectedly", url)
        error = "an unexpected error stopped the delivery (see the server log)"
    duration_ms = round((time.monotonic() - started) * 1000)
    return SendResult(status, error[:ERROR_LENGTH] if error else None, duration_ms)
