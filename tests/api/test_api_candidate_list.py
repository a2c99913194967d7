"""The API's candidate list (api.candidate_list) says exactly what the dashboards' stored
signals say: every Candidate it lists is `views.candidate_json(status.stored_signal(row))` of
cohort's page, for every filter and page, with reasons stored oddly, candidates in several zones,
some joined, some without a recruiter or with one whose account is closed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import update

from portal.api import tokens as api_tokens
from portal.api.views import candidate_json
from portal.core.extensions import db
from portal.engagement import cohort
from portal.engagement.models import CandidateSummary, Status
from portal.people.models import CandidateProfile, User
from tests import support

NOW = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
ODD_REASONS = [
    {"code": "pulse_low", "status": "quiet", "text": "pulse low", "facts": {"score": 2}},
    {"code": "gone", "status": "no_such_status", "text": "dropped: unknown status"},
    {"code": "empty", "status": "at_risk", "text": ""},
    {"status": "at_risk", "text": "kept, without a code"},
    {"code": "invitation_pending", "status": "invited", "text": "invited"},
]


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app, people):
    """200 more candidates for recruiter A, made odd in every way a row can be; tokens."""
    ids = people["ids"]
    with app.app_context():
        recruiter = db.session.get(User, ids["recruiter_a"])
        support.insert_cohort(recruiter, 200, 3, NOW)
        summary, profile = CandidateSummary, CandidateProfile
        db.session.execute(
            update(summary).where(summary.candidate_id % 7 == 0).values(reasons=ODD_REASONS)
        )
        db.session.execute(
            update(summary).where(summary.candidate_id % 11 == 0).values(recruiter_id=None)
        )
        db.session.execute(
            update(profile)
            .where(profile.user_id % 3 == 0)
            .values(joining_time_zone="America/New_York", joining_time=time(8, 30))
        )
        db.session.execute(
            update(profile)
            .where(profile.user_id % 5 == 0)
            .values(joining_date=(NOW - timedelta(days=3)).date())
        )
        made = {}
        for persona in ("recruiter_a", "hr"):
            user = db.session.get(User, ids[persona])
            _row, made[persona] = api_tokens.create(user, "list")
        db.session.commit()
        # Recruiter B's account closes: their candidates list them with no name.
        db.session.execute(
            update(User).where(User.id == ids["recruiter_b"]).values(is_active=False)
        )
        db.session.commit()
    return {"ids": ids, "tokens": made}


def _expected(app, *, recruiter_id, status, after, size):
    with app.app_context():
        page = cohort.candidates_page(
            NOW,
            cohort.Filters(status=status, after=after),
            recruiter_id=recruiter_id,
            size=size,
            with_activity=False,
        )
        return {
            "data": [candidate_json(signal) for signal in page.signals],
            "count": len(page.signals),
            "next_cursor": str(page.next_after) if page.next_after is not None else None,
            "has_more": page.next_after is not None,
            "computed_at": (page.checked_at or NOW).isoformat(),
        }


@pytest.mark.parametrize("status", [None, *Status])
@pytest.mark.parametrize("who", ["recruiter_a", "hr"])
def test_every_page_says_what_the_stored_signals_say(app, client, cast, who, status):
    scope = cast["ids"]["recruiter_a"] if who == "recruiter_a" else None
    query = "limit=37" + (f"&status={status}" if status else "")
    after = None
    pages = 0
    while True:
        path = f"/api/v1/candidates?{query}" + (f"&after={after}" if after else "")
        answer = client.get(path, headers={"Authorization": f"Bearer {cast['tokens'][who]}"})
        assert answer.status_code == 200
        cursor = cohort.read_cursor(after) if after else None
        expected = _expected(app, recruiter_id=scope, status=status, after=cursor, size=37)
        assert answer.get_json() == expected
        pages += 1
        after = expected["next_cursor"]
        if after is None:
            break
    assert pages > (1 if status is None else 0)


def test_hr_filtering_by_recruiter_and_the_odd_rows_are_covered(app, client, cast):
    ids, token = cast["ids"], cast["tokens"]["hr"]
    everyone = []
    for recruiter_id in (ids["recruiter_a"], ids["recruiter_b"]):
        answer = client.get(
            f"/api/v1/candidates?recruiter_id={recruiter_id}&limit=200",
            headers={"Authorization": f"Bearer {token}"},
        )
        expected = _expected(app, recruiter_id=recruiter_id, status=None, after=None, size=200)
        assert answer.get_json() == expected
        everyone.extend(expected["data"])
    # The odd cases are all there, so the comparisons saw them.
    assert any(c["recruiter"] == {"id": ids["recruiter_b"], "name": ""} for c in everyone)
    assert any(c["has_joined"] for c in everyone) and not all(c["has_joined"] for c in everyone)
    assert any(c["joining_at"].endswith("-05:00") for c in everyone)
    assert any(c["last_seen_at"] is None for c in everyone)
    odd = [c["reasons"] for c in everyone if len(c["reasons"]) == 3]
    assert odd and odd[0] == [
        {"code": "", "status": "at_risk", "text": "kept, without a code"},
        {"code": "pulse_low", "status": "quiet", "text": "pulse low"},
        {"code": "invitation_pending", "status": "invited", "text": "invited"},
    ]
    unassigned = (
        client.get(
            "/api/v1/candidates?limit=200&status=engaged",
            headers={"Authorization": f"Bearer {token}"},
        ).get_json()["data"]
        + client.get(
            "/api/v1/candidates?limit=200&status=at_risk",
            headers={"Authorization": f"Bearer {token}"},
        ).get_json()["data"]
    )
    assert any(c["recruiter"] is None for c in unassigned)


def test_a_cursor_past_the_largest_id_is_read_as_the_largest(app, client, cast):
    """A cursor's id may be any ten digits; no id is above a 32-bit column's largest, so such a
    cursor reads as after that one. PostgreSQL refused the larger value in the bound query: the
    API and the dashboard answered 500 (found by the API's schemathesis run)."""
    assert cohort.read_cursor("0.20000.3202415772") == cohort.read_cursor("0.20000.2147483647")
    token = cast["tokens"]["hr"]
    for cursor in ("0.20000.3202415772", "4.899974.9999999999"):
        answer = client.get(
            f"/api/v1/candidates?after={cursor}", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
        cursor_value = cohort.read_cursor(cursor)
        expected = _expected(app, recruiter_id=None, status=None, after=cursor_value, size=50)
        assert answer.get_json() == expected
    support.sign_in(client, cast_email(app, cast["ids"]["recruiter_a"]))
    board = client.get("/recruiter/?after=0.20000.3202415772")
    assert board.status_code == 200


def cast_email(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get_one(User, user_id).email
