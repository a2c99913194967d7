"""The feed fetcher against a real loopback HTTP server: limits, redirects, conditional GET,
Retry-After, and the SSRF rules (the only mock is one DNS answer, as public DNS is unreachable)."""

from __future__ import annotations

import hashlib
import logging
import shutil
import socket
import ssl
import subprocess
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from portal.core.http import ssrf
from portal.core.http.ssrf import BlockedAddress, check_url, resolve_allowed
from portal.news.feeds import fetch as fetch_module
from portal.news.feeds.fetch import DEFAULT_USER_AGENT, fetch, user_agent
from portal.news.feeds.types import FetchOutcome
from tests.feed_server import RSS, FeedServer, running_feed_server

DEADLINE = 2.0
LOOPBACK = {"127.0.0.1"}  # the test server may be private; nothing else may


@pytest.fixture
def feed_server():
    with running_feed_server() as server:
        yield server


def timed_fetch(url: str, **options):
    """fetch() with short limits for tests, and how long it took."""
    options.setdefault("allow_private", LOOPBACK)
    options.setdefault("deadline", DEADLINE)
    options.setdefault("timeout", DEADLINE)
    started = time.monotonic()
    result = fetch(url, **options)
    return result, time.monotonic() - started


# SSRF: refused before any connection is made.

BLOCKED = [
    ("http://127.0.0.1/feed", "127.0.0.1", "loopback"),
    ("http://localhost/feed", "127.0.0.1", "loopback"),
    ("http://0x7f.1/feed", "127.0.0.1", "loopback"),
    ("http://2130706433/feed", "127.0.0.1", "loopback"),
    ("http://017700000001/feed", "127.0.0.1", "loopback"),
    ("http://127.1/feed", "127.0.0.1", "loopback"),
    ("http://[::1]/feed", "::1", "loopback"),
    ("http://[::ffff:127.0.0.1]/feed", "::ffff:7f00:1", "loopback address) written as IPv6"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
    ("http://10.0.0.1/feed", "10.0.0.1", "a private address"),
    ("http://172.16.5.4/feed", "172.16.5.4", "a private address"),
    ("http://192.168.1.1/feed", "192.168.1.1", "a private address"),
    ("http://100.64.0.1/feed", "100.64.0.1", "carrier-grade NAT"),
    ("http://0.0.0.0/feed", "0.0.0.0", "unspecified"),  # noqa: S104 - refused, not bound
    ("http://0.1.2.3/feed", "0.1.2.3", "'this network'"),
    ("http://[::]/feed", "::", "unspecified"),
    ("http://[64:ff9b::7f00:1]/feed", "64:ff9b::7f00:1", "written as IPv6"),
    ("http://[64:ff9b::a00:1]/feed", "64:ff9b::a00:1", "private address written as IPv6"),
    ("http://[2002:7f00:1::]/feed", "2002:7f00:1::", "written as IPv6"),  # 6to4 of 127.0.0.1
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "2001:0:4136:e378", "Teredo"),
    ("http://[fe80::1]/feed", "fe80::1", "link-local"),
    ("http://[fd00::1]/feed", "fd00::1", "a private address"),
    ("http://224.0.0.1/feed", "224.0.0.1", "multicast"),
    ("http://240.0.0.1/feed", "240.0.0.1", "reserved"),
    ("http://198.18.0.1/feed", "198.18.0.1", "private"),
]


@pytest.mark.parametrize(("url", "address", "reason"), BLOCKED)
def test_non_public_addresses_are_refused(url, address, reason):
    result, elapsed = timed_fetch(url, allow_private=False)
    assert result.outcome is FetchOutcome.FAILED
    assert address in result.error and reason in result.error
    assert result.error.endswith("which is not allowed")
    assert result.status is None and result.body is None
    assert elapsed < 1


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("file:///etc/passwd", "only http and https addresses can be fetched, not file:"),
        ("ftp://example.com/feed.xml", "not ftp:"),
        ("gopher://example.com/", "not gopher:"),
        ("javascript:alert(1)", "not javascript:"),
        ("example.com/feed.xml", "without http:// or https://"),
        ("http://user:secret@example.com/feed", "contains a user name or password"),
        ("https://token@example.com/feed", "contains a user name or password"),
        ("http:///feed.xml", "does not name a server"),
        ("http://example.com:99999/", "not a valid web address"),
        ("http://example.com/\r\nX-Injected: 1", "control characters"),
        ("", "empty"),
    ],
)
def test_other_schemes_credentials_and_malformed_urls_are_refused(url, words):
    with pytest.raises(BlockedAddress) as raised:
        check_url(url)
    assert words in str(raised.value)
    result, elapsed = timed_fetch(url, allow_private=True)
    assert result.outcome is FetchOutcome.FAILED and words in result.error
    assert elapsed < 1


