"""Smoke test of the page benchmark (bench/web.py, `make bench`): 20 candidates, one second of
wrk per page, and the table holds every page with figures, no errors and no lost question. The
figures themselves are not judged here; `make bench` reports them against their targets.

On PostgreSQL (PORTAL_TEST_DATABASE_URL) the bench gets a database of its own on that server,
dropped afterwards."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROWS = [
    "hello (bare Flask)",
    "floor (bare Flask, 2 SQL, layout)",
    "portal floor (the floor's page in the portal, signed in)",
    "sign-in page",
    "candidate home",
    "candidate thread",
    "recruiter dashboard",
    "HR engagement",
    "API candidates list",
    "question POST",
]


def _require_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.environ.get("CI"):
        pytest.fail("wrk is required in CI for the benchmark smoke test (apt-get install wrk)")
    pytest.skip("wrk is not installed (apt-get install wrk)")


@pytest.fixture
def bench_database() -> Iterator[str]:
    """BENCH_DATABASE_URL for the run: none (SQLite) unless the suite runs on PostgreSQL."""
    server = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not server:
        yield ""
        return
    name = f"portal_bench_{uuid.uuid4().hex[:12]}"
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _table(output: str) -> dict[str, dict[str, str]]:
    """The printed Markdown table: page → {column: cell}."""
    lines = [line for line in output.splitlines() if line.startswith("| ")]
    cells = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    header, rows = cells[0], [row for row in cells[1:] if not set(row[0]) <= {"-", " "}]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_bench_measures_every_page_without_errors(tmp_path: Path, bench_database: str) -> None:
    _require_wrk()
    results = tmp_path / "RESULTS.md"
    env = {
        **os.environ,
        "BENCH_SCALE": "20",
        "BENCH_SECONDS": "1",
        "BENCH_RESULTS": str(results),
        "BENCH_DATABASE_URL": bench_database,
    }
    finished = subprocess.run(
        [sys.executable, "bench/web.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-4000:]

    table = _table(finished.stdout)
    assert list(table) == ROWS
    for page, row in table.items():
        assert row["errors"] == "0", (page, row)
        assert float(row["req/s"].replace(",", "")) > 0, (page, row)
        assert int(row["page bytes"].replace(",", "")) > 0, (page, row)
    for page in ROWS[1:]:
        assert re.fullmatch(r"\d+", table[page]["SQL per page"]), table[page]
        assert float(table[page]["× hello"]) > 0, table[page]
    assert table["candidate home"]["target"].startswith("≥ 0.27×, ≤ 5 SQL: ")
    assert re.search(r"\b0 lost\b", finished.stdout), finished.stdout
    assert "| question POST |" in results.read_text()
