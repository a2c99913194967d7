"""The moving parts of bench/web.py: gunicorn servers it starts and always stops, a small HTTP
browser that keeps cookies (Secure ones too: the bench talks plain HTTP on loopback), and wrk.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
WRK_SCRIPTS = ROOT / "bench" / "wrk"
WRK_THREADS = 2
WRK_CONNECTIONS = 16
WRK_TIMEOUT = "30s"  # gunicorn's own timeout: a slow page is measured, not dropped
WORKERS = "2"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One gunicorn (gunicorn.conf.py, 2 sync workers) serving `app` on a loopback port."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def boots(self) -> int:
        """Workers started so far (the first ones, then one per recycled worker)."""
        return self.log_path.read_text(errors="replace").count("Booting worker")

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@contextlib.contextmanager
def gunicorn(name: str, app: str, folder: Path, env: dict[str, str]) -> Iterator[Server]:
    """Start gunicorn with the project's settings, wait until it answers, stop it on the way out
    (error, Ctrl+C or SIGTERM included)."""
    port = free_port()
    log_path = folder / f"{name}.log"
    environment = {
        **os.environ,
        **env,
        "WEB_CONCURRENCY": WORKERS,
        "PORTAL_BIND": f"127.0.0.1:{port}",
        # Steady state for both servers: recycling after 1,000 requests (production's setting)
        # would restart the hello world's workers a hundred times a run, the portal's a few.
        "GUNICORN_MAX_REQUESTS": "0",
    }
    with log_path.open("w") as log:
        # A session of its own: Ctrl+C in the terminal reaches the bench, which stops it.
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(GUNICORN), "-c", "gunicorn.conf.py", app],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, port, process, log_path)
    try:
        _wait_until_serving(server)
        yield server
    except Exception:
        print(f"--- the end of {name}'s log ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        _stop(process)


def _wait_until_serving(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log_tail()}")
        with contextlib.suppress(OSError):
            status, _headers, _body = Browser(server.port).request("GET", "/", timeout=5)
            if status < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {seconds:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """Quick shutdown (SIGINT to the master, which stops its workers); SIGKILL to the group we
    started if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@dataclass
class Browser:
    """Plain HTTP/1.1 requests that keep the cookies they are given, like one browser tab."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> tuple[int, dict[str, str], str]:
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                self._keep(value)
            return response.status, dict(response.headers.items()), page
        finally:
            connection.close()

    def _keep(self, set_cookie: str) -> None:
        jar: SimpleCookie = SimpleCookie()
        jar.load(set_cookie)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        """GET the page holding the form, then POST it with its CSRF token: status and page."""
        status, _headers, page = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        status, _headers, page = self.request(
            "POST", path, form={"csrf_token": csrf_token(page), **data}
        )
        return status, page


def csrf_token(page: str) -> str:
    found = _CSRF.search(page)
    if not found:
        raise RuntimeError("no csrf_token in the page")
    return found.group(1)


def sign_in(port: int, email: str, password: str) -> Browser:
    """A browser signed in through the sign-in form; RuntimeError unless the portal lets it in."""
    browser = Browser(port)
    status, _page = browser.post_form("/sign-in", {"email": email, "password": password})
    if status != 302:
        raise RuntimeError(f"signing in as {email} answered {status}, not 302")
    return browser


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("The benchmark needs wrk: apt-get install wrk")
    return found


def run_wrk(
    url: str,
    seconds: int,
    folder: Path,
    *,
    script: str = "report.lua",
    headers: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> dict:
    """One wrk run (the same threads, connections and timeout every time); what report.lua
    wrote."""
    out = folder / "wrk.json"
    out.unlink(missing_ok=True)
    command = [
        wrk_path(),
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(WRK_SCRIPTS / script),
    ]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    environment = {**os.environ, **(env or {}), "BENCH_WRK_OUT": str(out)}
    finished = subprocess.run(  # noqa: S603 - wrk with fixed arguments
        command, env=environment, capture_output=True, text=True, timeout=seconds + 120
    )
    if finished.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({finished.returncode}):\n{finished.stderr}")
    result: dict = json.loads(out.read_text())
    return result