def test_public_addresses_pass_the_check():
    for address in ["93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]:
        ssrf.check_address("example.com", address)  # no exception
        assert ssrf.blocked_reason(ssrf.ipaddress.ip_address(address)) is None


def test_a_public_name_resolving_to_loopback_is_refused(monkeypatch):
    """DNS can say anything: the answer is checked, not the name (the one mocked lookup)."""

    def answer(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    with pytest.raises(BlockedAddress, match=r"news\.example\.com points to this server itself"):
        resolve_allowed("news.example.com", 80)
    result, elapsed = timed_fetch("http://news.example.com/feed.xml", allow_private=False)
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == (
        "news.example.com points to this server itself (a loopback address) (127.0.0.1), "
        "which is not allowed"
    )
    assert elapsed < 1


def test_one_private_answer_among_public_ones_refuses_the_host(monkeypatch):
    def answer(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    with pytest.raises(BlockedAddress, match=r"a private address \(10\.1\.2\.3\)"):
        resolve_allowed("mixed.example.com", 443)


def test_the_connection_goes_to_the_checked_address_with_the_name_in_host(feed_server, monkeypatch):
    """Resolved once per hop; the socket connects to that address; Host carries the name."""
    url = feed_server.static("/feed.xml")
    real = socket.getaddrinfo
    lookups = []

    def answer(host, port, *args, **kwargs):
        lookups.append(host)
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    named = url.replace("127.0.0.1", "news.example.com")
    result, _ = timed_fetch(named, allow_private={"news.example.com"})
    assert result.outcome is FetchOutcome.OK and result.body == RSS
    assert lookups == ["news.example.com"]
    assert feed_server.requests[-1].headers["host"] == f"news.example.com:{feed_server.port}"


def test_loopback_server_works_only_when_private_addresses_are_allowed(feed_server):
    url = feed_server.static("/feed.xml")
    refused, _ = timed_fetch(url, allow_private=False)
    assert refused.outcome is FetchOutcome.FAILED
    assert "this server itself" in refused.error
    assert feed_server.requests == []  # refused before connecting
    allowed, _ = timed_fetch(url, allow_private=True)
    assert allowed.outcome is FetchOutcome.OK


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("http://10.0.0.1/feed.xml", "10.0.0.1 points to a private address (10.0.0.1)"),
        ("http://169.254.169.254/latest/", "points to a link-local address (169.254.169.254)"),
        ("http://[::ffff:10.0.0.1]/", "private address written as IPv6 (::ffff:a00:1)"),
        ("file:///etc/passwd", "only http and https addresses can be fetched"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(feed_server, target, words):
    url = feed_server.redirect("/moved", target)
    result, elapsed = timed_fetch(url)
    assert result.outcome is FetchOutcome.FAILED
    assert result.error.startswith(f"after a redirect to {target}: ")
    assert words in result.error
    assert result.url == target
    assert elapsed < 1


def test_allow_private_from_env_warns_once(monkeypatch, caplog):
    monkeypatch.setattr(ssrf, "_warned_allow_private", False)
    monkeypatch.delenv("PORTAL_FEEDS_ALLOW_PRIVATE", raising=False)
    assert fetch_module.allow_private_from_env() is False
    monkeypatch.setenv("PORTAL_FEEDS_ALLOW_PRIVATE", "yes")
    assert fetch_module.allow_private_from_env() is False
    monkeypatch.setenv("PORTAL_FEEDS_ALLOW_PRIVATE", "1")
    with caplog.at_level(logging.WARNING, logger="portal.core.http.ssrf"):
        assert fetch_module.allow_private_from_env() is True
        assert fetch_module.allow_private_from_env() is True
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "never in production" in warnings[0].getMessage()


# Plain fetches and conditional GET.


def test_ok_returns_body_validators_and_hash_and_sends_our_headers(feed_server):
    url = feed_server.static(
        "/feed.xml", headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2026 08:00:00 GMT"}
    )
    result, elapsed = timed_fetch(url)
    assert result.outcome is FetchOutcome.OK
    assert (result.status, result.body, result.url) == (200, RSS, url)
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 01 Jun 2026 08:00:00 GMT"
    assert result.body_hash == hashlib.sha256(RSS).hexdigest()
    assert result.error is None
    sent = feed_server.requests[-1].headers
    assert sent["user-agent"] == DEFAULT_USER_AGENT
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in sent and "if-modified-since" not in sent
    assert elapsed < 1


def test_user_agent_names_the_portal_and_its_address(feed_server):
    assert user_agent() == "PreboardingPortal/0.1 (company news reader)"
    ua = user_agent("https://portal.example.com")
    assert ua == "PreboardingPortal/0.1 (+https://portal.example.com; company news reader)"
    timed_fetch(feed_server.static("/feed.xml"), user_agent=ua)
    assert feed_server.requests[-1].headers["user-agent"] == ua


def test_etag_and_last_modified_are_sent_and_304_is_not_modified(feed_server):
    url = feed_server.conditional(
        "/feed.xml", etag='"abc"', last_modified="Mon, 01 Jun 2026 08:00:00 GMT"
    )
    first, _ = timed_fetch(url)
    assert first.outcome is FetchOutcome.OK
    by_etag, _ = timed_fetch(url, etag=first.etag)
    assert by_etag.outcome is FetchOutcome.NOT_MODIFIED
    assert (by_etag.status, by_etag.body, by_etag.etag) == (304, None, '"abc"')
    assert feed_server.requests[-1].headers["if-none-match"] == '"abc"'
    by_date, _ = timed_fetch(url, last_modified=first.last_modified)
    assert by_date.outcome is FetchOutcome.NOT_MODIFIED
    assert feed_server.requests[-1].headers["if-modified-since"] == first.last_modified
    changed, _ = timed_fetch(url, etag='"old"')
    assert changed.outcome is FetchOutcome.OK


def test_the_same_body_as_last_time_is_not_modified(feed_server):
    url = feed_server.static("/feed.xml")
    first, _ = timed_fetch(url)
    again, _ = timed_fetch(url, previous_hash=first.body_hash)
    assert again.outcome is FetchOutcome.NOT_MODIFIED
    assert again.status == 200 and again.body is None
    assert again.body_hash == first.body_hash


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", lambda data: zlib.compress(data, wbits=31)),
        (
            "gzip",
            lambda data: zlib.compress(data[:50], wbits=31) + zlib.compress(data[50:], wbits=31),
        ),
        ("deflate", lambda data: zlib.compress(data)),
        ("deflate", lambda data: zlib.compress(data, wbits=-15)),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "gzip-two-members", "deflate-zlib", "deflate-raw", "identity"],
)
def test_compressed_bodies_are_decoded(feed_server, encoding, encode):
    url = feed_server.static("/feed.xml", encode(RSS), headers={"Content-Encoding": encoding})
    result, _ = timed_fetch(url)
    assert result.outcome is FetchOutcome.OK and result.body == RSS
    assert result.body_hash == hashlib.sha256(RSS).hexdigest()


def test_chunked_transfer_encoding_is_read(feed_server):
    def handler(request):
        request.send_head(200, {"Transfer-Encoding": "chunked"})
        for piece in (RSS[:40], RSS[40:]):
            request.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        request.wfile.write(b"0\r\n\r\n")

    result, _ = timed_fetch(feed_server.route("/chunked", handler))
    assert result.outcome is FetchOutcome.OK and result.body == RSS


# Redirects.


def test_up_to_three_redirects_are_followed(feed_server):
    feed_server.static("/feed.xml")
    feed_server.redirect("/c", "/feed.xml", status=308)  # relative Location
    feed_server.redirect("/b", feed_server.url("/c"), status=307)
    url = feed_server.redirect("/a", feed_server.url("/b"), status=301)
    result, _ = timed_fetch(url)
    assert result.outcome is FetchOutcome.OK and result.body == RSS
    assert result.url == feed_server.url("/feed.xml")
    assert [request.path for request in feed_server.requests] == ["/a", "/b", "/c", "/feed.xml"]


def test_a_fourth_redirect_fails(feed_server):
    feed_server.static("/feed.xml")
    for name, target in [("/a", "/b"), ("/b", "/c"), ("/c", "/d"), ("/d", "/feed.xml")]:
        feed_server.redirect(name, target, status=303)
    result, _ = timed_fetch(feed_server.url("/a"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the feed address redirected more than 3 times"
    assert "/feed.xml" not in [request.path for request in feed_server.requests]


def test_a_redirect_loop_fails(feed_server):
    feed_server.redirect("/ping", "/pong")
    url = feed_server.redirect("/pong", "/ping")
    result, elapsed = timed_fetch(url)
    assert result.outcome is FetchOutcome.FAILED
    assert result.error.startswith("the feed address redirects in a loop")
    assert len(feed_server.requests) == 2 and elapsed < 1


def test_a_redirect_without_location_fails(feed_server):
    result, _ = timed_fetch(feed_server.static("/moved", b"", status=302))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the server answered 302 Found without saying where to"


# Deadlines: each of these ends within DEADLINE however the server behaves.


def assert_took_too_long(result, elapsed):
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the server took longer than 2 seconds to send the feed"
    assert DEADLINE - 0.1 <= elapsed < DEADLINE + 0.5


@pytest.mark.slow
@pytest.mark.parametrize("after_headers", [True, False], ids=["after-headers", "before-headers"])
def test_a_server_that_hangs_is_given_up_at_the_deadline(feed_server, after_headers):
    url = feed_server.hang("/feed.xml", seconds=30, after_headers=after_headers)
    assert_took_too_long(*timed_fetch(url))
    assert feed_server.wait_idle(1), "the handler noticed the client leaving"


@pytest.mark.slow
@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "status-line-and-headers"])
def test_a_server_dripping_one_byte_per_second_is_given_up_at_the_deadline(
    feed_server, headers_too
):
    url = feed_server.drip("/feed.xml", interval=1.0, headers_too=headers_too)
    assert_took_too_long(*timed_fetch(url))
    assert feed_server.wait_idle(2)


@pytest.mark.slow
def test_the_deadline_covers_all_redirect_hops(feed_server):
    feed_server.hang("/slow", seconds=30)
    url = feed_server.redirect("/a", "/slow")
    result, elapsed = timed_fetch(url)
    assert_took_too_long(result, elapsed)
    assert result.url == feed_server.url("/slow")


def test_a_refused_connection_is_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result, elapsed = timed_fetch(f"http://127.0.0.1:{port}/feed.xml")
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == f"127.0.0.1 refused the connection on port {port}"
    assert elapsed < 1


def test_an_unknown_host_is_reported():
    result, elapsed = timed_fetch("http://no-such-host.invalid/feed.xml")
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "could not find the server no-such-host.invalid: the name does not exist"
    assert elapsed < DEADLINE + 0.5


def test_a_tls_failure_is_reported(feed_server):
    url = feed_server.static("/feed.xml").replace("http://", "https://")
    result, elapsed = timed_fetch(url)
    assert result.outcome is FetchOutcome.FAILED
    assert result.error.startswith("the secure connection to 127.0.0.1 failed (")
    assert elapsed < 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_an_untrusted_certificate_is_reported(tmp_path):
    """A real TLS handshake against a self-signed certificate: verification is on."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with running_feed_server(tls=context) as server:
        result, elapsed = timed_fetch(server.static("/feed.xml"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == (
        "the secure connection to 127.0.0.1 failed: its certificate is not valid "
        "(self-signed certificate)"
    )
    assert elapsed < 1


def test_garbage_instead_of_http_is_reported(feed_server):
    def handler(request):
        request.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")

    result, _ = timed_fetch(feed_server.route("/feed.xml", handler))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "127.0.0.1 sent an answer that is not valid HTTP"


def test_a_body_cut_short_is_reported(feed_server):
    def handler(request):
        request.send_head(200, {"Content-Length": "1000"})
        request.wfile.write(RSS[:10])

    result, _ = timed_fetch(feed_server.route("/feed.xml", handler))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "127.0.0.1 closed the connection before the whole feed arrived"


def test_damaged_or_unknown_compression_is_reported(feed_server):
    damaged = feed_server.static("/gz", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    result, _ = timed_fetch(damaged)
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "127.0.0.1 sent a damaged compressed feed"
    truncated = zlib.compress(RSS, wbits=31)[:-12]
    cut = feed_server.static("/cut", truncated, headers={"Content-Encoding": "gzip"})
    result, _ = timed_fetch(cut)
    assert result.error == "the server sent a compressed feed that ends too early"
    brotli = feed_server.static("/br", b"\x0b\x02\x80", headers={"Content-Encoding": "br"})
    result, _ = timed_fetch(brotli)
    assert result.error == "the server compressed the feed as 'br', which is not supported"


# Size caps.


def test_a_50_mb_body_stops_at_5_mib(feed_server):
    url = feed_server.stream("/big.xml", total_bytes=50 * 1024 * 1024)
    result, elapsed = timed_fetch(url)
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the feed is larger than 5 MiB"
    assert result.body is None
    assert feed_server.wait_idle(2)
    assert feed_server.sent["/big.xml"] < 10 * 1024 * 1024  # we hung up early
    assert elapsed < DEADLINE


def test_a_declared_length_over_the_cap_is_refused_before_reading(feed_server):
    url = feed_server.stream("/big.xml", total_bytes=50 * 1024 * 1024, declare_length=True)
    result, _ = timed_fetch(url)
    assert result.error == "the feed is larger than 5 MiB"
    assert feed_server.wait_idle(2)
    assert feed_server.sent["/big.xml"] < 10 * 1024 * 1024


def test_the_cap_is_exact(feed_server):
    exact = feed_server.static("/exact", b"x" * 1000)
    over = feed_server.static("/over", b"x" * 1001, headers={"Content-Length": None})
    assert timed_fetch(exact, max_bytes=1000)[0].outcome is FetchOutcome.OK
    result, _ = timed_fetch(over, max_bytes=1000)
    assert result.error == "the feed is larger than 1000 bytes"


def test_a_gzip_bomb_stops_at_the_cap_without_inflating(feed_server):
    url = feed_server.gzip_bomb("/bomb.xml", expanded_bytes=2 * 1024 * 1024 * 1024)
    tracemalloc.start()
    try:
        result, elapsed = timed_fetch(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the feed is larger than 5 MiB"
    assert peak < 32 * 1024 * 1024
    assert feed_server.wait_idle(2)
    assert feed_server.sent["/bomb.xml"] < 200 * 1024  # a 2 GiB bomb; we read a few KB of it
    assert elapsed < DEADLINE


# Status codes and Retry-After.


def test_429_with_retry_after_seconds(feed_server):
    before = datetime.now(UTC)
    result, _ = timed_fetch(feed_server.retry_after("/feed.xml", status=429, value="120"))
    assert result.outcome is FetchOutcome.FAILED and result.status == 429
    assert before + timedelta(seconds=119) <= result.retry_after
    assert result.retry_after <= datetime.now(UTC) + timedelta(seconds=121)
    assert result.error.startswith("the server answered 429 Too Many Requests and asked us to wait")


def test_503_with_retry_after_date(feed_server):
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    value = format_datetime(when, usegmt=True)
    result, _ = timed_fetch(feed_server.retry_after("/feed.xml", status=503, value=value))
    assert result.status == 503 and result.retry_after == when
    assert result.error == (
        "the server answered 503 Service Unavailable and asked us to wait until "
        f"{when:%Y-%m-%d %H:%M:%S} UTC"
    )


def test_retry_after_is_capped_at_a_day(feed_server):
    result, _ = timed_fetch(feed_server.retry_after("/feed.xml", value=str(30 * 24 * 3600)))
    assert result.retry_after <= datetime.now(UTC) + timedelta(hours=24)
    assert result.retry_after > datetime.now(UTC) + timedelta(hours=23)


@pytest.mark.parametrize("value", [None, "soon"])
def test_503_without_a_usable_retry_after(feed_server, value):
    result, _ = timed_fetch(feed_server.retry_after("/feed.xml", status=503, value=value))
    assert result.outcome is FetchOutcome.FAILED and result.retry_after is None
    assert result.error == "the server answered 503 Service Unavailable"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, "the server answered 500 Internal Server Error"),
        (404, "the server answered 404 Not Found"),
        (403, "the server answered 403 Forbidden"),
    ],
)
def test_error_statuses_are_reported_in_plain_words(feed_server, status, error):
    result, _ = timed_fetch(feed_server.static("/feed.xml", b"oops", status=status))
    assert result.outcome is FetchOutcome.FAILED
    assert (result.status, result.error, result.retry_after) == (status, error, None)


def test_the_server_fixture_stops_cleanly_with_a_handler_still_waiting():
    """stop() wakes handlers that are waiting, so a failed test never hangs the suite."""
    server = FeedServer().start()
    url = server.hang("/feed.xml", seconds=60)
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        client.recv(100)
        started = time.monotonic()
        server.stop()
    assert time.monotonic() - started < 1
    assert url.endswith("/feed.xml")
