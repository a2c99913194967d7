"""One request to one URL, for feed fetches and webhook deliveries alike.

The address is checked (ssrf), the socket connects to exactly the address that was checked and
TLS is verified; every step waits only as long as the caller's deadline allows, and the answer
is read by the caller's own reader (body.read_body caps it). Whatever goes wrong comes out as a
body.Failure in words HR can act on, all said by `in_words`. Each caller keeps its own policy:
redirects, conditional GET and Retry-After for feeds; signing and no redirects for webhooks.
"""

from __future__ import annotations

import http.client
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus

from portal.core.http import PORTAL_VERSION, ssrf
from portal.core.http.body import Deadline, Failure, ResponseSocket
from portal.core.http.ssrf import AllowPrivate, BlockedAddress

# What a caller reads of an answer whose status line and headers have arrived.
Reader = Callable[[http.client.HTTPResponse], bytes]


def user_agent(purpose: str, base_url: str = "") -> str:
    """Who is calling and why: the portal (with its address when BASE_URL is set), e.g.
    "PreboardingPortal/0.1 (+https://portal.example.com; webhooks)"."""
    if base_url:
        return f"PreboardingPortal/{PORTAL_VERSION} (+{base_url}; {purpose})"
    return f"PreboardingPortal/{PORTAL_VERSION} ({purpose})"


def valid_header(value: str | None) -> bool:
    """Whether a header value can be sent as is (not empty, no control characters, Latin-1)."""
    if not value or any(ord(char) < 0x20 and char != "\t" or ord(char) == 0x7F for char in value):
        return False
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def status_phrase(status: int, reason: str) -> str:
    """ "404 Not Found"; the server's own reason for a status HTTP does not define."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} {reason[:60]}".strip()


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: Message
    body: bytes  # what the caller's reader returned


def in_words(
    error: Exception,
    target: ssrf.Target,
    deadline: Deadline,
    *,
    resolving: bool = False,
    connect_timeout: float | None = None,
    content: str = "answer",
) -> Failure:
    """The Failure, in plain words, for what stopped an exchange with `target`.

    `resolving`: it happened while looking up the server's name. `connect_timeout`: the cap on
    one connection step, if any (else a timeout is the whole deadline's). `content` names what
    was being received ("feed")."""
    host = target.host
    if isinstance(error, Failure):
        return error
    if isinstance(error, BlockedAddress):
        return Failure(str(error))
    if resolving:
        if isinstance(error, TimeoutError):
            return Failure(f"looking up the server {host} took too long")
        return Failure(f"could not find the server {host}: the name does not exist")
    if isinstance(error, ssl.SSLCertVerificationError):
        message = f"the secure connection to {host} failed: its certificate is not valid"
        return Failure(f"{message} ({error.verify_message})")
    if isinstance(error, ssl.SSLError):
        return Failure(f"the secure connection to {host} failed ({error.reason})")
    if isinstance(error, TimeoutError):
        if connect_timeout is None or deadline.remaining() <= 0:
            return deadline.failure()
        return Failure(f"{host} did not answer within {connect_timeout:g} seconds")
    if isinstance(error, http.client.RemoteDisconnected):
        return Failure(f"{host} closed the connection without answering")
    if isinstance(error, http.client.IncompleteRead):
        return Failure(f"{host} closed the connection before the whole {content} arrived")
    if isinstance(error, http.client.HTTPException):
        return Failure(f"{host} sent an answer that is not valid HTTP")
    if isinstance(error, zlib.error):
        return Failure(f"{host} sent a damaged compressed {content}")
    if isinstance(error, ConnectionRefusedError):
        return Failure(f"{host} refused the connection on port {target.port}")
    if isinstance(error, ConnectionError):
        return Failure(f"{host} closed the connection unexpectedly")
    if isinstance(error, OSError):
        return Failure(f"could not reach {host} ({error.strerror or error})")
    raise TypeError(f"no words for {type(error).__name__}") from error


# What an exchange can run into, each told by in_words; anything else is a bug and propagates.
_EXPECTED = (BlockedAddress, OSError, http.client.HTTPException, zlib.error)


def _request_head(
    method: str, target: ssrf.Target, headers: dict[str, str], body: bytes | None
) -> bytes:
    """The request line and headers; a header without a sendable value is left out."""
    lines = [f"{method} {target.request_target} HTTP/1.1", f"Host: {target.host_header}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if valid_header(value)]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def exchange(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    read: Reader,
    deadline: Deadline,
    allow_private: AllowPrivate = False,
    body: bytes | None = None,
    connect_timeout: float | None = None,
    what: str = "address",
    content: str = "answer",
) -> Response:
    """Send one request and return the answer (no redirect is followed); raises Failure only.

    `what` names the URL in messages about it ("the feed address contains a user name..."),
    `content` what the answer brings ("feed"); see in_words for `connect_timeout`.
    """
    try:
        target = ssrf.parse_url(url, what=what)
    except BlockedAddress as blocked:
        raise Failure(str(blocked)) from None
    host = target.host
    try:
        addresses = ssrf.resolve_allowed(
            host, target.port, allow_private, timeout=deadline.timeout(connect_timeout)
        )
    except (BlockedAddress, OSError) as error:
        raise in_words(error, target, deadline, resolving=True) from None
    sock = raw = None
    try:
        sock = raw = ssrf.connect(
            host, addresses, allow_private, lambda: deadline.timeout(connect_timeout)
        )
        if target.scheme == "https":
            raw.settimeout(deadline.timeout(connect_timeout))
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        sock.settimeout(deadline.timeout())
        sock.sendall(_request_head(method, target, headers, body) + (body or b""))
        reader = ResponseSocket(sock, deadline)  # all HTTPResponse uses of a socket: makefile()
        response = http.client.HTTPResponse(reader, method=method)  # type: ignore[arg-type]
        try:
            response.begin()
            return Response(response.status, response.reason, response.headers, read(response))
        finally:
            response.close()
    except Failure:
        raise
    except _EXPECTED as error:
        raise in_words(
            error, target, deadline, connect_timeout=connect_timeout, content=content
        ) from None
    finally:
        for each in (sock, raw):
            if each is not None:
                each.close()
