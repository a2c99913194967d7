"""Benchmark of the engagement status (not a test): `.venv/bin/python bench/engagement.py`.

A cohort of 1,000 candidates with 200,000 events (plus questions and pulses), on SQLite, and on
PostgreSQL too when BENCH_POSTGRES_URL names an empty database to use.

Figures, medians of the same run:
- `engagement.signals` (every candidate's status and reasons, read from their summaries, one
  query) divided by the floor: one bare GROUP BY over the events giving each candidate's last
  event and count, which is what reading the event log would cost at the very least.
  Goal: at most 1 — the summaries make the status cheaper than any aggregation of the events.
- `summaries.rebuild()` (every summary recomputed from the events) divided by the same floor:
  what `flask engagement rebuild-summaries` costs, for scale.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.engagement import status as engagement  # noqa: E402
from portal.engagement import summaries  # noqa: E402
from portal.events.models import EngagementEvent
from portal.people.models import Role
from tests import support  # noqa: E402

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
REPEATS = 9


def median_seconds(action) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(database_url: str, label: str) -> None:
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "BASE_URL": "http://bench.test",
            "PORTAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    with app.app_context():
        upgrade()
        recruiter = support.make_staff(Role.RECRUITER, "bench.recruiter@example.com")
        started = time.perf_counter()
        support.insert_cohort(recruiter, 1000, 200, NOW)
        loaded = time.perf_counter() - started
        floor_query = sa.select(
            EngagementEvent.candidate_id,
            sa.func.max(EngagementEvent.occurred_at),
            sa.func.count(),
        ).group_by(EngagementEvent.candidate_id)

        def floor() -> None:
            db.session.execute(floor_query).all()
            db.session.rollback()

        def status() -> None:
            engagement.signals(NOW)
            db.session.rollback()

        floor_s = median_seconds(floor)
        status_s = median_seconds(status)
        counts = engagement.status_counts(engagement.signals(NOW))
        print(f"{label}: cohort loaded in {loaded:.1f} s; statuses {dict(counts)}")
        print(
            f"{label}: signals {status_s * 1000:.0f} ms / bare GROUP BY {floor_s * 1000:.0f} ms"
            f" = {status_s / floor_s:.2f} (goal <= 1)"
        )
        started = time.perf_counter()
        summaries.rebuild()
        db.session.commit()
        rebuilt = time.perf_counter() - started
        print(
            f"{label}: rebuild of every summary {rebuilt * 1000:.0f} ms"
            f" = {rebuilt / floor_s:.1f} x the bare GROUP BY"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        measure(f"sqlite:///{directory}/bench.sqlite3", "SQLite")
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if postgres:
        measure(postgres, "PostgreSQL")


if __name__ == "__main__":
    main()
