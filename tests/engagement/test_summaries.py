"""Candidate summaries: kept current as things happen, equal to a rebuild from the events, and
the only thing the dashboards read."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.extensions import db
from portal.engagement import status_changes, summary_rebuild
from portal.engagement.models import CandidateSummary, PulseResponse, Status
from portal.events import log as events
from portal.events.models import ACTIVITY_KINDS, EngagementEvent, EventKind
from portal.people.models import Role
from portal.questions import closures, threads
from portal.questions.models import Message
from portal.timeline import checklist, dates
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields, Target
from portal.timeline.models import TaskKind
from tests import support

FACTS = [
    column.key
    for column in CandidateSummary.__table__.columns
    if column.key not in ("evaluated_at",)
]


def snapshot() -> dict[int, dict]:
    db.session.expire_all()
    return {
        summary.candidate_id: {name: getattr(summary, name) for name in FACTS}
        for summary in db.session.scalars(select(CandidateSummary))
    }


def _random_history(rng: random.Random, now: datetime) -> None:
    """Candidates and staff, then random things done through the portal's own operations,
    committed in many small transactions as requests would."""
    recruiters = [support.make_staff(Role.RECRUITER, f"rec{n}@example.com") for n in range(2)]
    candidates = [
        support.make_candidate(
            f"c{n}@example.com",
            rng.choice(recruiters),
            joins_in=rng.randint(-5, 60),
            location=rng.choice(["Paris", "Lyon", "Remote"]),
            password=None if n % 4 == 0 else support.PASSWORD,
        )
        for n in range(8)
    ]
    kinds = list(ACTIVITY_KINDS)
    for _ in range(220):
        candidate = rng.choice(candidates)
        at = now - timedelta(minutes=rng.randint(0, 60 * 24 * 70))
        step = rng.random()
        if step < 0.5:
            events.record(candidate.id, rng.choice(kinds), subject="news:1", at=at)
        elif step < 0.58:
            events.record_home_view(candidate.id, at)
        elif step < 0.76:
            author = candidate if step < 0.68 else candidate.candidate_profile.recruiter
            # Now and then a bare "thanks!", which waits for nothing after an answer.
            text = f"Message {rng.random()}"
            if threads.may_write(author, candidate):
                threads.post(candidate, author, "thanks!" if step < 0.62 else text, None)
        elif 0.77 <= step < 0.8:  # "no reply needed", or taking it back
            last = db.session.scalar(
                select(Message.id)
                .where(Message.candidate_id == candidate.id)
                .order_by(Message.id.desc())
            )
            try:
                if step < 0.79:
                    closures.close(candidate, candidate, last or 0)
                else:
                    closures.reopen(candidate, candidate)
            except closures.ClosureError:
                pass
        elif step < 0.8:
            mine = db.session.scalars(
                select(Message).where(
                    Message.candidate_id == candidate.id, Message.removed_at.is_(None)
                )
            ).first()
            if mine is not None:
                threads.remove(mine, mine.author)
        elif step < 0.88:
            db.session.add(
                PulseResponse(candidate_id=candidate.id, score=rng.randint(1, 5), answered_at=at)
            )
        elif step < 0.92:
            candidate.candidate_profile.recruiter_id = rng.choice(recruiters).id
        elif step < 0.95:
            candidate.candidate_profile.joining_date = (
                now + timedelta(days=rng.randint(-3, 90))
            ).date()
            candidate.candidate_profile.location = rng.choice(["Paris", "Berlin"])
        elif step < 0.97:
            candidate.is_active = not candidate.is_active
        else:
            candidate.password_hash = "x"
        if rng.random() < 0.3:
            db.session.commit()
    db.session.commit()
    _random_checklists(rng, candidates)


def _random_checklists(rng: random.Random, candidates: list) -> None:
    """Tasks in the template (for everyone, for Paris, for Berlin), some changed and one
    deleted; then ticked off and back, tasks of a candidate's own, joining days that move (each
    followed on its own: no template change comes after them to refresh everyone)."""
    hr = support.make_staff(Role.HR, "hr@example.com")
    kinds = [TaskKind.READ, TaskKind.CONFIRM, TaskKind.ACKNOWLEDGE, TaskKind.MILESTONE]
    templates = [
        timeline.create_template(
            hr,
            MilestoneFields(f"Task {n}", rng.randint(-30, 10), kind=rng.choice(kinds)),
            Target(rng.choice(["", "", "Paris", "Berlin"]), ""),
        )
        for n in range(7)
    ]
    db.session.commit()
    for changed in templates[1:3]:
        timeline.update_template(
            hr, changed, MilestoneFields(changed.title, rng.randint(-30, 10), kind="confirm")
        )
    timeline.delete_template(hr, templates[0])
    db.session.commit()
    now = clock.now()
    for step in range(50):
        candidate = rng.choice(candidates)
        items = dates.tasks_of(dates.candidate_timeline(candidate, now))
        if step % 7 == 3:  # the joining day moves: the tasks' due days with it
            candidate.candidate_profile.joining_date += timedelta(days=rng.randint(-9, 9))
        elif step % 11 == 5:
            own = MilestoneFields("Own", rng.randint(-20, 5), kind="read")
            timeline.add_own(hr, candidate, own)
        elif items:
            item = rng.choice(items)
            if item.done:
                checklist.take_back(candidate, item)
            else:
                checklist.tick_off(candidate, item, now)
        if rng.random() < 0.4:
            db.session.commit()
    db.session.commit()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_rebuild_from_the_events_equals_the_incremental_summaries(app_ctx, seed):
    now = datetime.now(UTC)
    _random_history(random.Random(seed), now)
    incremental = snapshot()
    assert len(incremental) == 8
    # Something of each kind happened: the comparison is not between empty rows.
    assert any(row["unanswered"] for row in incremental.values())
    assert any(row["last_pulse"] is not None for row in incremental.values())
    assert sum(sum(row["activity_days"].values()) for row in incremental.values()) > 50
    assert {row["recruiter_id"] for row in incremental.values()} != {None}
    assert any(row["tasks_done"] for row in incremental.values())
    assert any(row["task_dues"] for row in incremental.values())

    assert summary_rebuild.rebuild() == 8
    db.session.commit()
    rebuilt = snapshot()
    for candidate_id, row in incremental.items():
        assert rebuilt[candidate_id] == row, candidate_id


def test_the_summary_follows_a_question_and_its_answer_in_the_same_transaction(app_ctx):
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
    candidate = support.make_candidate("cand@example.com", recruiter)
    threads.post(candidate, candidate, "Where do I park?", None)
    summary = db.session.get(CandidateSummary, candidate.id)
    db.session.flush()
    assert summary.unanswered == 1 and summary.waiting_since is not None
    assert summary.event_counts == {EventKind.QUESTION_ASKED: 1}
    db.session.commit()
    threads.post(candidate, recruiter, "Behind the building.", None)
    db.session.commit()
    db.session.expire_all()
    summary = db.session.get(CandidateSummary, candidate.id)
    assert (summary.unanswered, summary.waiting_since) == (0, None)


def test_a_reassigned_candidate_moves_to_the_new_recruiters_board_at_once(app):
    with app.app_context():
        first = support.make_staff(Role.RECRUITER, "first@example.com")
        second = support.make_staff(Role.RECRUITER, "second@example.com")
        candidate = support.make_candidate("moved@example.com", first, name="Moved Person")
        candidate.candidate_profile.recruiter_id = second.id
        db.session.commit()
        assert db.session.get(CandidateSummary, candidate.id).recruiter_id == second.id
    for who, shown in (("first@example.com", False), ("second@example.com", True)):
        client = app.test_client()
        support.sign_in(client, who)
        assert ("Moved Person" in client.get("/recruiter/").get_data(as_text=True)) is shown


def test_the_worker_moves_stored_statuses_as_time_passes_and_rebuilds_missing_ones(app_ctx):
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
    candidate = support.make_candidate("away@example.com", recruiter, joins_in=60)
    start = datetime.now(UTC)
    events.record(candidate.id, EventKind.SIGNED_IN, at=start)
    db.session.commit()
    assert db.session.get(CandidateSummary, candidate.id).status == Status.ENGAGED

    status_changes.evaluate(start + timedelta(days=20))  # the worker's pass, 20 days on
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(CandidateSummary, candidate.id)
    assert stored.status == Status.AT_RISK
    assert stored.reasons[0]["text"] == "not seen for 20 days"
    assert stored.evaluated_at == start + timedelta(days=20)

    db.session.delete(stored)  # lost (a restore, a bulk import): the next pass rebuilds it
    db.session.commit()
    status_changes.evaluate(start + timedelta(days=21))
    db.session.commit()
    rebuilt = db.session.get(CandidateSummary, candidate.id)
    assert rebuilt.event_counts == {EventKind.SIGNED_IN: 1}
    assert rebuilt.status == Status.AT_RISK


def test_the_rebuild_command_says_how_many(app, runner, app_ctx):
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
    for n in range(3):
        support.make_candidate(f"c{n}@example.com", recruiter)
    result = runner.invoke(args=["engagement", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 3 candidate summaries." in result.output


def test_the_dashboards_never_read_the_event_log(app):
    with app.app_context():
        recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
        support.make_staff(Role.HR, "hr@example.com")
        support.insert_cohort(recruiter, 30, 20, datetime.now(UTC))
    for path, who in (("/recruiter/", "rec@example.com"), ("/hr/engagement", "hr@example.com")):
        client = app.test_client()
        support.sign_in(client, who)
        statements, page = support.run_counted(app, client, path)
        assert "Cohort" in page
        assert not [s for s in statements if EngagementEvent.__tablename__ in s], path
