"""Throughput of the portal's main pages under gunicorn, against a bare Flask app served the same
way (not a test): `make bench`, or `.venv/bin/python bench/web.py`. Needs wrk.

Seeds a cohort (BENCH_SCALE candidates, 1,000 by default, × 200 events, one recruiter, one HR
person) on SQLite in a temporary folder, or on PostgreSQL when BENCH_DATABASE_URL names a
database (created if missing, emptied every run; never `test`). Serves the portal as production
does (PORTAL_ENV=production, gunicorn.conf.py with 2 sync workers) and bench/hello.py with the
same settings, signs in over HTTP, drives every page with wrk for BENCH_SECONDS (10) seconds,
and prints a table: req/s, latency, errors, page size, SQL per page (counted in-process on the
same database) and the ratio to the hello world of the same run. The table, the machine and the
targets are appended to bench/RESULTS.md (BENCH_RESULTS names another file). Exits 0 whether
or not the targets are met; both servers are stopped on any exit, Ctrl+C included.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import secrets
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import web_data as data
import web_servers as servers
from web_servers import Browser

from portal.core import clock

RESULTS = servers.ROOT / "bench" / "RESULTS.md"
HELLO = "hello (bare Flask)"
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


PAGES = [
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
class Row:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    page_bytes: int
    sql: int | None = None
    ratio: float | None = None
    target: str = ""


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
        with (
            servers.gunicorn("portal", app_spec, folder, environment) as portal,
            servers.gunicorn("hello", "bench.hello:app", folder, environment) as hello,
        ):
            visitors = _sign_in_everyone(portal.port, cohort)
            sql = _count_sql(url, cohort, visitors.api_token)
            rows, question_note = _measure(portal, hello, visitors, url, seconds, folder)
    for row in rows:
        row.sql = sql.get(row.label)
        row.target = _verdict(row, question_note)
    report = _report(rows, question_note, database, scale, seconds)
    print(report)
    _append(results, report)
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
    app = data.in_process_app(url, RAISED_LIMITS)
    who = {
        "candidate": cohort.candidate_emails[0],
        "recruiter": data.RECRUITER_EMAIL,
        "hr": data.HR_EMAIL,
    }
    pages = [(page.label, page.audience, page.method, page.path) for page in PAGES]
    return data.count_sql(app, who, pages, api_token)


def _measure(
    portal: servers.Server,
    hello: servers.Server,
    visitors: Visitors,
    url: str,
    seconds: int,
    folder: Path,
) -> tuple[list[Row], dict[str, int]]:
    """One wrk run per page, each right after a run of the hello world (same settings): the
    ratio compares neighbours, so a machine that gets busier mid-run skews it least."""
    print(f"wrk -t{servers.WRK_THREADS} -c{servers.WRK_CONNECTIONS} -d{seconds}s per page…")
    hello_runs: list[Row] = []
    rows: list[Row] = []
    note: dict[str, int] = {}
    hello_boots, portal_boots = hello.boots(), portal.boots()
    for page in PAGES:
        floor = _get_row(HELLO, hello, "/", {}, seconds, folder)
        hello_runs.append(floor)
        if page.method == "POST":
            row, note = _post_row(page, portal, visitors, url, seconds, folder)
        else:
            headers = visitors.headers[page.audience]
            row = _get_row(page.label, portal, page.path, headers, seconds, folder)
        row.ratio = row.rps / floor.rps if floor.rps else None
        rows.append(row)
        print(f"  {row.label}: {row.rps:,.1f} req/s, hello {floor.rps:,.1f} req/s")
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
    note["hello_recycled"] = hello.boots() - hello_boots
    note["portal_recycled"] = portal.boots() - portal_boots
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


def _machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    count = len(re.findall(r"^processor\s*:", cpuinfo, re.MULTILINE))
    return f"{models[0].strip() if models else platform.machine()} × {count} CPUs"


def _report(
    rows: list[Row], question: dict[str, int], database: str, scale: int, seconds: int
) -> str:
    when = clock.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {when}: {database.split(' (')[0]}, {scale:,} candidates",
        "",
        f"- Machine: {_machine()}; Python {platform.python_version()}",
        f"- Database: {database}; {scale:,} candidates × {data.EVENTS_PER_CANDIDATE} events",
        f"- gunicorn.conf.py, {servers.WORKERS} sync workers; wrk -t{servers.WRK_THREADS} "
        f"-c{servers.WRK_CONNECTIONS} -d{seconds}s --timeout {servers.WRK_TIMEOUT}",
        "",
        "| page | req/s | p50 ms | p99 ms | errors | page bytes | SQL per page | × hello "
        "| target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        sql = "–" if row.sql is None else str(row.sql)
        ratio = "–" if row.ratio is None else f"{row.ratio:.3f}"
        lines.append(
            f"| {row.label} | {row.rps:,.1f} | {row.p50_ms:,.1f} | {row.p99_ms:,.1f} "
            f"| {row.errors} | {row.page_bytes:,} | {sql} | {ratio} | {row.target} |"
        )
    lines += [
        "",
        f"Hello world: mean of {question['hello_runs']} runs, one just before each page "
        f"({question['hello_min']:,}–{question['hello_max']:,} req/s; each page's ratio is to "
        f"the run before it); its workers were recycled {question['hello_recycled']} times "
        f"(max_requests), the portal's {question['portal_recycled']}. Question POST: "
        f"{question['answered']:,} answered 2xx/3xx, {question['stored']:,} questions stored, "
        f"{question['lost']} lost (answered but not stored), {question['unanswered']} stored "
        "but still in flight when wrk stopped. Errors: socket errors, non-2xx/3xx answers, and "
        "for a page any answer but 200 (a redirect to the sign-in page, say).",
        "",
    ]
    return "\n".join(lines)


HEADER = """# Page throughput under gunicorn (bench/web.py)

`make bench` (needs wrk: `apt-get install wrk`) seeds 1,000 candidates × 200 events, one
recruiter and one HR person (`BENCH_SCALE=10000` for 10,000) on SQLite in a temporary folder, or
on PostgreSQL with `BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench`
(created if missing, emptied each run). It serves the portal as production does
(`PORTAL_ENV=production`, gunicorn.conf.py, 2 sync workers; only QUESTION_LIMITS and
API_RATE_LIMIT raised) and bench/hello.py, a bare Flask hello world, with the same settings;
signs in through the forms; and runs wrk against each page for `BENCH_SECONDS` (10) seconds,
each page just after a run of the hello world: "× hello" is the page's req/s over that run's.
SQL per page is counted in-process (Flask's test client, same database, a second visit). Each
run appends a section; the machine is shared, so compare ratios rather than req/s.

Targets: candidate home ≥ 0.27× hello and ≤ 5 SQL; recruiter dashboard and HR engagement
≥ 0.15×; question POST ≥ 0.25×, 0 errors, 0 lost; API candidates list ≥ 0.2×.

"""


def _append(path: Path, report: str) -> None:
    existing = path.read_text() if path.exists() else HEADER
    path.write_text(existing.rstrip("\n") + "\n\n" + report)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
