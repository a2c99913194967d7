"""A real HTTP server on 127.0.0.1 for feed tests: register routes, then fetch `server.url(path)`.

    from tests.feed_server import running_feed_server

    @pytest.fixture
    def feed_server():
        with running_feed_server() as server:
            yield server

    def test_something(feed_server):
        url = feed_server.static("/feed.xml", b"<rss/>", headers={"ETag": '"v1"'})

(Importing the `feed_server` fixture below works too, but ruff then reports F811 on every test
that takes it as an argument.) Fetch it with allow_private={"127.0.0.1"}: only the test server
is exempt from the SSRF rules, so a redirect to another private address is still refused.

Handlers run in their own threads, stop as soon as the client hangs up or the server stops, and
`stop()` fails loudly if one is still running, so a test cannot leak threads into the next one.
Every request is recorded in `requests` (path and lower-cased headers) for assertions.
"""

from __future__ import annotations

import select
import socket
import ssl
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

MiB = 1024 * 1024
RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Company news</title>'
    b"<item><title>Hello</title><guid>1</guid></item></channel></rss>"
)


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-cased names


class FeedRequest(BaseHTTPRequestHandler):
    """One request; route handlers get this object and use `respond`, `wfile` and `client_gone`."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # a write to a client that stopped reading gives up instead of blocking forever
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server looks for
        feed = self.server.feed
        self.close_connection = True
        feed.requests.append(
            RecordedRequest(
                self.path, {name.lower(): value for name, value in self.headers.items()}
            )
        )
        handler = feed.routes.get(self.path) or feed.routes.get(self.path.split("?", 1)[0])
        try:
            if handler is None:
                self.respond(404, b"no such route")
            else:
                handler(self)
        except (ConnectionError, TimeoutError):
            pass  # the client hung up: exactly what several tests provoke

    def respond(
        self, status: int, body: bytes = b"", headers: dict[str, str | None] | None = None
    ) -> None:
        """Send a whole response; a header given as None is left out (e.g. Content-Length)."""
        fields: dict[str, str | None] = {
            "Content-Type": "application/rss+xml; charset=utf-8",
            "Content-Length": str(len(body)),
        }
        fields.update(headers or {})
        self.send_head(status, fields)
        self.wfile.write(body)

    def send_head(self, status: int, headers: dict[str, str | None]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if value is not None:
                self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()

    def client_gone(self, seconds: float) -> bool:
        """Wait up to `seconds`; True as soon as the client hung up or the server is stopping."""
        ends = time.monotonic() + seconds
        while (left := ends - time.monotonic()) > 0:
            if self.server.feed.stopping.is_set():
                return True
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                except OSError:
                    return True
                time.sleep(min(left, 0.05))  # unexpected extra bytes: keep waiting
        return self.server.feed.stopping.is_set()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    feed: FeedServer

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"feed-server handler {client_address[1]}",
            daemon=True,
        )
        self.feed.threads.append(thread)
        thread.start()

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
            super().handle_error(request, client_address)


def _gzip_zeros(expanded_bytes: int, chunk: int = MiB):
    """A gzip stream of `expanded_bytes` zeros, compressed lazily: ~1 KB out per MiB in."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(chunk)
    produced = 0
    while produced < expanded_bytes:
        piece = min(chunk, expanded_bytes - produced)
        produced += piece
        if out := compressor.compress(zeros[:piece]):
            yield out
    yield compressor.flush()


