"""The dashboards' page query walks an index of the summaries for every filter and the board's
order, so a page costs the same at 10,000 candidates as at 100. Checked with the database's own
EXPLAIN: PostgreSQL's (with whole-table scans and sorts discouraged, as a big table would make
the planner choose) in the PostgreSQL pass, SQLite's EXPLAIN QUERY PLAN otherwise."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from portal.core.extensions import db
from portal.engagement import cohort
from portal.engagement.models import Status
from portal.people import directory
from portal.people.models import Role
from tests import support

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)

# (filters, recruiter scope, whether the rows come out of an index already in the board's order)
CASES = [
    (cohort.Filters(), None, True),
    (cohort.Filters(), "recruiter", True),
    (cohort.Filters(status=Status.QUIET), None, True),
    (cohort.Filters(status=Status.AT_RISK), "recruiter", True),
    (cohort.Filters(location="Lyon"), None, True),
    (cohort.Filters(joining_within=7), None, False),  # a range: few rows, sorted
    (cohort.Filters(after=cohort.Cursor(1, TODAY, 40)), "recruiter", True),
]
NAMES = ["everyone", "recruiter", "status", "recruiter-status", "location", "joining", "page-2"]


def _plan(query) -> str:
    session = db.session
    dialect = session.get_bind().dialect.name
    sql = str(
        query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    if dialect == "postgresql":
        # As on a big table: no whole-table scans, and a sort only where no index gives the order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            session.execute(text(f"SET LOCAL {setting} = off"))
        rows = list(session.execute(text(f"EXPLAIN {sql}")).scalars())
    else:
        rows = [row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    return "\n".join(rows)


@pytest.mark.parametrize(("filters", "scope", "ordered"), CASES, ids=NAMES)
def test_each_filter_and_the_order_walk_an_index(app_ctx, filters, scope, ordered):
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
    other = support.make_staff(Role.RECRUITER, "other@example.com")
    support.insert_cohort(recruiter, 150, 2, datetime.now(UTC))
    support.insert_cohort(other, 150, 2, datetime.now(UTC), seed=7)
    db.session.execute(text("ANALYZE"))
    query = cohort.page_query(filters, recruiter_id=recruiter.id if scope else None, today=TODAY)
    plan = _plan(query)
    # The summaries are reached through one of their indexes, never read whole.
    assert re.search(r"\bix_candidate_summaries_\w+", plan), plan
    assert "Seq Scan on candidate_summaries" not in plan, plan
    assert not re.search(r"^SCAN candidate_summaries$", plan, re.M), plan
    if ordered:
        # ...and come out in the board's order: no sort of the whole cohort.
        assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort Key" not in plan, plan


def test_the_recruiters_offered_as_a_filter_are_read_from_an_index_in_name_order(app_ctx):
    """HR's board lists the active recruiters: from ix_users_role_name, not every user's row."""
    support.insert_cohort(support.make_staff(Role.RECRUITER, "rec@example.com"), 300, 1, NOW)
    support.make_staff(Role.RECRUITER, "other@example.com")
    db.session.execute(text("ANALYZE"))
    plan = _plan(directory.ACTIVE_RECRUITERS)
    assert "ix_users_role_name" in plan, plan
    assert "Seq Scan on users" not in plan and not re.search(r"^SCAN users$", plan, re.M), plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort Key" not in plan, plan
