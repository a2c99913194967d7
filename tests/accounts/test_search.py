"""The staff's people search (the box in the header, accounts/search_views.py): by part of a
name or email address, any case; HR finds everyone, a recruiter the staff and the candidates
in their care (their own, those they are the backup of, those of a colleague they cover for
now); % and _ match only themselves; 25 a page by name, walking the users' name index."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert, text

from portal.core import pages
from portal.core.extensions import db
from portal.people import directory
from portal.people.models import CandidateProfile, Role, StaffAbsence, User
from tests.support import make_candidate, make_staff, sign_in


@pytest.fixture
def cast(app):
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        ana = make_staff(Role.RECRUITER, "ana@example.com", "Ana Ruiz")
        bo = make_staff(Role.RECRUITER, "bo@example.com", "Bo Lee")
        cy = make_staff(Role.RECRUITER, "cy@example.com", "Cy Chen")
        make_candidate("alice.own@example.com", ana, name="Alice Own")
        backed = make_candidate("ben.backed@example.com", bo, name="Ben Backed")
        backed.profile.backup_recruiter_id = ana.id
        make_candidate("carl.covered@example.com", cy, name="Carl Covered")
        make_candidate("dora.other@example.com", bo, name="Dora Other")
        gone = make_candidate("gus.gone@example.com", ana, name="Gus Gone")
        gone.is_active = False
        make_candidate("percent@example.com", bo, name="Hundred 100% Sure")
        make_candidate("under_score@example.com", bo, name="Una Underscore")
        db.session.commit()
        return {"ana": ana.id, "cy": cy.id}


def _found(client, query: str) -> list[str]:
    answer = client.get(query)
    assert answer.status_code == 200, query
    return [
        html.unescape(re.sub(r"<[^>]+>", "", name)).strip()
        for name in re.findall(
            r'<li class="search-result">\s*(<a [^>]*>.*?</a>|<strong>.*?</strong>)',
            answer.get_data(as_text=True),
            re.S,
        )
    ]


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_a_recruiter_finds_their_candidates_and_the_staff_and_no_one_else(app, cast):
    ana = _client(app, "ana@example.com")
    # Own, and backed up; not Cy's (not covering yet), not Bo's, not a closed account; and the
    # staff ("example" is in everyone's address).
    assert _found(ana, "/recruiter/search?q=e") == [
        "Alice Own",
        "Ana Ruiz",
        "Ben Backed",
        "Bo Lee",
        "Cy Chen",
        "Helen HR",
    ]
    # By email address too, in any case.
    assert _found(ana, "/recruiter/search?q=BEN.BACKED@") == ["Ben Backed"]
    # Covering for Cy while he is away: his candidates too, said so.
    with app.app_context():
        today = date.today()
        db.session.add(
            StaffAbsence(
                recruiter_id=cast["cy"],
                cover_id=cast["ana"],
                first_day=today,
                last_day=today,
                starts_at=datetime.combine(today, time(0), UTC) - timedelta(days=1),
                ends_at=datetime.combine(today, time(0), UTC) + timedelta(days=2),
            )
        )
        db.session.commit()
    page = ana.get("/recruiter/search?q=carl").get_data(as_text=True)
    assert "Carl Covered" in page and "covering for Cy Chen" in page
    assert re.search(r'href="/recruiter/candidates/\d+/questions">Carl Covered', page)
    own = ana.get("/recruiter/search?q=alice").get_data(as_text=True)
    assert re.search(r'href="/recruiter/candidates/\d+">Alice Own', own)


def test_hr_finds_everyone_closed_accounts_too(app, cast):
    hr = _client(app, "hr@example.com")
    names = _found(hr, "/hr/search?q=o")
    for name in ("Dora Other", "Gus Gone", "Carl Covered", "Bo Lee", "Alice Own"):
        assert name in names
    assert names == sorted(names)
    page = hr.get("/hr/search?q=gus").get_data(as_text=True)
    assert "Deactivated" in page and re.search(r'href="/hr/people/\d+">Gus Gone', page)


def test_percent_and_underscore_match_only_themselves(app, cast):
    hr = _client(app, "hr@example.com")
    assert _found(hr, "/hr/search?q=%25") == ["Hundred 100% Sure"]
    assert _found(hr, "/hr/search?q=_") == ["Una Underscore"]
    assert _found(hr, "/hr/search?q=\\") == []


def test_bad_searches_are_said_beside_the_field(app, cast):
    hr = _client(app, "hr@example.com")
    answer = hr.get("/hr/search?q=" + "x" * 101)
    assert answer.status_code == 422
    found = re.search(
        r'<p class="error-message" id="q-error">(.*?)</p>', answer.get_data(as_text=True), re.S
    )
    assert found and "at most 100 characters" in found.group(1)
    assert "x" * 101 in answer.get_data(as_text=True), "the search comes back to be shortened"
    empty = hr.get("/hr/search?q=%20%20").get_data(as_text=True)
    assert "People matching" not in empty
    assert hr.get("/hr/search?q=a&after=nonsense").status_code == 200


def test_the_header_box_searches_for_staff_only(app, cast):
    ana = _client(app, "ana@example.com")
    assert 'action="/recruiter/search"' in ana.get("/recruiter/").get_data(as_text=True)
    alice = _client(app, "alice.own@example.com")
    assert "header-search" not in alice.get("/candidate/").get_data(as_text=True)
    assert alice.get("/recruiter/search?q=a").status_code == 404
    assert alice.get("/hr/search?q=a").status_code == 404
    assert ana.get("/hr/search?q=a").status_code == 404


def test_results_come_25_a_page_by_name(app, cast):
    with app.app_context():
        start = 10_000
        db.session.execute(
            insert(User),
            [
                {
                    "id": start + n,
                    "email": f"zed{n:03}@example.com",
                    "name": f"Zed {n:03}",
                    "role": "candidate",
                    "time_zone": "UTC",
                    "is_active": True,
                    "created_at": datetime.now(UTC),
                    "sign_in_count": 0,
                }
                for n in range(60)
            ],
        )
        db.session.execute(
            insert(CandidateProfile),
            [
                {
                    "user_id": start + n,
                    "job_title": "Engineer",
                    "joining_date": date.today() + timedelta(days=30),
                    "joining_time_zone": "UTC",
                }
                for n in range(60)
            ],
        )
        db.session.commit()
    hr = _client(app, "hr@example.com")
    seen: list[str] = []
    path = "/hr/search?q=zed"
    for _ in range(3):
        page = hr.get(path).get_data(as_text=True)
        names = _found(hr, path)
        seen += names
        nexts = re.findall(r'href="([^"]+)" rel="next"', page)
        if not nexts:
            break
        path = html.unescape(nexts[0])
    assert seen == [f"Zed {n:03}" for n in range(60)]


def _plan(query) -> str:
    session = db.session
    dialect = session.get_bind().dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            session.execute(text(f"SET LOCAL {setting} = off"))
        return "\n".join(session.execute(text(f"EXPLAIN {sql}")).scalars())
    return "\n".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_hrs_search_walks_the_name_index_in_order(app_ctx, monkeypatch):
    """A page costs the same at 10,000 people as at 100: the users are read through their
    name index, already in the page's order (no sort of everyone who matches)."""
    hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
    db.session.execute(
        insert(User),
        [
            {
                "email": f"person{n}@example.com",
                "name": f"Person {n:04}",
                "role": "recruiter",
                "time_zone": "UTC",
                "is_active": True,
                "created_at": datetime.now(UTC),
                "sign_in_count": 0,
            }
            for n in range(300)
        ],
    )
    db.session.execute(text("ANALYZE"))
    captured = []
    original = pages.in_order

    def capture(query, keys, position, size):
        captured.append(query.order_by(*(key.column for key in keys)).limit(size + 1))
        return original(query, keys, position, size)

    monkeypatch.setattr(pages, "in_order", capture)
    assert len(directory.search_people(hr, "person 01").people) == 25
    plan = _plan(captured[0])
    assert "ix_users_name" in plan, plan
    assert "Seq Scan on users" not in plan and "Sort Key" not in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
