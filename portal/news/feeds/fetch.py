"""Fetching feeds on the portal's one HTTP client (portal.core.http.client): one deadline per
fetch, a cap on the decompressed body, at most a few redirects each checked against SSRF,
conditional GET and Retry-After.

feedparser never touches the network: it is given the bytes this module returns. Every failure
comes back as a FetchResult with a plain-language `error` for HR; nothing is raised.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin

from portal.core.clock import utcnow
from portal.core.http import client
from portal.core.http.body import Deadline, Failure, read_body
from portal.core.http.client import Response, status_phrase
from portal.core.http.ssrf import AllowPrivate, allow_private_from_env
from portal.news.feeds.types import FetchOutcome, FetchResult

__all__ = [
    "DEFAULT_USER_AGENT",
    "allow_private_from_env",
    "fetch",
    "user_agent",
]

log = logging.getLogger(__name__)

PURPOSE = "company news reader"  # in the User-Agent
DEFAULT_USER_AGENT = client.user_agent(PURPOSE)
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
    return client.user_agent(PURPOSE, base_url)


def _read(max_bytes: int) -> client.Reader:
    """The feed's reader: the body of a 2xx answer, within `max_bytes` once decompressed."""

    def read(response: http.client.HTTPResponse) -> bytes:
        return read_body(response, max_bytes) if 200 <= response.status < 300 else b""

    return read


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


def _failed_status(response: Response) -> Failure:
    answered = f"the server answered {status_phrase(response.status, response.reason)}"
    if response.status not in (429, 503):
        return Failure(answered, status=response.status)
    retry_after = _retry_after(response.headers.get("Retry-After"), utcnow())
    if retry_after is None:
        return Failure(answered, status=response.status)
    when = f"{retry_after:%Y-%m-%d %H:%M:%S} UTC"
    return Failure(
        f"{answered} and asked us to wait until {when}",
        status=response.status,
        retry_after=retry_after,
    )


def _result(url: str, response: Response, previous: dict[str, str | None]) -> FetchResult:
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
        "User-Agent": user_agent if client.valid_header(user_agent) else DEFAULT_USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
        "If-None-Match": etag or "",
        "If-Modified-Since": last_modified or "",
    }
    previous = {"etag": etag, "last_modified": last_modified, "hash": previous_hash}
    read = _read(max_bytes)
    current = url
    seen = {urldefrag(url).url}
    try:
        for hop in range(max_redirects + 1):
            try:
                response = client.exchange(
                    "GET",
                    current,
                    headers=headers,
                    read=read,
                    deadline=clock,
                    allow_private=allow_private,
                    connect_timeout=timeout,
                    what="feed address",
                    content="feed",
                )
            except Failure as failure:
                if hop and failure.about_hop:
                    failure.error = f"after a redirect to {current}: {failure.error}"
                raise
            if response.status not in REDIRECT_STATUSES:
                return _result(current, response, previous)
            location = (response.headers.get("Location") or "").strip()
            if not location:
                answered = status_phrase(response.status, response.reason)
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
