"""Helpers for the browser tests: a live server, Chromium, axe-core and the Nu HTML checker.

The tools come from outside the Python environment: Debian's chromium (/usr/bin/chromium),
axe-core and vnu-jar from npm (`npm ci` at the repository root), and a Java runtime for
vnu.jar. When one is missing the tests that need it are skipped with the reason, except when
the CI environment variable is set: there a missing tool is a failure, never a silent skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from portal.core.extensions import db
from portal.demo import load as demo
from tests.support import sign_in

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path(os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium"))
# Debian's chromium, run as root in a container, offline: no sandbox, no GPU, no phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NPM_HINT = "run `npm ci --ignore-scripts` at the repository root"


def require(available: bool, reason: str) -> None:
    """Skip when a tool is missing locally; fail when CI is set, so CI never skips silently."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure rather than a skip)")
    pytest.skip(reason)


def require_chromium() -> None:
    require(
        os.access(CHROMIUM, os.X_OK),
        f"Chromium not found at {CHROMIUM}: `apt-get install chromium` "
        "(Playwright must not download its own browser here)",
    )


def require_axe() -> None:
    require(AXE_JS.is_file(), f"axe-core is not installed ({AXE_JS} is missing): {NPM_HINT}")


def java_executable() -> str | None:
    return shutil.which("java")


def require_vnu() -> str:
    """The java executable to run vnu.jar with."""
    require(VNU_JAR.is_file(), f"vnu-jar is not installed ({VNU_JAR} is missing): {NPM_HINT}")
    java = java_executable()
    require(
        java is not None,
        "Java is not installed, and vnu.jar needs it: `apt-get install default-jre-headless`",
    )
    assert java is not None
    return java


# --- The live server -------------------------------------------------------------------------


class InFlight:
    """WSGI middleware counting the requests being answered, so that stopping the server can
    wait for them: a request the browser sent just before a test ended must not write after
    the tables are emptied for the next test (the server's request threads are daemons that
    `shutdown` does not wait for)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            # The body is read (and the answer closed) before the count drops.
            answer = self.app(environ, start_response)
            try:
                return list(answer)
            finally:
                if hasattr(answer, "close"):
                    answer.close()
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


@dataclass
class LiveServer:
    """The portal served over real HTTP on 127.0.0.1, with the demo data loaded."""

    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread
    # Demo dates are counted from "today" in each candidate's zone while loading: the tests
    # need to know when that happened to work out the same dates on their own.
    loaded_between: tuple[datetime, datetime]
    in_flight: InFlight | None = None

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def client_signed_in(self, email: str, password: str = demo.DEMO_PASSWORD) -> FlaskClient:
        """A Flask test client of the served app, signed in through the form (no browser)."""
        client = self.app.test_client()
        response = sign_in(client, email, password)
        assert response.status_code == 302, f"{email} could not sign in ({response.status_code})"
        return client

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        if self.in_flight is not None:
            self.in_flight.wait(timeout=30)


def start_live_server(app: Flask) -> LiveServer:
    with app.app_context():
        before = datetime.now(UTC)
        demo.load()  # queued invitation emails stay queued: nothing here sends mail
        db.session.commit()
        after = datetime.now(UTC)
        db.session.remove()
    in_flight = InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
        name="live-server",
        daemon=True,
    )
    thread.start()
    return LiveServer(
        app=app,
        server=server,
        thread=thread,
        loaded_between=(before, after),
        in_flight=in_flight,
    )


# --- Pages in Chromium ------------------------------------------------------------------------

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
SIGN_OUT = re.compile(r"^Sign out")


class PageOpener:
    """Opens each page in a fresh browser context (no cookies) aimed at the live server.

    Pages keep the portal's real CSP unless opened with bypass_csp=True, which the pages that
    axe checks need: axe-core is injected as an inline script, and the CSP would block it.
    """

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []

    def __call__(
        self,
        *,
        viewport: dict | None = None,
        bypass_csp: bool = False,
        java_script: bool = True,
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=viewport or DESKTOP,
            bypass_csp=bypass_csp,
            java_script_enabled=java_script,
            locale="en-GB",
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


@contextmanager
def open_pages(browser: Browser, base_url: str) -> Iterator[PageOpener]:
    """A PageOpener whose contexts are closed on leaving: `yield` it from a fixture."""
    opener = PageOpener(browser, base_url)
    try:
        yield opener
    finally:
        opener.close()


def sign_in_with_the_form(page: Page, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    """Fill in and send the sign-in form; whether it worked is for the caller to check."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(open_page, email: str, password: str = demo.DEMO_PASSWORD, **options) -> Page:
    """A new page from `open_page(**options)`, signed in through the form as `email`."""
    page = open_page(**options)
    sign_in_with_the_form(page, email, password)
    expect(page.get_by_role("button", name=SIGN_OUT)).to_be_visible()
    return page


