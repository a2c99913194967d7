"""The facts stored with an outcome, from a history lived through the real parts: the worker's
status evaluation marks the candidate quiet then at risk, the thread has answers, thanks, a
"no reply needed" and a question left waiting; the worker then marks them joined."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement import status_changes
from portal.events import log as events
from portal.events.models import EventKind
from portal.outcomes import recording
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.people.models import Role, User
from portal.questions.models import Message, ThreadClosure
from portal.questions.waiting import is_acknowledgement
from portal.worker.loop import JOBS, Worker
from tests import support

JOINS = datetime(2026, 8, 31, 9, 0, tzinfo=UTC)  # the joining moment
NOW = JOINS + timedelta(days=1, hours=3)


def _say(candidate: User, author: User, body: str, at: datetime) -> Message:
    message = Message(
        candidate_id=candidate.id,
        author_id=author.id,
        body=body,
        created_at=at,
        acknowledgement=author.id == candidate.id and is_acknowledgement(body),
    )
    db.session.add(message)
    db.session.flush()
    return message


def test_the_facts_before_the_outcome_come_from_what_happened(make_app):
    app = make_app(PORTAL_CLOCK=NOW)
    with app.app_context():
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        cole = support.make_candidate(
            "cole@example.com",
            rita,
            name="Cole",
            zone="UTC",
            joining_date=JOINS.date(),
            joining_time=time(9, 0),
        )
        cole.created_at = JOINS - timedelta(days=30)  # the offer
        db.session.commit()

        def day(days: float) -> datetime:
            return JOINS - timedelta(days=days)

        for at in (day(30) + timedelta(hours=1), day(28), day(27)):
            events.record(cole.id, EventKind.SIGNED_IN, at=at)
        _say(cole, cole, "Where do I park?", day(20))
        _say(cole, rita, "Behind building B.", day(20) + timedelta(hours=5))  # 5 h: fast
        _say(cole, cole, "thanks!", day(20) + timedelta(hours=6))  # asks nothing
        db.session.commit()
        # The worker's status evaluation, as it ran then: quiet, then at risk.
        status_changes.evaluate(day(19))
        db.session.commit()
        status_changes.evaluate(day(12))
        db.session.commit()

        events.record(cole.id, EventKind.SIGNED_IN, at=day(10))
        _say(cole, cole, "Is there a dress code?", day(9))
        _say(cole, rita, "No.", day(9) + timedelta(hours=50))  # past the 24-hour promise
        covered = _say(cole, cole, "See you soon", day(6))
        db.session.add(
            ThreadClosure(
                candidate_id=cole.id,
                through_message_id=covered.id,
                closed_by_id=rita.id,
                closed_at=day(5),
            )
        )
        _say(cole, cole, "Who meets me at reception?", day(3))  # waits past the promise
        events.record(cole.id, EventKind.NEWS_OPENED, at=day(2))
        _say(cole, rita, "I do!", JOINS + timedelta(hours=1))  # after the outcome: not counted
        db.session.commit()
        cole_id, rita_id = cole.id, rita.id
        db.session.remove()

    (ran,) = Worker(app, tuple(job for job in JOBS if job.name == "outcomes")).run_pass()
    assert ran.summary == "1 candidate(s) marked joined"

    with app.app_context():
        row = db.session.scalars(select(CandidateOutcome)).one()
        assert (row.candidate_id, row.kind, row.automatic) == (cole_id, Outcome.JOINED, True)
        assert row.facts_until == JOINS
        assert row.first_quiet_at == JOINS - timedelta(days=19)
        assert row.first_at_risk_at == JOINS - timedelta(days=12)
        assert row.longest_silence_days == 17  # from day 27 to day 10
        # Active in weeks 1, 2, 4 and 5 before joining (days 2, 10, 27, 28, 29.96).
        assert row.active_weeks == 0b11011
        assert row.offered_weeks == 5  # the offer was 30 days old
        waits = (
            row.answers_within_quarter,
            row.answers_within_half,
            row.answers_within_promise,
            row.answers_late,
            row.questions_unanswered,
        )
        assert waits == (1, 0, 0, 1, 1)
        assert row.promise_hours == 24
        # The offer's copies, for the reports.
        assert (row.department, row.location, row.recruiter_id) == ("Engineering", "Paris", rita_id)
        assert row.joining_date == JOINS.date() and row.joining_at == JOINS


def test_a_renege_recorded_before_the_joining_moment_counts_up_to_that_moment(make_app):
    now = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    app = make_app(PORTAL_CLOCK=now)
    with app.app_context():
        hr = support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        nora = support.make_candidate(
            "nora@example.com",
            None,
            name="Nora",
            zone="UTC",
            joining_date=(now + timedelta(days=10)).date(),
        )
        nora.created_at = now - timedelta(days=20)
        events.record(nora.id, EventKind.SIGNED_IN, at=now - timedelta(days=15, hours=2))
        db.session.commit()

        recorded = recording.record_outcome(nora, Outcome.RENEGED, hr)
        db.session.commit()
        row = recorded.row
        assert row.facts_until == now
        assert row.longest_silence_days == 15  # since that sign-in, until the renege
        assert row.active_weeks == 0b100  # the third week before
        assert row.offered_weeks == 3
        assert row.first_at_risk_at is None and row.first_quiet_at is None
        assert row.recruiter_id is None
