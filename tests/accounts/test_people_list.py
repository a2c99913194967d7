"""HR's people list at any cohort size (issue 11): candidates soonest joining first, 50 a page
with a "next page" link, filtered by recruiter (or none), account, joining soon and a search by
name or email; bad filter values are explained on the page; a fixed number of SQL statements
and a light page with more than a thousand candidates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from portal.core.extensions import db
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import CandidateProfile, Role, User
from tests import list_pages
from tests.list_pages import BUDGET, MAX_BYTES, queries
from tests.support import make_staff, run_counted, sign_in

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
PAGE = 50
_ROW = re.compile(r'<th scope="row"><a href="/hr/people/(\d+)">')


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app):
    with app.app_context():
        make_staff(Role.HR, "helen@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        bob = make_staff(Role.RECRUITER, "bob@example.com", "Bob Recruiter")
        return {"rita": rita.id, "bob": bob.id}


@pytest.fixture
def hr(app, cast):
    client = app.test_client()
    assert sign_in(client, "helen@example.com").status_code == 302
    return client


def add_candidates(app, people: list[dict], profiles: list[dict]) -> list[int]:
    """Users and their profiles (without `user_id`, which the database gives), in two bulk
    inserts; their ids, in order."""
    with app.app_context():
        returning = insert(User).returning(User.id, sort_by_parameter_order=True)
        ids = list(db.session.scalars(returning, people))
        db.session.execute(
            insert(CandidateProfile),
            [
                {**profile, "user_id": user_id}
                for profile, user_id in zip(profiles, ids, strict=True)
            ],
        )
        db.session.commit()
    return ids


def insert_candidates(app, cast, count: int) -> list[int]:
    """`count` more candidates, in bulk. Two in a row share a name and a joining day (so the id
    decides between them), and names do not follow ids (so the name decides between others
    joining the same day); a third are Rita's, a third Bob's, a third nobody's; one in ten is
    deactivated; joining days run from 10 days ago to 109 days ahead."""
    with app.app_context():
        first = (db.session.scalar(select(func.count(User.id))) or 0) + 1
    recruiters = (cast["rita"], cast["bob"], None)
    numbers = range(first, first + count)
    people = [
        {
            "email": f"person{n:05d}@example.com",
            "name": f"Person {n // 2 * 7919 % 10007:05d}",
            "role": "candidate",
            "time_zone": "UTC",
            "is_active": n % 10 != 0,
        }
        for n in numbers
    ]
    profiles = [
        {
            "job_title": "Engineer",
            "joining_date": TODAY + timedelta(days=(n // 2) % 120 - 10),
            "joining_time_zone": "UTC",
            "recruiter_id": recruiters[n % 3],
        }
        for n in numbers
    ]
    return add_candidates(app, people, profiles)


def expected(app, keep=lambda user, profile: True) -> list[int]:
    """Every candidate's id that `keep` accepts, soonest joining first, then name, then id."""
    with app.app_context():
        joined = select(User, CandidateProfile).join(
            CandidateProfile, CandidateProfile.user_id == User.id
        )
        rows = db.session.execute(joined).all()
        kept = [(p.joining_date, u.name, u.id) for u, p in rows if keep(u, p)]
    return [user_id for _day, _name, user_id in sorted(kept)]


def listed(page: str) -> list[int]:
    """The candidates' ids on a people page, in order (not the staff below them)."""
    candidates = page.split('id="staff-heading"')[0]
    return [int(found) for found in _ROW.findall(candidates)]


def next_link(page: str) -> str | None:
    return list_pages.next_link(page, "Next page")


def every_page(client, path: str) -> list[list[int]]:
    """The ids of each page, following "Next page" from `path` to the end."""
    return list_pages.every_page(client, path, listed, "Next page")


