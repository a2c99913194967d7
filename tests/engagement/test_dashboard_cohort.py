"""The dashboards with a real cohort: 1,000 candidates for one recruiter, 50 a page, the same
queries and about the same weight as with 60, every candidate reachable page by page."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement.models import CandidateSummary, Status
from portal.people.models import Role
from tests import support

WEIGHT_LIMIT = 150 * 1024
QUERY_BUDGET = 8
ROW = re.compile(r'<tr class="dashboard-row dashboard-row-(\w+)" data-candidate-id="(\d+)">')


def signed_in(app, email: str):
    client = app.test_client()
    assert support.sign_in(client, email).status_code == 302
    return client


def next_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(found.group(1)) if found else None


def tile(page: str, label: str) -> int:
    found = re.search(
        r'<span class="tile-count">(\d+)</span> <span class="tile-label">' + label, page
    )
    assert found, label
    return int(found.group(1))


def test_a_thousand_candidates_fifty_a_page_flat_queries_and_weight(app):
    now = datetime.now(UTC)
    with app.app_context():
        recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
        support.make_staff(Role.HR, "hr@example.com")
        support.insert_cohort(recruiter, 60, 60, now)
    recruiter_client = signed_in(app, "rec@example.com")
    hr_client = signed_in(app, "hr@example.com")
    small = {
        path: support.run_counted(app, client, path)
        for path, client in (("/recruiter/", recruiter_client), ("/hr/engagement", hr_client))
    }
    with app.app_context():
        recruiter = db.session.scalar(
            select(support.User).where(support.User.email == "rec@example.com")
        )
        support.insert_cohort(recruiter, 940, 60, now, seed=9)
        for n in range(3):  # invited, never signed in
            support.make_candidate(f"invited{n}@example.com", recruiter, password=None, joins_in=3)
        live = engagement.signals(now, recruiter_id=recruiter.id)
    assert len(live) == 1003

    for path, client in (("/recruiter/", recruiter_client), ("/hr/engagement", hr_client)):
        statements, page = support.run_counted(app, client, path)
        rows = ROW.findall(page)
        assert len(rows) == 50, path
        assert len(statements) == len(small[path][0]) <= QUERY_BUDGET, (path, statements)
        assert len(page.encode()) < WEIGHT_LIMIT, (path, len(page.encode()))
        print(path, len(page.encode()), "bytes")
        # Fifty rows either way: the weight does not grow with the cohort (other rows, other bars).
        assert len(page) < len(small[path][1]) * 1.1, path
        # The tiles count the whole cohort, as the live rules say.
        by_status = {status: sum(1 for s in live if s.status == status) for status in Status}
        assert tile(page, "at risk") == by_status[Status.AT_RISK] > 0
        assert tile(page, "quiet") == by_status[Status.QUIET] > 0
        assert tile(page, "invited, not signed in yet") == by_status[Status.INVITED] == 3
        today = now.date()
        this_week = sum(1 for s in live if 0 <= (s.joining_at.date() - today).days <= 6)
        assert tile(page, "joining this week") == this_week

    # Page by page to the end: every candidate once, riskiest first, then soonest joining.
    seen: list[tuple[str, int]] = []
    path: str | None = "/recruiter/"
    pages = 0
    while path:
        page = recruiter_client.get(path).get_data(as_text=True)
        seen.extend((status, int(cid)) for status, cid in ROW.findall(page))
        path = next_link(page)
        pages += 1
    assert pages == 21
    ids = [cid for _status, cid in seen]
    assert sorted(ids) == sorted(s.candidate_id for s in live)
    order = {"at_risk": 0, "quiet": 1, "invited": 2, "engaged": 3}
    ranks = [order[status] for status, _cid in seen]
    assert ranks == sorted(ranks)
    assert [status for status, _ in seen] == [
        str(s.status) for s in live
    ]  # same order as the rules


def test_the_filters_narrow_the_rows_and_bad_values_are_said(app):
    now = datetime.now(UTC)
    with app.app_context():
        recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
        support.insert_cohort(recruiter, 200, 5, now)
        summaries = list(db.session.scalars(select(CandidateSummary)))
    client = signed_in(app, "rec@example.com")

    def rows(query: str) -> list[tuple[str, int]]:
        page = client.get("/recruiter/?" + query)
        assert page.status_code == 200
        return [(status, int(cid)) for status, cid in ROW.findall(page.get_data(as_text=True))]

    quiet = rows("status=quiet")
    assert quiet and {status for status, _ in quiet} == {"quiet"}
    lyon = {s.candidate_id for s in summaries if s.location == "Lyon"}
    assert {cid for _, cid in rows("location=Lyon")} <= lyon
    today = date.today()
    soon = {s.candidate_id for s in summaries if s.joining_date <= today + timedelta(days=13)}
    found = {cid for _, cid in rows("joining=14")}
    assert found and found <= soon
    one = summaries[5].candidate_id
    assert [cid for _, cid in rows(f"q=cohort{one}%40example")] == [one]
    assert rows("q=nobody-has-this") == []

    for query, message in (
        ("status=asleep", "There is no status “asleep”"),
        ("joining=-3", "“Joining within” takes a number of days"),
        ("after=junk", "That page link is not valid any more"),
    ):
        page = client.get("/recruiter/?" + query)
        assert page.status_code == 200
        assert message in html.unescape(page.get_data(as_text=True))

    # The next page keeps the filters.
    page = client.get("/recruiter/?location=Paris").get_data(as_text=True)
    link = next_link(page)
    assert link and parse_qs(urlsplit(link).query)["location"] == ["Paris"]