class FeedServer:
    """Routes on a loopback ThreadingHTTPServer; `start()`, `url(path)`, `stop()`."""

    host = "127.0.0.1"

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Callable[[FeedRequest], None]] = {}
        self.requests: list[RecordedRequest] = []
        self.sent: dict[str, int] = {}  # body bytes written per streaming route
        self.threads: list[threading.Thread] = []
        self.stopping = threading.Event()
        self._httpd = _Server((self.host, 0), FeedRequest)
        self._httpd.feed = self
        self.scheme = "https" if tls else "http"
        if tls:  # the handshake happens in the handler thread, on the first read
            self._httpd.socket = tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def start(self) -> FeedServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="feed-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def wait_idle(self, timeout: float = 3.0) -> bool:
        """True once every handler thread has finished (within `timeout` seconds)."""
        ends = time.monotonic() + timeout
        for thread in list(self.threads):
            thread.join(max(0.0, ends - time.monotonic()))
        return not any(thread.is_alive() for thread in self.threads)

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
        self._httpd.server_close()
        if not self.wait_idle(5):
            alive = [thread.name for thread in self.threads if thread.is_alive()]
            raise RuntimeError(f"feed server handlers still running after stop: {alive}")

    # Routes. Each returns the full URL of the route it registered.

    def route(self, path: str, handler: Callable[[FeedRequest], None]) -> str:
        self.routes[path] = handler
        return self.url(path)

    def static(
        self,
        path: str,
        body: bytes = RSS,
        *,
        status: int = 200,
        headers: dict[str, str | None] | None = None,
    ) -> str:
        return self.route(path, lambda request: request.respond(status, body, headers))

    def conditional(
        self,
        path: str,
        body: bytes = RSS,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> str:
        """200 with the validators, or 304 when If-None-Match or If-Modified-Since matches."""
        validators = {"ETag": etag, "Last-Modified": last_modified}

        def handler(request: FeedRequest) -> None:
            matches = (etag is not None and request.headers.get("If-None-Match") == etag) or (
                last_modified is not None
                and request.headers.get("If-Modified-Since") == last_modified
            )
            if matches:
                request.respond(304, b"", {**validators, "Content-Length": None})
            else:
                request.respond(200, body, validators)

        return self.route(path, handler)

    def redirect(self, path: str, location: str, *, status: int = 302) -> str:
        return self.static(path, b"", status=status, headers={"Location": location})

    def hang(self, path: str, *, seconds: float = 30.0, after_headers: bool = True) -> str:
        """Say nothing for `seconds` (optionally after promising a 1000-byte body)."""

        def handler(request: FeedRequest) -> None:
            if after_headers:
                request.send_head(200, {"Content-Length": "1000"})
            request.client_gone(seconds)

        return self.route(path, handler)

    def drip(
        self, path: str, body: bytes = RSS, *, interval: float = 1.0, headers_too: bool = False
    ) -> str:
        """Send the response one byte every `interval` seconds (the status line too if asked)."""

        def handler(request: FeedRequest) -> None:
            if headers_too:
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                data = head + body
            else:
                request.send_head(200, {"Content-Length": str(len(body))})
                data = body
            for index in range(len(data)):
                request.wfile.write(data[index : index + 1])
                self.sent[path] = index + 1
                if request.client_gone(interval):
                    return

        return self.route(path, handler)

    def stream(
        self, path: str, *, total_bytes: int = 50 * MiB, declare_length: bool = False
    ) -> str:
        """A large body written in 64 KiB pieces, with or without a Content-Length."""
        piece = b"x" * (64 * 1024)

        def handler(request: FeedRequest) -> None:
            length = str(total_bytes) if declare_length else None
            request.send_head(
                200, {"Content-Type": "application/rss+xml", "Content-Length": length}
            )
            self.sent[path] = 0
            while self.sent[path] < total_bytes and not self.stopping.is_set():
                request.wfile.write(piece[: total_bytes - self.sent[path]])
                self.sent[path] += min(len(piece), total_bytes - self.sent[path])

        return self.route(path, handler)

    def gzip_bomb(self, path: str, *, expanded_bytes: int = 2 * 1024 * MiB) -> str:
        """Content-Encoding: gzip of `expanded_bytes` zeros, compressed as it is sent (about 1 KB
        per MiB), so only what the client actually reads is ever built."""

        def handler(request: FeedRequest) -> None:
            request.send_head(200, {"Content-Encoding": "gzip", "Content-Type": "application/xml"})
            self.sent[path] = 0
            for out in _gzip_zeros(expanded_bytes):
                if self.stopping.is_set():
                    return
                request.wfile.write(out)
                self.sent[path] += len(out)

        return self.route(path, handler)

    def retry_after(self, path: str, *, status: int = 429, value: str | None = "120") -> str:
        return self.static(path, b"slow down", status=status, headers={"Retry-After": value})


@contextmanager
def running_feed_server(tls: ssl.SSLContext | None = None) -> Iterator[FeedServer]:
    """A started FeedServer, stopped (and checked for leftover handler threads) afterwards."""
    server = FeedServer(tls).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running_feed_server() as server:
        yield server
