"""A real HTTP server on 127.0.0.1 that receives webhooks: it records every request's headers
and body, and can be told to fail the first N deliveries, answer some other status (410 Gone,
a redirect), answer slowly, or hold requests unanswered until released.

    with running_receiver() as receiver:
        receiver.fail_first(3)            # 500 to the next three requests, then 200
        url = receiver.url("/hooks")
        ...
        deliveries = receiver.wait_for(5)  # Delivery(path, headers, body, received_at)

A request is recorded as soon as its body has arrived, before it is answered, so a delivery
whose sender died while waiting for the answer is still seen (as a real receiver would).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received_at: float  # time.time()

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the name http.server looks for
        receiver = self.server.receiver
        self.close_connection = True
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        delivery = Delivery(self.path, headers, body, time.time())
        status, extra, number = receiver._record(delivery)
        receiver._wait_before_answering(delivery, number)
        if receiver.stopping.is_set():
            return
        answer = json.dumps({"status": status}).encode()
        try:
            self.send_response(status)
            for name, value in {**extra, "Content-Type": "application/json"}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer)
        except (ConnectionError, TimeoutError):
            pass  # the sender gave up or was killed: exactly what some tests provoke

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"webhook-receiver handler {client_address[1]}",
            daemon=True,
        )
        self.receiver.threads.append(thread)
        thread.start()

    def handle_error(self, request, client_address) -> None:
        pass  # a sender killed mid-request: nothing to report


class WebhookReceiver:
    host = "127.0.0.1"

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.threads: list[threading.Thread] = []
        self.stopping = threading.Event()
        self._changed = threading.Condition()
        self._failures_left = 0
        self._failure_status = 500
        self._status = 200
        self._headers: dict[str, str] = {}
        self._delay = 0.0
        self._released = threading.Event()
        self._released.set()
        self._hold_after = 0
        self.held: list[Delivery] = []  # requests kept unanswered by hold()
        self._httpd = _Server((self.host, 0), _Handler)
        self._httpd.receiver = self
        self._thread: threading.Thread | None = None

    # Behaviour.

    def fail_first(self, count: int, status: int = 500) -> None:
        """Answer `status` to the next `count` requests, then the usual answer."""
        with self._changed:
            self._failures_left, self._failure_status = count, status

    def answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer `status` (with `headers`) from now on, once any failures asked for are used."""
        with self._changed:
            self._status, self._headers = status, dict(headers or {})

    def slow(self, seconds: float) -> None:
        """Wait `seconds` after a request has arrived before answering it."""
        self._delay = seconds

    def hold(self, after: int = 0) -> None:
        """Keep requests unanswered until release() (or stop()): every request from now on,
        or only those after the first `after` requests received in all."""
        self._hold_after = after
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    # What arrived.

    def _record(self, delivery: Delivery) -> tuple[int, dict[str, str], int]:
        """Keep the delivery; its answer and its number (1 for the first request)."""
        with self._changed:
            self.deliveries.append(delivery)
            self._changed.notify_all()
            number = len(self.deliveries)
            if self._failures_left > 0:
                self._failures_left -= 1
                return self._failure_status, {}, number
            return self._status, dict(self._headers), number

    def _wait_before_answering(self, delivery: Delivery, number: int) -> None:
        if self._delay:
            self.stopping.wait(self._delay)
        if self._released.is_set() or number <= self._hold_after:
            return
        with self._changed:
            self.held.append(delivery)
            self._changed.notify_all()
        while not self._released.is_set() and not self.stopping.is_set():
            self._released.wait(0.05)

    def wait_until_held(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """The held requests once there are at least `count`."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.held) >= count, timeout=timeout)
            return list(self.held)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """The deliveries once there are at least `count` (or whatever came within `timeout`)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout)
            return list(self.deliveries)

    def received(self) -> list[Delivery]:
        with self._changed:
            return list(self.deliveries)

    # Running.

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = "/hooks") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> WebhookReceiver:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="webhook-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._released.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
        self._httpd.server_close()
        for thread in list(self.threads):
            thread.join(5)
        alive = [thread.name for thread in self.threads if thread.is_alive()]
        if alive:
            raise RuntimeError(f"webhook receiver handlers still running after stop: {alive}")


@contextmanager
def running_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
