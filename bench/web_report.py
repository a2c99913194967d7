"""The report side of bench/web.py: a row of the table, the section it appends to
bench/RESULTS.md (machine, database, the table and what its figures mean), and that file's
header when it is new."""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from pathlib import Path

import web_data as data
import web_servers as servers

from portal.core import clock


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


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    count = len(re.findall(r"^processor\s*:", cpuinfo, re.MULTILINE))
    return f"{models[0].strip() if models else platform.machine()} × {count} CPUs"


def report(
    rows: list[Row], question: dict[str, int], database: str, scale: int, seconds: int
) -> str:
    when = clock.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {when}: {database.split(' (')[0]}, {scale:,} candidates",
        "",
        f"- Machine: {machine()}; Python {platform.python_version()}",
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
        f"Hello world: mean of {question['hello_runs']} runs, one just before each page and "
        f"the floor ({question['hello_min']:,}–{question['hello_max']:,} req/s; each ratio is "
        f"to the run before it); its workers were recycled {question['hello_recycled']} times "
        f"(max_requests), the floor's {question['floor_recycled']}, the portal's "
        f"{question['portal_recycled']}, the portal floor's {question['portal_floor_recycled']}. "
        "Floor: bench/floor.py, a bare Flask page of 2 SQL "
        "queries (SQLAlchemy Core) in a Jinja layout, without sign-in, session, CSRF or "
        "translations: the reference the page targets were calibrated on, measured in this run. "
        "Portal floor: bench/portal_floor.py, the same page served by the portal (its own "
        "layout, a signed-in candidate's server-side session, language, CSRF secret and "
        "security headers): what every candidate page costs before its content. "
        f"Question POST: {question['answered']:,} answered 2xx/3xx, {question['stored']:,} "
        f"questions stored, {question['lost']} lost (answered but not stored), "
        f"{question['unanswered']} stored but still in flight when wrk stopped. Errors: socket "
        "errors, non-2xx/3xx answers, and for a page any answer but 200 (a redirect to the "
        "sign-in page, say).",
        "",
    ]
    return "\n".join(lines)


HEADER = """# Page throughput under gunicorn (bench/web.py)

`make bench` (needs wrk: `apt-get install wrk`) seeds 1,000 candidates × 200 events, one
recruiter and one HR person (`BENCH_SCALE=10000` for 10,000) on SQLite in a temporary folder, or
on PostgreSQL with `BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench`
(created if missing, emptied each run). It serves the portal as production does
(`PORTAL_ENV=production`, gunicorn.conf.py, 2 sync workers; only QUESTION_LIMITS and
API_RATE_LIMIT raised), bench/hello.py, a bare Flask hello world, and bench/floor.py, a bare
Flask page of 2 SQL queries in a Jinja layout (the floor the targets were calibrated on), with
the same settings, and bench/portal_floor.py, the portal with that same page added in its own
layout for a signed-in candidate (what the portal's machinery costs before any content); signs
in through the forms; and runs wrk against each page for
`BENCH_SECONDS` (10) seconds, each page just after a run of the hello world: "× hello" is the
page's req/s over that run's. SQL per page is counted in-process (Flask's test client, same
database, a second visit). Each run appends a section; the machine is shared, so compare ratios
rather than req/s.

Targets: candidate home ≥ 0.27× hello and ≤ 5 SQL; recruiter dashboard and HR engagement
≥ 0.15×; question POST ≥ 0.25×, 0 errors, 0 lost; API candidates list ≥ 0.2×.

"""


def append(path: Path, text: str) -> None:
    existing = path.read_text() if path.exists() else HEADER
    path.write_text(existing.rstrip("\n") + "\n\n" + text)
