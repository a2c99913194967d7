"""Overdue tasks as a reason in the engagement status: fed from the facts the candidate's
checklist shows (the same due moments), kept in their summary as the checklist changes (a tick,
a template, a joining day that moves, a task of their own), and worked out again as time
passes; the recruiter sees the checklist's progress on the dashboard and the candidate's page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement import status_changes, summary_rebuild
from portal.engagement.models import CandidateSummary, Status
from portal.people.models import Role, User
from portal.timeline import checklist, dates
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import MilestoneTemplate, TaskKind
from tests import support

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
JOINING = date(2026, 12, 7)


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app):
    with app.app_context():
        hr = support.make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        alice = support.make_candidate(
            "alice@example.com", rita, name="Alice A", joining_date=JOINING
        )
        invited = support.make_candidate(
            "ivy@example.com", rita, name="Ivy Invited", joining_date=JOINING, password=None
        )
        # Due 7 November (overdue), 27 November (to come).
        overdue = timeline.create_template(hr, MilestoneFields("Contract", -30, kind="confirm"))
        later = timeline.create_template(hr, MilestoneFields("Handbook", -10, kind="read"))
        db.session.commit()
        return {
            "hr": hr.id,
            "alice": alice.id,
            "invited": invited.id,
            "overdue": overdue.id,
            "later": later.id,
        }


def _summary(candidate_id: int) -> CandidateSummary:
    db.session.expire_all()
    return db.session.get(CandidateSummary, candidate_id)


def _reasons(summary: CandidateSummary) -> dict[str, tuple[str, str]]:
    return {r["code"]: (r["status"], r["text"]) for r in summary.reasons}


def _checklist_overdue(candidate_id: int, now: datetime) -> int:
    candidate = db.session.get(User, candidate_id)
    return dates.Progress.of(dates.candidate_timeline(candidate, now)).overdue


def test_an_overdue_task_is_a_reason_with_the_count_the_checklist_shows(app, cast):
    with app.app_context():
        summary = _summary(cast["alice"])
        assert (summary.tasks_total, summary.tasks_done) == (2, 0)
        assert summary.task_dues == ["2026-11-07T23:00:00+00:00", "2026-11-27T23:00:00+00:00"]
        assert summary.status == Status.QUIET
        assert _reasons(summary)["overdue_tasks"] == ("quiet", "1 task overdue")
        assert _checklist_overdue(cast["alice"], NOW) == 1
        # Never signed in: the invitation says it all, no overdue reason on top.
        assert "overdue_tasks" not in _reasons(_summary(cast["invited"]))

        alice = db.session.get(User, cast["alice"])
        checklist.tick_off(alice, checklist.task(alice, str(cast["overdue"]), NOW), NOW)
        db.session.commit()  # the summary follows in the same transaction
        summary = _summary(cast["alice"])
        assert (summary.tasks_done, summary.status) == (1, Status.ENGAGED)
        assert "overdue_tasks" not in _reasons(summary)


def test_time_passing_makes_tasks_overdue_and_three_put_the_candidate_at_risk(app, cast):
    with app.app_context():
        hr = db.session.get(User, cast["hr"])
        for n in range(2):
            timeline.create_template(hr, MilestoneFields(f"Form {n}", -9 + n, kind="upload"))
        db.session.commit()
        summary = _summary(cast["alice"])
        assert summary.tasks_total == 4 and _reasons(summary)["overdue_tasks"][1] == (
            "1 task overdue"
        )
        later = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # 27 and 28 November have ended in Paris
        app.config["PORTAL_CLOCK"] = later
        status_changes.evaluate(later)  # the worker's pass
        db.session.commit()
        summary = _summary(cast["alice"])
        assert _reasons(summary)["overdue_tasks"] == ("at_risk", "3 tasks overdue")
        assert summary.status == Status.AT_RISK
        assert _checklist_overdue(cast["alice"], later) == 3
        (signal,) = engagement.signals(later, candidate_ids=[cast["alice"]])
        assert (signal.tasks_total, signal.tasks_done, signal.tasks_overdue) == (4, 0, 3)


def test_the_summary_follows_templates_joining_days_and_a_candidates_own_tasks(app, cast):
    with app.app_context():
        hr = db.session.get(User, cast["hr"])
        alice = db.session.get(User, cast["alice"])
        contract = db.session.get(MilestoneTemplate, cast["overdue"])
        # A template changed: everyone's checklist (a task no more: a plain milestone).
        timeline.update_template(hr, contract, MilestoneFields("Contract", -30))
        db.session.commit()
        assert _summary(cast["alice"]).tasks_total == 1
        assert "overdue_tasks" not in _reasons(_summary(cast["alice"]))
        # The joining day moves earlier: the handbook (10 days before) is now overdue.
        alice.candidate_profile.joining_date = date(2026, 11, 25)
        db.session.commit()
        assert _summary(cast["alice"]).task_dues == ["2026-11-15T23:00:00+00:00"]
        assert _reasons(_summary(cast["alice"]))["overdue_tasks"][1] == "1 task overdue"
        # A task of her own.
        own = timeline.add_own(hr, alice, MilestoneFields("Visa", -40, kind=TaskKind.UPLOAD))
        db.session.commit()
        assert _summary(cast["alice"]).tasks_total == 2
        assert _reasons(_summary(cast["alice"]))["overdue_tasks"][1] == "2 tasks overdue"
        timeline.delete_own(hr, alice, own)
        db.session.commit()
        assert _summary(cast["alice"]).tasks_total == 1
        # A rebuild from the tables gives the same facts.
        before = _summary(cast["alice"])
        facts = (before.tasks_total, before.tasks_done, list(before.task_dues or []))
        summary_rebuild.rebuild([cast["alice"]])
        db.session.commit()
        after = _summary(cast["alice"])
        assert (after.tasks_total, after.tasks_done, after.task_dues) == facts


def test_the_dashboards_show_the_checklists_progress(app, cast):
    rita = app.test_client()
    support.sign_in(rita, "rita@example.com")
    board = rita.get("/recruiter/").get_data(as_text=True)
    row = board.split(f'data-candidate-id="{cast["alice"]}"')[1].split("</tr>")[0]
    assert "1 task overdue" in row and "Things to do: 0 of 2 done, 1 overdue" in row
    page = rita.get(f"/recruiter/candidates/{cast['alice']}").get_data(as_text=True)
    assert "0 of 2 done, 1 overdue" in page
    hr = app.test_client()
    support.sign_in(hr, "hr@example.com")
    assert "Things to do: 0 of 2 done, 1 overdue" in hr.get("/hr/engagement").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(CandidateSummary.candidate_id)).all()


def test_a_candidate_who_has_joined_has_no_overdue_reason(app, cast):
    with app.app_context():
        alice = db.session.get(User, cast["alice"])
        alice.candidate_profile.joining_date = NOW.date() - timedelta(days=2)
        db.session.commit()
        summary = _summary(cast["alice"])
        assert summary.tasks_done == 0 and summary.reasons == []
