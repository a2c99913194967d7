"""Slow clients (issue 13, class 9): 50 connections trickling a request body must not stop a
normal request once nginx (deploy/nginx.conf) buffers in front of gunicorn's sync workers, and
they do stop it when the same clients reach gunicorn directly (so the test can fail)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
GUNICORN = BIN / "gunicorn"
SLOW_CLIENTS = 50
PROMPT_SECONDS = 2.0


def _require(tool: str | None, name: str) -> str:
    if tool and Path(tool).exists():
        return str(tool)
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI for the slow-client test")
    pytest.skip(f"{name} is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited early with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port} after {seconds} s")


def _get(port: int, path: str, timeout: float, extra: str = "") -> tuple[int, float]:
    """A plain HTTP/1.0 GET; returns (status, seconds) or raises TimeoutError."""
    status, seconds, _ = _fetch(port, path, timeout, extra, until=b"\r\n")
    return status, seconds


def _fetch(
    port: int,
    path: str,
    timeout: float,
    extra: str = "",
    until: bytes = b"\r\n\r\n",
    version: str = "1.0",
) -> tuple[int, float, str]:
    """Status, seconds and the response head (read up to `until`)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout) as sock:
        sock.settimeout(max(0.01, timeout - (time.monotonic() - started)))
        sock.sendall(f"GET {path} HTTP/{version}\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
        head = b""
        while until not in head:
            sock.settimeout(max(0.01, timeout - (time.monotonic() - started)))
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    text = head.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return int(text.split(" ", 2)[1]), time.monotonic() - started, text.lower()


class SlowClients:
    """Sockets that send a sign-in POST's headers, then its body one byte every half second."""

    def __init__(self, port: int, count: int = SLOW_CLIENTS) -> None:
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        head = (
            b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), 5)
            self.sockets.append(sock)
            # Nonblocking so one stuck socket (a full backlog) cannot stall the trickle.
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.send(head)
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(0.5):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for sock in self.sockets:
            sock.close()


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _nginx_config(tmp: Path, listen: int, upstream: int) -> Path:
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for placeholder, value in (
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{listen};"),
        ("/srv/portal", str(ROOT)),
    ):
        assert placeholder in site, f"deploy/nginx.conf lost its placeholder {placeholder!r}"
        site = site.replace(placeholder, value)
    (tmp / "site.conf").write_text(site)
    mime = Path("/etc/nginx/mime.types")
    types = f"include {mime};" if mime.exists() else "types { text/css css; }"
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 512; }}
http {{
    {types}
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""
    )
    return conf


def _readable_static(tmp: Path, request: pytest.FixtureRequest) -> Path:
    """Point the site (`_nginx_config`'s, in `tmp`) at a world-readable copy of static/, and
    return the folder holding it: nginx's workers may run as another
    user (nobody, when the tests run as root), and a clone or pytest's temporary folders may be
    private to their owner."""
    checkout = Path(tempfile.mkdtemp(prefix="portal-static-"))
    checkout.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(checkout, ignore_errors=True))
    shutil.copytree(ROOT / "static", checkout / "static")
    for folder in (checkout / "static", *(checkout / "static").rglob("*")):
        folder.chmod(0o755 if folder.is_dir() else 0o644)
    site = tmp / "site.conf"
    site.write_text(site.read_text().replace(str(ROOT), str(checkout)))
    return checkout


def test_fifty_slow_clients_do_not_stop_a_normal_request_behind_nginx(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    nginx = _require(NGINX, "nginx")
    gunicorn = _require(str(GUNICORN), "gunicorn")
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    setup_env = {**os.environ, "PORTAL_ENV": "development", "DATABASE_URL": database}
    flask = [str(BIN / "flask"), "--app", "portal"]
    subprocess.run([*flask, "db", "upgrade"], env=setup_env, cwd=ROOT, check=True, timeout=60)
    subprocess.run(
        [*flask, "users", "create", "--role", "hr", "--email", "hr@example.com"],
        input="a long enough password\na long enough password\n",
        text=True,
        env=setup_env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )

    app_port, proxy_port = _free_port(), _free_port()
    serve_env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "BASE_URL": f"http://127.0.0.1:{proxy_port}",
        "DATABASE_URL": database,
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_BIND": f"127.0.0.1:{app_port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_LOGLEVEL": "warning",
    }
    conf = _nginx_config(tmp_path, proxy_port, app_port)
    _readable_static(tmp_path, request)
    app_proc = proxy_proc = None
    slow: SlowClients | None = None
    try:
        app_proc = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "portal:create_app()"], env=serve_env, cwd=ROOT
        )
        proxy_proc = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"], cwd=tmp_path
        )
        _wait_for_port(app_port, app_proc)
        _wait_for_port(proxy_port, proxy_proc)
        assert _get(proxy_port, "/sign-in", 10)[0] == 200  # warm both workers' first request
        assert _get(proxy_port, "/sign-in", 10)[0] == 200
        # nginx serves the static files itself, cached and compressed.
        status, _, head = _fetch(
            proxy_port,
            "/static/portal.css",
            5,
            "Accept-Encoding: gzip\r\nConnection: close\r\n",
            version="1.1",
        )
        assert status == 200
        assert "cache-control: public, max-age=300" in head  # a plain name: briefly
        assert "content-encoding: gzip" in head

        slow = SlowClients(proxy_port)
        time.sleep(1.5)  # a few bytes have trickled in on every connection
        timings = []
        for _ in range(5):
            status, seconds = _get(proxy_port, "/sign-in", PROMPT_SECONDS)
            assert status == 200
            timings.append(seconds)
        assert max(timings) < PROMPT_SECONDS
        print(f"through nginx with {SLOW_CLIENTS} slow clients: {[round(t, 3) for t in timings]}")
        slow.close()

        # The contrast: the same slow clients straight at gunicorn hold both sync workers.
        slow = SlowClients(app_port)
        time.sleep(1.5)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            _get(app_port, "/sign-in", PROMPT_SECONDS)
        print(f"straight to gunicorn: no answer after {time.monotonic() - started:.2f} s")
    finally:
        if slow is not None:
            slow.close()
        _stop(proxy_proc)
        _stop(app_proc)
