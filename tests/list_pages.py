"""Helpers for the tests of HR's long lists (people, news entries, webhook deliveries): follow a
keyset page's "next" link to the end, count a page's SQL statements, and check pages with
axe-core in a real browser and with the Nu HTML checker."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

from flask import Flask

from tests.support import run_counted

BUDGET = 8  # SQL statements a page may take, whatever the number of rows
MAX_BYTES = 150_000  # what a page may weigh, whatever the number of rows
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def next_link(page: str, label: str) -> str | None:
    """Where the pager's `rel="next"` link named `label` leads, if the page has one."""
    found = re.search(rf'<a href="([^"]+)" rel="next">{re.escape(label)}</a>', page)
    return unescape(found.group(1)) if found else None


def every_page(
    client, path: str, listed: Callable[[str], list[int]], label: str
) -> list[list[int]]:
    """The row ids of each page, following the `label` link from `path` to the last page."""
    pages: list[list[int]] = []
    next_path: str | None = path
    while next_path is not None:
        answer = client.get(next_path)
        assert answer.status_code == 200, next_path
        page = answer.get_data(as_text=True)
        pages.append(listed(page))
        next_path = next_link(page, label)
        assert len(pages) < 100, "the pages never end"
    return pages


def queries(app: Flask, client, path: str) -> tuple[int, str]:
    """How many SQL statements a GET of `path` ran (not counting BEGIN and COMMIT), and the
    page."""
    statements, page = run_counted(app, client, path)
    return len([s for s in statements if not _TRANSACTION_CONTROL.match(s)]), page


def check_in_a_browser(
    make_app,
    browser,
    tmp_path: Path,
    seed: Callable[[Flask], list[str]],
    then: Callable[[Any], None] | None = None,
    **config: Any,
) -> None:
    """Serve the portal with the demo data, let `seed` add rows and name the paths to check,
    then run axe-core on each (signed in as the demo's HR person, in Chromium), `then` on the
    browser's page (the last path open), and the Nu HTML checker on all of them."""
    from portal.demo import load as demo
    from tests import browser as tools
    from tests.support import sign_in

    tools.require_axe()
    tools.require_vnu()
    app = make_app(**config)
    server = tools.start_live_server(app)
    context = browser.new_context(base_url=server.url, bypass_csp=True, locale="en-GB")
    try:
        paths = seed(app)
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Email").fill(demo.HR_EMAIL)
        page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/hr/$"))
        for path in paths:
            page.goto(path)
            violations = tools.run_axe(page)
            assert not violations, f"{path}: {tools.describe_violations(violations)}"
        if then is not None:
            then(page)
    finally:
        context.close()
        server.stop()
    client = app.test_client()
    assert sign_in(client, demo.HR_EMAIL, demo.DEMO_PASSWORD).status_code == 302
    documents = {
        f"page-{n}": client.get(path).get_data(as_text=True) for n, path in enumerate(paths)
    }
    report = tools.validate_html(documents, tmp_path)
    assert not report.errors, f"Nu HTML checker errors ({paths}):\n{report.errors_text()}"