def test_fifty_a_page_soonest_first_and_next_pages_without_overlap_or_gap(app, cast, hr):
    insert_candidates(app, cast, 1010)
    first = hr.get("/hr/").get_data(as_text=True)
    assert len(listed(first)) == PAGE
    assert "Rita Recruiter" in first.split('id="staff-heading"')[1]  # staff are all still there
    link = next_link(first)
    assert link is not None and link.startswith("/hr/?after=")
    second = hr.get(link).get_data(as_text=True)
    assert len(listed(second)) == PAGE and 'href="/hr/">First page</a>' in second

    pages = every_page(hr, "/hr/")
    assert [len(ids) for ids in pages] == [PAGE] * 20 + [10]
    assert [i for ids in pages for i in ids] == expected(app)  # no overlap, no gap, in order


def test_the_page_keeps_what_it_showed_for_each_candidate(app, cast, hr):
    insert_candidates(app, cast, 120)
    everyone = expected(app)
    on_second_page = everyone[PAGE + 3]
    with app.app_context():
        person = db.session.get(User, on_second_page)
        name, email = person.name, person.email
        for hours in (1, 2):
            db.session.add(
                OutgoingEmail(
                    to_address=email,
                    to_user_id=person.id,
                    kind="joining_changed",
                    category="essential",
                    subject="Your joining date has changed",
                    status=EmailStatus.SENT,
                    sent_at=NOW - timedelta(hours=hours),
                )
            )
        db.session.commit()
    statements, second = run_counted(app, hr, next_link(hr.get("/hr/").get_data(as_text=True)))
    row = next(r for r in second.split("<tr>") if f'href="/hr/people/{on_second_page}"' in r)
    assert name in row and email in row and "Engineer" in row
    assert '<td class="email-count">2<br><span class="muted">limit: 2 of 3</span></td>' in row
    (counting,) = [s for s in statements if "FROM outgoing_emails" in s]
    assert "outgoing_emails.to_user_id IN" in counting  # the 50 on the page, not everyone
    first = hr.get("/hr/").get_data(as_text=True)
    row = next(r for r in first.split("<tr>") if f'href="/hr/people/{everyone[0]}"' in r)
    assert '<td class="email-count">0<br><span class="muted">limit: 0 of 3</span></td>' in row


def test_filters_and_search_narrow_the_list(app, cast, hr):
    bulk = insert_candidates(app, cast, 1005)
    with app.app_context():
        last_email = db.session.get(User, bulk[-1]).email
    underscore, percent = add_candidates(
        app,
        [
            {"email": "under@example.com", "name": "Under_score Person", "role": "candidate"},
            {"email": "sure@example.com", "name": "Hundred% Sure", "role": "candidate"},
        ],
        [{"job_title": "Engineer", "joining_date": TODAY, "joining_time_zone": "UTC"}] * 2,
    )

    def ids_of(path: str) -> list[int]:
        return [i for ids in every_page(hr, path) for i in ids]

    rita = cast["rita"]
    assert ids_of(f"/hr/?recruiter={rita}") == expected(app, lambda u, p: p.recruiter_id == rita)
    assert ids_of("/hr/?recruiter=unassigned") == expected(app, lambda u, p: p.recruiter_id is None)
    assert ids_of("/hr/?account=deactivated") == expected(app, lambda u, p: not u.is_active)
    week = ids_of("/hr/?joining=7")
    assert week == expected(app, lambda u, p: TODAY <= p.joining_date <= TODAY + timedelta(7))
    assert 0 < len(week) < 100
    active_soon_for_bob = expected(
        app,
        lambda u, p: (
            u.is_active
            and p.recruiter_id == cast["bob"]
            and p.joining_date <= TODAY + timedelta(30)
            and p.joining_date >= TODAY
        ),
    )
    assert ids_of(f"/hr/?recruiter={cast['bob']}&account=active&joining=30") == (
        active_soon_for_bob
    )
    # The filters stay on the next page's link.
    first_page = hr.get(f"/hr/?recruiter={rita}&account=active").get_data(as_text=True)
    assert f"recruiter={rita}" in next_link(first_page) and "account=active" in next_link(
        first_page
    )

    # Search: any case, part of the name or of the email address, wildcards taken literally.
    some = ids_of("/hr/?q=PERSON+00")
    assert some == expected(app, lambda u, p: "Person 00" in u.name)
    assert 50 < len(some) < 1000  # more than a page, not everyone
    assert ids_of(f"/hr/?q={last_email.split('@')[0].upper()}@") == [bulk[-1]]
    assert ids_of("/hr/?q=_") == [underscore]
    assert ids_of("/hr/?q=%25") == [percent]
    assert ids_of("/hr/?q=nobody+at+all") == []
    assert "No candidates match these filters." in hr.get("/hr/?q=nobody").get_data(as_text=True)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("recruiter=not-a-number", "Choose a recruiter from the list."),
        ("recruiter=12abc", "Choose a recruiter from the list."),
        ("account=maybe", "Choose active or deactivated accounts, or both."),
        ("joining=5", "Choose 7, 30 or 90 days, or any day."),
        ("joining=-7", "Choose 7, 30 or 90 days, or any day."),
        ("q=" + "x" * 101, "Search for at most 100 characters."),
    ],
)
def test_a_bad_filter_is_explained_and_left_out_while_the_others_apply(app, cast, hr, bad, message):
    insert_candidates(app, cast, 60)
    if bad.startswith("account"):
        good, keep = "recruiter=unassigned", lambda u, p: p.recruiter_id is None
    else:
        good, keep = "account=deactivated", lambda u, p: not u.is_active
    answer = hr.get(f"/hr/?{bad}&{good}")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Some filters could not be used and were left out" in page
    assert message in page
    assert listed(page) == expected(app, keep)
    assert 0 < len(listed(page)) < 60


