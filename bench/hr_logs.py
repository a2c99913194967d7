"""Benchmark of HR's audit log and unsent-mail pages (not a test): `.venv/bin/python
bench/hr_logs.py`.

The same pages over a small portal (60 candidates: every first page already full) and a real
cohort (1,000 candidates), each candidate with audit entries and a parked email; SQLite, one
run. Figures per page: SQL statements, page bytes and median render time, and the ratio of the
large to the small.
Goal: the same SQL count, page bytes within 10 %, time ratio at most 1.5 (keyset pages of 50:
nothing grows with the log).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.mail.models import EmailStatus, OutgoingEmail  # noqa: E402
from portal.people import audit  # noqa: E402
from portal.people.models import Role  # noqa: E402
from tests import support  # noqa: E402

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PAGES = ["/hr/audit", "/hr/audit?kind=people", "/hr/audit?person=bench.hr", "/hr/mail/parked"]
REPEATS = 15


def portal_with(candidates: int, folder: str) -> tuple[object, object]:
    url = f"sqlite:///{folder}/bench-{candidates}.db"
    app = create_app(support.app_config(url))
    with app.app_context():
        upgrade()
        hr = support.make_staff(Role.HR, "bench.hr@example.com", "Bench HR")
        recruiter = support.make_staff(Role.RECRUITER, "bench.recruiter@example.com")
        support.insert_cohort(recruiter, candidates, 5, NOW)
        for n in range(candidates):
            audit.record(hr, "candidate.updated", None, "location", "Paris", f"Lyon {n}")
            audit.record(None, "sign_in_failed", None, subject="wrong password")
            db.session.add(
                OutgoingEmail(
                    to_address=f"cand{n}@example.com",
                    kind="invitation",
                    subject=f"Welcome, candidate {n}",
                    status=EmailStatus.FAILED,
                    last_error="The mail server refused the recipient: 550 no such user",
                )
            )
        db.session.commit()
    client = app.test_client()
    assert support.sign_in(client, "bench.hr@example.com").status_code == 302
    return app, client


def measure(app, client, path: str) -> tuple[int, int, float]:
    statements, page = support.run_counted(app, client, path)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return len(statements), len(page.encode()), statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        small = portal_with(60, folder)  # a full first page already
        large = portal_with(1000, folder)
        print(f"{'page':28} {'SQL':>9} {'bytes':>15} {'ms (60 → 1,000)':>20} {'ratio':>6}")
        for path in PAGES:
            sql_s, bytes_s, time_s = measure(*small, path)
            sql_l, bytes_l, time_l = measure(*large, path)
            print(
                f"{path:28} {sql_s:>4} → {sql_l:<4} {bytes_s:>7} → {bytes_l:<7} "
                f"{time_s * 1000:>8.1f} → {time_l * 1000:<8.1f} {time_l / time_s:>6.2f}"
            )


if __name__ == "__main__":
    main()
