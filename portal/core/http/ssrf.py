"""Which addresses a feed fetch may reach: http and https only, globally routable addresses only.

A feed URL is typed by HR, and a redirect is chosen by whoever runs the feed's server, so neither
may point the portal at itself, at the office network or at a cloud metadata service. Host names
are resolved here and every address is checked; the fetcher then connects to exactly the address
that was checked (so a second DNS answer cannot swap it) and checks the peer again.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

log = logging.getLogger(__name__)

ALLOWED_SCHEMES = {"http": 80, "https": 443}
ENV_ALLOW_PRIVATE = "PORTAL_FEEDS_ALLOW_PRIVATE"

# True lifts the check for every address; a collection lists host names or addresses (exactly as
# written in the URL, or as resolved) that may be private, e.g. {"127.0.0.1"} for a test server.
AllowPrivate = bool | Collection[str]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SockAddr = tuple[int, tuple]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_TEREDO = ipaddress.ip_network("2001::/32")

_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"

_warned_allow_private = False


class BlockedAddress(Exception):
    """A feed address the portal will not fetch, with the reason in plain words for HR."""


@dataclass(frozen=True)
class Target:
    """A checked http(s) URL, split into what a connection and a request line need."""

    scheme: str
    host: str  # ASCII, lower case, without brackets
    port: int
    host_header: str
    request_target: str  # path and query, percent-encoded ASCII


def parse_url(url: str, *, what: str = "feed address") -> Target:
    """Split a feed URL, refusing other schemes, missing hosts and embedded credentials.

    `what` names the address in the messages ("the feed address contains a user name...")."""
    url = url.strip() if isinstance(url, str) else ""
    if not url or any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise BlockedAddress(f"the {what} is empty or contains control characters")
    try:
        parts = urlsplit(url)
        explicit_port = parts.port
    except ValueError:
        raise BlockedAddress(f"{url} is not a valid web address") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}:" if scheme else "an address without http:// or https://"
        raise BlockedAddress(f"only http and https addresses can be fetched, not {shown}")
    if parts.username is not None or parts.password is not None:
        raise BlockedAddress(f"the {what} contains a user name or password, which is not allowed")
    host = parts.hostname
    if not host:
        raise BlockedAddress(f"{url} does not name a server")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise BlockedAddress(f"{url} does not name a valid server") from None
    port = explicit_port or ALLOWED_SCHEMES[scheme]
    bracketed = f"[{host}]" if ":" in host else host
    host_header = (
        bracketed if explicit_port in (None, ALLOWED_SCHEMES[scheme]) else f"{bracketed}:{port}"
    )
    request_target = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        request_target += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return Target(scheme, host, port, host_header, request_target)


def check_url(url: str) -> None:
    """Raise BlockedAddress unless the URL is http(s) with a host and without credentials."""
    parse_url(url)


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address may not be fetched ("a private address"), or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            reason = blocked_reason(embedded)
            return f"{reason} written as IPv6" if reason else None
        if address in _NAT64_LOCAL:
            return "a local NAT64 address"
        if address in _TEREDO:
            return "a Teredo tunnel address"
    if address.is_loopback:
        return "this server itself (a loopback address)"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.version == 4 and address in _CGNAT:
        return "a carrier-grade NAT address"
    if address.version == 4 and address in _THIS_NETWORK:
        return "a 'this network' address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "an address that is not publicly routable"
    return None


def _listed(host: str, address: IPAddress, allowed: Collection[str]) -> bool:
    names = {entry.strip().strip("[]").lower() for entry in allowed}
    return host.lower() in names or str(address) in names


def check_address(host: str, ip: str, allow_private: AllowPrivate = False) -> None:
    """Raise BlockedAddress unless `ip` (an address `host` resolved or connected to) may be used."""
    if allow_private is True:
        return
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    reason = blocked_reason(address)
    if reason is None:
        return
    if isinstance(allow_private, str):
        allow_private = {allow_private}
    if allow_private and _listed(host, address, allow_private):
        return
    raise BlockedAddress(f"{host} points to {reason} ({address}), which is not allowed")


def _getaddrinfo(host: str, port: int, timeout: float | None) -> list:
    """getaddrinfo, given up on after `timeout` seconds (the lookup thread is left to finish)."""

    def lookup() -> list:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)

    if timeout is None:
        return lookup()
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = lookup()
        except Exception as error:  # handed to the caller's thread below
            box["error"] = error

    thread = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"looking up {host} took longer than {timeout:g} seconds")
    if "error" in box:
        raise box["error"]
    return box["result"]


def resolve_allowed(
    host: str, port: int, allow_private: AllowPrivate = False, *, timeout: float | None = None
) -> list[SockAddr]:
    """Resolve `host` and return its (family, sockaddr) pairs; BlockedAddress if any is private.

    One non-public address refuses the whole host: a name that mixes public and private answers is
    exactly what a rebinding attack looks like. socket.gaierror and TimeoutError pass through.
    """
    found: list[SockAddr] = []
    for family, _type, _proto, _canonical, sockaddr in _getaddrinfo(host, port, timeout):
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        check_address(host, sockaddr[0], allow_private)
        if (family, sockaddr) not in found:
            found.append((family, sockaddr))
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no IPv4 or IPv6 address")
    return found


def connect(
    host: str,
    addresses: list[SockAddr],
    allow_private: AllowPrivate,
    timeout: Callable[[], float],
) -> socket.socket:
    """A socket connected to one of `addresses` (from resolve_allowed), to exactly the address
    that was checked, whose peer is then checked once more.

    `timeout()` gives the seconds the next connection attempt may take; it may raise instead
    when the caller's deadline has passed. The last OSError is raised when every address fails.
    """
    last_error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout())
            sock.connect(sockaddr)
            check_address(host, sock.getpeername()[0], allow_private)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
        except BaseException:
            sock.close()
            raise
    if last_error is None:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address to connect to")
    raise last_error


def allow_private_setting(configured: object) -> AllowPrivate:
    """A config setting as AllowPrivate: True, or a host name or address, or a collection of
    them; unset or empty allows no private address."""
    if configured is True:
        return True
    if isinstance(configured, str):
        return frozenset({configured})
    if configured:
        return frozenset(configured)  # type: ignore[call-overload]
    return False


def allow_private_from_env() -> bool:
    """True when PORTAL_FEEDS_ALLOW_PRIVATE=1 (tests and the demo only); warns once in the log."""
    global _warned_allow_private
    if os.environ.get(ENV_ALLOW_PRIVATE, "").strip() != "1":
        return False
    if not _warned_allow_private:
        _warned_allow_private = True
        log.warning(
            "%s=1: feeds may be fetched from private and loopback addresses. "
            "Use this for tests and the demo only, never in production.",
            ENV_ALLOW_PRIVATE,
        )
    return True