def test_unknown_recruiters_and_cursors_find_nothing_without_an_error(app, cast, hr):
    insert_candidates(app, cast, 60)
    unknown = hr.get("/hr/?recruiter=999999")
    assert unknown.status_code == 200
    assert "No recruiter has this id" in unknown.get_data(as_text=True)
    assert listed(unknown.get_data(as_text=True)) == []
    for cursor in ("99999999999999999999", "999999"):
        past = hr.get(f"/hr/?after={cursor}")
        assert past.status_code == 200 and listed(past.get_data(as_text=True)) == []
        assert "No more candidates" in past.get_data(as_text=True)
    assert listed(hr.get("/hr/?after=abc").get_data(as_text=True)) == expected(app)[:PAGE]


def test_a_fixed_number_of_queries_and_a_light_page_at_a_thousand_candidates(app, cast, hr):
    insert_candidates(app, cast, 60)
    paths = ["/hr/", f"/hr/?recruiter={cast['rita']}&joining=90&q=person", "/hr/?account=active"]
    hr.get("/hr/")  # a first visit may write (the session); the counted ones read
    small = {}
    for path in paths:
        small[path], _page = queries(app, hr, path)
        second = next_link(_page)
        small[path + " next"] = queries(app, hr, second)[0] if second else None
    insert_candidates(app, cast, 1000)
    for path in paths:
        count, page = queries(app, hr, path)
        assert count == small[path], path
        assert count <= BUDGET, (path, count)
        assert len(page.encode()) < MAX_BYTES, (path, len(page.encode()))
        if small[path + " next"] is not None:
            later, later_page = queries(app, hr, next_link(page))
            assert later == small[path + " next"] and len(later_page.encode()) < MAX_BYTES


def test_only_hr_sees_the_list(app, cast):
    recruiter = app.test_client()
    assert sign_in(recruiter, "rita@example.com").status_code == 302
    assert recruiter.get("/hr/?q=person").status_code in (403, 404)


@pytest.mark.browser
def test_the_list_passes_axe_and_the_html_checker_with_filters_errors_and_pages(
    make_app, browser, tmp_path
):
    def seed(app) -> list[str]:
        with app.app_context():
            recruiters = db.session.scalars(
                select(User.id).where(User.role == Role.RECRUITER).order_by(User.id)
            ).all()
        insert_candidates(app, {"rita": recruiters[0], "bob": recruiters[1]}, 120)
        everyone = expected(app)
        return [
            f"/hr/?recruiter={recruiters[0]}&account=active&joining=90&q=person",
            f"/hr/?after={everyone[PAGE - 1]}",
            "/hr/?recruiter=x&account=maybe&joining=5&q=" + "x" * 101,
            "/hr/?q=nobody+at+all",
        ]

    list_pages.check_in_a_browser(make_app, browser, tmp_path, seed)
