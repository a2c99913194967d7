"""Our own HTTP client for feeds: one deadline per fetch, a cap on the decompressed body, at most a
few redirects each checked against SSRF, conditional GET and Retry-After.

feedparser never touches the network: it is given the bytes this module returns. Every failure
comes back as a FetchResult with a plain-language `error` for HR; nothing is raised.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import socket
import ssl
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urldefrag, urljoin

from portal.core.http import ssrf
from portal.core.http.body import Deadline, Failure, ResponseSocket, read_body
from portal.core.http.ssrf import AllowPrivate, BlockedAddress, allow_private_from_env
from portal.news.feeds.types import FetchOutcome, FetchResult

__all__ = [
    "DEFAULT_USER_AGENT",
    "allow_private_from_env",
    "fetch",
    "user_agent",
]

log = logging.getLogger(__name__)

PORTAL_VERSION = "0.1"
DEFAULT_USER_AGENT = f"PreboardingPortal/{PORTAL_VERSION} (company news reader)"
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to open one connection
DEFAULT_DEADLINE = 30.0  # seconds for the whole fetch, redirects and all
DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # of decompressed body
DEFAULT_MAX_REDIRECTS = 3
MAX_RETRY_AFTER = timedelta(hours=24)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


def user_agent(base_url: str = "") -> str:
    """The User-Agent we send: who is reading, and the portal's address when BASE_URL is set."""
    if base_url:
        return f"PreboardingPortal/{PORTAL_VERSION} (+{base_url}; company news reader)"
    return DEFAULT_USER_AGENT


@dataclass(frozen=True)
class _Response:
    status: int
    reason: str
    headers: Message
    body: bytes


def _valid_header(value: str | None) -> bool:
    if not value or any(ord(char) < 0x20 and char != "\t" or ord(char) == 0x7F for char in value):
        return False
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _request(target: ssrf.Target, headers: dict[str, str]) -> bytes:
    lines = [f"GET {target.request_target} HTTP/1.1", f"Host: {target.host_header}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if _valid_header(value)]
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _connect(
    target: ssrf.Target,
    addresses: list[ssrf.SockAddr],
    deadline: Deadline,
    timeout: float,
    allow_private: AllowPrivate,
) -> socket.socket:
    """A socket connected to one of the checked addresses, whose peer is checked once more."""
    return ssrf.connect(target.host, addresses, allow_private, lambda: deadline.timeout(timeout))


def _exchange(
    url: str,
    *,
    headers: dict[str, str],
    deadline: Deadline,
    timeout: float,
    allow_private: AllowPrivate,
    max_bytes: int,
) -> _Response:
    """One GET of one URL; the body is read only for 2xx answers."""
    try:
        target = ssrf.parse_url(url)
    except BlockedAddress as blocked:
        raise Failure(str(blocked)) from None
    try:
        addresses = ssrf.resolve_allowed(
            target.host, target.port, allow_private, timeout=deadline.timeout(timeout)
        )
    except BlockedAddress as blocked:
        raise Failure(str(blocked)) from None
    except TimeoutError:
        raise Failure(f"looking up the server {target.host} took too long") from None
    except OSError:
        raise Failure(f"could not find the server {target.host}: the name does not exist") from None
    host = target.host
    sock = raw = None
    try:
        sock = raw = _connect(target, addresses, deadline, timeout, allow_private)
        if target.scheme == "https":
            raw.settimeout(deadline.timeout(timeout))
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        sock.settimeout(deadline.timeout())
        sock.sendall(_request(target, headers))
        response = http.client.HTTPResponse(ResponseSocket(sock, deadline), method="GET")
        try:
            response.begin()
            ok = 200 <= response.status < 300
            body = read_body(response, max_bytes) if ok else b""
            return _Response(response.status, response.reason, response.headers, body)
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
        if deadline.remaining() <= 0:
            raise deadline.failure() from None
        raise Failure(f"{host} did not answer within {timeout:g} seconds") from None
    except http.client.RemoteDisconnected:
        raise Failure(f"{host} closed the connection without answering") from None
    except http.client.IncompleteRead:
        raise Failure(f"{host} closed the connection before the whole feed arrived") from None
    except http.client.HTTPException:
        raise Failure(f"{host} sent an answer that is not valid HTTP") from None
    except zlib.error:
        raise Failure(f"{host} sent a damaged compressed feed") from None
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


def _phrase(status: int, reason: str) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} {reason[:60]}".strip()


