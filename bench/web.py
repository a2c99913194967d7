"""Throughput of the portal's main pages under gunicorn, against a bare Flask app served the same
way (not a test): `make bench`, or `.venv/bin/python bench/web.py`. Needs wrk.

Seeds a cohort (BENCH_SCALE candidates, 1,000 by default, × 200 events, one recruiter, one HR
person) on SQLite in a temporary folder, or on PostgreSQL when BENCH_DATABASE_URL names a
database (created if missing, emptied every run; never `test`). Serves the portal as production
does (PORTAL_ENV=production, gunicorn.conf.py with 2 sync workers), bench/hello.py and
bench/floor.py with the same settings, signs in over HTTP, drives every page with wrk for
BENCH_SECONDS (10) seconds, and prints a table: req/s, latency, errors, page size, SQL per page
(counted in-process on the same database) and the ratio to the hello world of the same run. The
floor row, right after hello's, is bench/floor.py: a bare Flask page of 2 SQL queries in a Jinja
layout (no sign-in, session, CSRF or translations), the reference the page targets were
calibrated on, measured like a page so the report shows the framework's floor beside the
portal's pages. The table, the machine and the targets are appended to bench/RESULTS.md
(BENCH_RESULTS names another file). Exits 0 whether or not the targets are met; every server is
stopped on any exit, Ctrl+C included.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import web_data as data
import web_report
import web_servers as servers
from web_report import Row
from web_servers import Browser

RESULTS = servers.ROOT / "bench" / "RESULTS.md"
HELLO = "hello (bare Flask)"
FLOOR = "floor (bare Flask, 2 SQL, layout)"
FLOOR_SQL = 2  # bench/floor.py's page: one user row, one count
PORTAL_FLOOR = "portal floor (the floor's page in the portal, signed in)"
# Not read from the environment by portal/core/config.py, so gunicorn hands them to
# create_app(): left at production's values, a 10-second run is mostly 429s. Nothing else of
# production's configuration changes.
RAISED_LIMITS = {"QUESTION_LIMITS": "1000000 per minute", "API_RATE_LIMIT": "1000000 per minute"}
WARM_UP_REQUESTS = 6


@dataclass(frozen=True)
class Page:
    label: str
    audience: str  # anonymous, candidate, recruiter, hr or api
    path: str
    method: str = "GET"
    min_ratio: float | None = None
    max_sql: int | None = None
    server: str = "portal"  # or "portal_floor": bench/portal_floor.py, the portal plus its page


PAGES = [
    Page(PORTAL_FLOOR, "candidate", data.portal_floor.PATH, server="portal_floor"),
    Page("sign-in page", "anonymous", "/sign-in"),
    Page("candidate home", "candidate", "/candidate/", min_ratio=0.27, max_sql=5),
    Page("candidate thread", "candidate", "/candidate/questions"),
    Page("recruiter dashboard", "recruiter", "/recruiter/", min_ratio=0.15),
    Page("HR engagement", "hr", "/hr/engagement", min_ratio=0.15),
    Page("API candidates list", "api", "/api/v1/candidates", min_ratio=0.2),
    # Last: its questions would lengthen the thread measured above.
    Page("question POST", "candidate", "/candidate/questions", "POST", min_ratio=0.25),
]


@dataclass
class Visitors:
    """What wrk sends as each audience: cookie or bearer headers, and the question form's
    sessions (cookie, CSRF token), one per posting candidate."""

    headers: dict[str, dict[str, str]]
    posting: list[tuple[str, str]]
    api_token: str


def _stop_on_sigterm(_signum: int, _frame: object) -> NoReturn:
    raise SystemExit(143)  # unwinds through the `finally`s that stop the servers


def main() -> int:
    scale = int(os.environ.get("BENCH_SCALE") or 1000)
    seconds = int(os.environ.get("BENCH_SECONDS") or 10)
    postgres = os.environ.get("BENCH_DATABASE_URL", "").strip()
    results = Path(os.environ.get("BENCH_RESULTS") or RESULTS)
    servers.wrk_path()  # fail early, before any seeding, when wrk is missing
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as temporary:
        folder = Path(temporary)
        if postgres:
            url, database = postgres, data.prepare_database(postgres)
        else:
            url, database = f"sqlite:///{folder / 'bench.sqlite3'}", data.sqlite_description()
        print(f"Seeding {scale:,} candidates × {data.EVENTS_PER_CANDIDATE} events ({database})")
        cohort = data.seed(url, scale)
        environment = _production_environment(url)
        app_spec = f"portal:create_app({RAISED_LIMITS!r})"
        floor_spec = f"bench.portal_floor:create_app({RAISED_LIMITS!r})"
        with (
            servers.gunicorn("portal", app_spec, folder, environment) as portal,
            servers.gunicorn("hello", "bench.hello:app", folder, environment) as hello,
            servers.gunicorn("floor", "bench.floor:app", folder, environment) as floor,
            servers.gunicorn("portal_floor", floor_spec, folder, environment) as own_floor,
        ):
            visitors = _sign_in_everyone(portal.port, cohort)
            sql = {FLOOR: FLOOR_SQL, **_count_sql(url, cohort, visitors.api_token)}
            rows, question_note = _measure(
                (portal, hello, floor, own_floor), visitors, url, seconds, folder
            )
    for row in rows:
        row.sql = sql.get(row.label)
        row.target = _verdict(row, question_note)
    report = web_report.report(rows, question_note, database, scale, seconds)
    print(report)
    web_report.append(results, report)
    print(f"Appended to {results}")
    return 0


def _production_environment(url: str) -> dict[str, str]:
    """What production demands (portal/core/config.py, core/app.py), nothing more."""
    return {
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": url,
        "TRUSTED_HOSTS": "127.0.0.1",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SMTP_URL": "",  # questions' emails stay queued: the bench sends no mail
        "PROXY_COUNT": "0",
    }


def _sign_in_everyone(port: int, cohort: data.Cohort) -> Visitors:
    """Sign in through the form as each audience; visit a page so the session holds its CSRF
    secret (as a browser's would: no page then sets a new cookie); create the API token."""
    posting: list[tuple[str, str]] = []
    candidate_cookie = ""
    for email in cohort.candidate_emails:
        browser = servers.sign_in(port, email, data.PASSWORD)
        status, _headers, page = browser.get("/candidate/questions")
        _expect(status, 200, "the candidate's questions page")
        browser.get("/candidate/")
        posting.append((browser.cookie_header, servers.csrf_token(page)))
        candidate_cookie = candidate_cookie or browser.cookie_header
    recruiter = servers.sign_in(port, data.RECRUITER_EMAIL, data.PASSWORD)
    status, page = recruiter.post_form("/account/api-tokens", {"name": "bench"})
    _expect(status, 200, "creating an API token")
    found = re.search(r'id="api-token"[^>]*value="([^"]+)"', page)
    if not found:
        raise RuntimeError("no token on the API token page")
    hr = servers.sign_in(port, data.HR_EMAIL, data.PASSWORD)
    hr.get("/hr/engagement")
    return Visitors(
        headers={
            "anonymous": {},
            "candidate": {"Cookie": candidate_cookie},
            "recruiter": {"Cookie": recruiter.cookie_header},
            "hr": {"Cookie": hr.cookie_header},
            "api": {"Authorization": f"Bearer {found.group(1)}"},
        },
        posting=posting,
        api_token=found.group(1),
    )


def _count_sql(url: str, cohort: data.Cohort, api_token: str) -> dict[str, int]:
    app = data.in_process_app(url, RAISED_LIMITS, floor_page=True)  # every page, the floor's too
    who = {
        "candidate": cohort.candidate_emails[0],
        "recruiter": data.RECRUITER_EMAIL,
        "hr": data.HR_EMAIL,
    }
    pages = [(page.label, page.audience, page.method, page.path) for page in PAGES]
    return data.count_sql(app, who, pages, api_token)


def _measure(
    apps: tuple[servers.Server, servers.Server, servers.Server, servers.Server],
    visitors: Visitors,
    url: str,
    seconds: int,
    folder: Path,
) -> tuple[list[Row], dict[str, int]]:
    """One wrk run for the floor and one per page, each right after a run of the hello world
    (same settings): the ratio compares neighbours, so a machine that gets busier mid-run skews
    it least. `apps`: the portal, the hello world, the floor and the portal's floor."""
    portal, hello, floor, portal_floor_server = apps
    by_name = {"portal": portal, "portal_floor": portal_floor_server}
    print(f"wrk -t{servers.WRK_THREADS} -c{servers.WRK_CONNECTIONS} -d{seconds}s per page…")
    hello_runs: list[Row] = []
    rows: list[Row] = []
    note: dict[str, int] = {}
    boots = {server.name: server.boots() for server in apps}
    for page in [None, *PAGES]:  # None: the floor's page
        before = _get_row(HELLO, hello, "/", {}, seconds, folder)
        hello_runs.append(before)
        if page is None:
            row = _get_row(FLOOR, floor, "/", {}, seconds, folder)
        elif page.method == "POST":
            row, note = _post_row(page, portal, visitors, url, seconds, folder)
        else:
            headers = visitors.headers[page.audience]
            server = by_name[page.server]
            row = _get_row(page.label, server, page.path, headers, seconds, folder)
        row.ratio = row.rps / before.rps if before.rps else None
        rows.append(row)
        print(f"  {row.label}: {row.rps:,.1f} req/s, hello {before.rps:,.1f} req/s")
    runs = len(hello_runs)
    summary = Row(
        HELLO,
        sum(run.rps for run in hello_runs) / runs,
        sum(run.p50_ms for run in hello_runs) / runs,
        sum(run.p99_ms for run in hello_runs) / runs,
        sum(run.errors for run in hello_runs),
        hello_runs[0].page_bytes,
        ratio=1.0,
    )
    note["hello_runs"] = runs
    note["hello_min"] = round(min(run.rps for run in hello_runs))
    note["hello_max"] = round(max(run.rps for run in hello_runs))
    for server in apps:
        note[f"{server.name}_recycled"] = server.boots() - boots[server.name]
    return [summary, *rows], note


def _warm_up(server: servers.Server, path: str, headers: dict[str, str]) -> int:
    """A few requests first (templates compiled, connections open); the page's size."""
    size = 0
    for _ in range(WARM_UP_REQUESTS):
        status, _headers, page = Browser(server.port).get(path, headers=headers)
        _expect(status, 200, f"GET {path} on {server.name}")
        size = len(page.encode())
    return size


def _get_row(
    label: str,
    server: servers.Server,
    path: str,
    headers: dict[str, str],
    seconds: int,
    folder: Path,
) -> Row:
    size = _warm_up(server, path, headers)
    wrk_headers = [f"{name}: {value}" for name, value in headers.items()]
    result = servers.run_wrk(server.url(path), seconds, folder, headers=wrk_headers)
    return _row(label, result, size)


def _post_row(
    page: Page,
    portal: servers.Server,
    visitors: Visitors,
    url: str,
    seconds: int,
    folder: Path,
) -> tuple[Row, dict[str, int]]:
    """The question form posted by every posting candidate in turn; each 2xx/3xx answer's
    message checked against the database."""
    cookie, token = visitors.posting[0]
    browser = Browser(portal.port, dict(_cookies(cookie)))
    form = {"csrf_token": token, "client_key": secrets.token_urlsafe(16), "body": "Warm-up?"}
    status, _headers, answer = browser.request("POST", page.path, form=form)
    _expect(status, 302, "posting a question")
    sessions = folder / "sessions.tsv"
    sessions.write_text("".join(f"{cookie}\t{token}\n" for cookie, token in visitors.posting))
    before = data.last_message_id(url)
    result = servers.run_wrk(
        portal.url(page.path),
        seconds,
        folder,
        script="question.lua",
        env={"BENCH_WRK_SESSIONS": str(sessions)},
    )
    stored = data.message_ids_after(url, before)
    answered = [int(found) for found in result["message_ids"]]
    confirmed = set(answered) & stored
    note = {
        "answered": int(result["ok"]),
        "stored": len(stored),
        "lost": int(result["ok"]) - len(confirmed),
        "unanswered": len(stored - set(answered)),
    }
    return _row(page.label, result, len(answer.encode())), note


def _cookies(header: str) -> list[tuple[str, str]]:
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return [(name, value) for name, _eq, value in pairs]


def _row(label: str, result: dict, size: int) -> Row:
    seconds = result["duration_us"] / 1_000_000
    errors = sum(
        result[key]
        for key in (
            "status_errors",
            "connect_errors",
            "read_errors",
            "write_errors",
            "timeouts",
            "unexpected",
        )
    )
    return Row(
        label,
        result["requests"] / seconds if seconds else 0.0,
        result["p50_us"] / 1000,
        result["p99_us"] / 1000,
        errors,
        size,
    )


def _expect(status: int, wanted: int, what: str) -> None:
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status}, expected {wanted}")


def _verdict(row: Row, question: dict[str, int]) -> str:
    page = next((page for page in PAGES if page.label == row.label), None)
    if page is None or page.min_ratio is None:
        return ""
    wanted = [f"≥ {page.min_ratio:g}×"]
    met = row.ratio is not None and row.ratio >= page.min_ratio
    if page.max_sql is not None:
        wanted.append(f"≤ {page.max_sql} SQL")
        met = met and row.sql is not None and row.sql <= page.max_sql
    if page.method == "POST":
        wanted.append(f"0 errors, 0 lost (lost {question['lost']})")
        met = met and row.errors == 0 and question["lost"] == 0
    return ", ".join(wanted) + (": pass" if met else ": FAIL")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