def assert_fits(page: Page, name: str, width: int = PHONE["width"]) -> None:
    """Fail when the page is laid out wider than `width` CSS pixels: it would scroll sideways."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{name} scrolls sideways: {wide}px wide"


# --- axe-core ----------------------------------------------------------------------------------

# WCAG 2.x A and AA plus axe's best practices; every rule axe has for those tags runs.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def run_axe(page) -> list[dict]:
    """Inject axe-core into the page and return its violations.

    axe arrives as an inline <script>, which the portal's CSP (script-src 'self') blocks:
    the browser context must be created with bypass_csp=True.
    """
    require_axe()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        AXE_TAGS,
    )
    return results["violations"]


def describe_violations(violations: Iterable[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' > '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n         ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, name: str | None = None) -> None:
    """Fail, with axe's report, when axe-core finds anything on the page (`name`: which page)."""
    violations = run_axe(page)
    if violations:
        where = f" on {name}" if name else ""
        pytest.fail(f"axe-core{where}:\n{describe_violations(violations)}", pytrace=False)


# --- The Nu HTML checker -----------------------------------------------------------------------


@dataclass
class VnuReport:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @staticmethod
    def _text(reports: dict[str, list[str]]) -> str:
        return "\n".join(
            f"{name}:\n" + "\n".join(f"  {line}" for line in lines)
            for name, lines in reports.items()
        )

    def errors_text(self) -> str:
        return self._text(self.errors)

    def warnings_text(self) -> str:
        return self._text(self.warnings)


def validate_html(documents: dict[str, str], workdir: Path) -> VnuReport:
    """Check every document with vnu.jar in one run (the JVM starts once)."""
    java = require_vnu()
    paths = []
    for name, html in documents.items():
        path = workdir / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(str(path))
    completed = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        messages = json.loads(completed.stdout)["messages"]
    except (ValueError, KeyError) as error:
        raise AssertionError(
            f"vnu.jar gave no JSON report (exit {completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        ) from error
    report = VnuReport()
    for message in messages:
        name = Path(message.get("url", "?")).stem  # "file:/tmp/.../sign-in.html"
        where = f"line {message['lastLine']}: " if "lastLine" in message else ""
        extract = message.get("extract", "").strip().replace("\n", " ")
        line = f"{where}{message.get('message', '')}" + (f"  [{extract}]" if extract else "")
        if message.get("type") == "info":  # vnu's warnings are info messages (subType warning)
            report.warnings.setdefault(name, []).append(line)
        else:  # "error", and "non-document-error" (the file could not be checked at all)
            report.errors.setdefault(name, []).append(line)
    return report


def assert_valid_html(documents: dict[str, str], workdir: Path) -> None:
    """Fail on any error of the Nu HTML checker; its warnings are printed (shown with -s)."""
    report = validate_html(documents, workdir)
    if report.warnings:
        print(f"Nu HTML checker warnings:\n{report.warnings_text()}")
    if report.errors:
        pytest.fail(f"Nu HTML checker errors:\n{report.errors_text()}", pytrace=False)