def _retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as an instant: seconds or an HTTP date, capped at MAX_RETRY_AFTER from now."""
    value = (value or "").strip()
    if not value:
        return None
    latest = now + MAX_RETRY_AFTER
    if value.isdigit():
        seconds = min(int(value), int(MAX_RETRY_AFTER.total_seconds()))
        return now + timedelta(seconds=seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(now, min(when.astimezone(UTC), latest))


def _failed_status(response: _Response) -> Failure:
    answered = f"the server answered {_phrase(response.status, response.reason)}"
    if response.status not in (429, 503):
        return Failure(answered, status=response.status)
    retry_after = _retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
    if retry_after is None:
        return Failure(answered, status=response.status)
    when = f"{retry_after:%Y-%m-%d %H:%M:%S} UTC"
    return Failure(
        f"{answered} and asked us to wait until {when}",
        status=response.status,
        retry_after=retry_after,
    )


def _result(url: str, response: _Response, previous: dict[str, str | None]) -> FetchResult:
    etag = response.headers.get("ETag") or previous["etag"]
    last_modified = response.headers.get("Last-Modified") or previous["last_modified"]
    if response.status == 304:
        return FetchResult(
            FetchOutcome.NOT_MODIFIED, url, 304, etag=etag, last_modified=last_modified
        )
    if not 200 <= response.status < 300:
        raise _failed_status(response)
    digest = hashlib.sha256(response.body).hexdigest()
    unchanged = previous["hash"] is not None and digest == previous["hash"]
    return FetchResult(
        FetchOutcome.NOT_MODIFIED if unchanged else FetchOutcome.OK,
        url,
        response.status,
        body=None if unchanged else response.body,
        etag=etag,
        last_modified=last_modified,
        body_hash=digest,
    )


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    previous_hash: str | None = None,
    allow_private: AllowPrivate = False,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    user_agent: str = DEFAULT_USER_AGENT,
) -> FetchResult:
    """Download one feed within the portal's limits; never raises (failures come back FAILED).

    `timeout` bounds each connection attempt; `deadline` the whole fetch including redirects.
    `allow_private` is False in production; True or a set of hosts/addresses for tests and demo.
    """
    clock = Deadline(deadline)
    headers = {
        "User-Agent": user_agent if _valid_header(user_agent) else DEFAULT_USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
        "If-None-Match": etag or "",
        "If-Modified-Since": last_modified or "",
    }
    previous = {"etag": etag, "last_modified": last_modified, "hash": previous_hash}
    current = url
    seen = {urldefrag(url).url}
    try:
        for hop in range(max_redirects + 1):
            try:
                response = _exchange(
                    current,
                    headers=headers,
                    deadline=clock,
                    timeout=timeout,
                    allow_private=allow_private,
                    max_bytes=max_bytes,
                )
            except Failure as failure:
                if hop and failure.about_hop:
                    failure.error = f"after a redirect to {current}: {failure.error}"
                raise
            if response.status not in REDIRECT_STATUSES:
                return _result(current, response, previous)
            location = (response.headers.get("Location") or "").strip()
            if not location:
                answered = _phrase(response.status, response.reason)
                raise Failure(f"the server answered {answered} without saying where to")
            current = urljoin(current, location)
            if urldefrag(current).url in seen:
                raise Failure(f"the feed address redirects in a loop (back to {current})")
            seen.add(urldefrag(current).url)
        raise Failure(f"the feed address redirected more than {max_redirects} times")
    except Failure as failure:
        return FetchResult(
            FetchOutcome.FAILED,
            current,
            failure.status,
            retry_after=failure.retry_after,
            error=failure.error,
        )
    except Exception:
        log.exception("Fetching %s failed unexpectedly", url)
        return FetchResult(
            FetchOutcome.FAILED, current, error="an unexpected error stopped the download"
        )
