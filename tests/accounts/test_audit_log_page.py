"""HR's audit log (issue 13, class 8): in words, filtered by kind, person and days (in HR's time
zone), 50 a page, exported as CSV safe to open in a spreadsheet; HR only; its SQL count does
not grow with the log."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from portal.core.extensions import db
from portal.people import audit
from portal.people.models import AuditEntry, Role
from tests.support import count_queries, make_staff, sign_in

T0 = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def _seed(app, count: int) -> None:
    """`count` entries a minute apart from T0 on, cycling through kinds; the last ones are
    Sam's failed sign-ins with a formula for a subject."""
    with app.app_context():
        helen = db.session.scalar(
            db.select(audit.User).where(audit.User.email == "helen@example.com")
        )
        sam = make_staff(Role.RECRUITER, "sam@example.com", "Sam Rivera")
        for n in range(count):
            action = ("signed_in", "candidate.updated", "webhook.created", "api_token.created")[
                n % 4
            ]
            entry = audit.record(helen if n % 2 else None, action, sam if n % 4 == 0 else None)
            entry.created_at = T0 + timedelta(minutes=n)
        bad = audit.record(None, "sign_in_failed", sam, subject='=HYPERLINK("http://evil.example")')
        bad.created_at = T0 + timedelta(days=3)
        db.session.commit()


@pytest.fixture
def hr(app):
    with app.app_context():
        make_staff(Role.HR, "helen@example.com", "Helen HR", zone="Pacific/Auckland")
    client = app.test_client()
    assert sign_in(client, "helen@example.com").status_code == 302
    return client


def test_the_log_reads_in_words_and_pages_fifty_at_a_time(app, hr):
    _seed(app, 120)
    page = hr.get("/hr/audit").get_data(as_text=True)
    assert "failed to sign in" in page and "registered a webhook endpoint" in page
    assert "sign_in_failed" not in page and "webhook.created" not in page
    assert page.count("<tr>") == 51  # the head row and 50 entries
    older = hr.get(f"/hr/audit?before={_oldest_id_on(page)}").get_data(as_text=True)
    assert older.count("<tr>") == 51
    assert hr.get("/hr/audit?before=99999999999999999999").status_code == 200


def _oldest_id_on(page: str) -> int:
    import re

    return int(re.findall(r"before=(\d+)", page)[-1])


def test_filters_by_kind_person_and_days(app, hr):
    _seed(app, 40)
    signins = hr.get("/hr/audit?kind=sign-in").get_data(as_text=True)
    # Ten seeded sign-ins, one failure, and Helen's own sign-in.
    assert signins.count("<tr>") == 1 + 10 + 1 + 1
    assert "registered a webhook endpoint" not in signins
    sam = hr.get("/hr/audit?person=RIVERA").get_data(as_text=True)
    assert sam.count("<tr>") == 1 + 10 + 1 + 1  # and his account's creation
    by_email = hr.get("/hr/audit?person=sam@example").get_data(as_text=True)
    assert by_email.count("<tr>") == sam.count("<tr>")
    # Days are Helen's (Auckland, UTC+12): T0 + 3 days at 12:00 UTC is 00:00 on the 14th there.
    day = hr.get("/hr/audit?since=2026-05-14&until=2026-05-14").get_data(as_text=True)
    assert day.count("<tr>") == 2 and "failed to sign in" in day
    wrong = hr.get("/hr/audit?since=2026-05-14&until=2026-05-01")
    assert wrong.status_code == 422
    assert "cannot be before the first" in wrong.get_data(as_text=True)
    assert hr.get("/hr/audit?since=not-a-day").status_code == 422
    assert hr.get("/hr/audit?kind=nonsense").status_code == 422


def test_the_csv_export_is_filtered_safe_and_recorded(app, hr):
    _seed(app, 8)
    response = hr.get("/hr/audit.csv?person=sam")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["when (UTC)", "who", "what"]
    assert len(rows) == 1 + 2 + 1 + 1  # two seeded, the failure, his account's creation
    formula = [row for row in rows if row[2] == "failed to sign in"][0]
    assert formula[4].startswith("'=HYPERLINK")  # never run as a formula
    assert formula[3] == "Sam Rivera <sam@example.com>"
    with app.app_context():
        exported = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "audit.exported")
        ).one()
        assert "sam" in exported.subject
    assert "exported the audit log" in hr.get("/hr/audit").get_data(as_text=True)


def test_only_hr_sees_the_log(app, hr):
    with app.app_context():
        make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
    rita = app.test_client()
    assert sign_in(rita, "rita@example.com").status_code == 302
    assert rita.get("/hr/audit").status_code == 404
    assert rita.get("/hr/audit.csv").status_code == 404
    assert app.test_client().get("/hr/audit.csv").status_code == 302  # to sign-in


def test_the_sql_count_does_not_grow_with_the_log(app, hr):
    _seed(app, 60)
    small = count_queries(app, hr, "/hr/audit?person=sam")
    _seed_more(app, 1000)
    assert count_queries(app, hr, "/hr/audit?person=sam") == small
    assert count_queries(app, hr, "/hr/audit") <= small + 1


def _seed_more(app, count: int) -> None:
    with app.app_context():
        sam = db.session.scalar(db.select(audit.User).where(audit.User.email == "sam@example.com"))
        for _ in range(count):
            audit.record(sam, "signed_in", sam)
        db.session.commit()
