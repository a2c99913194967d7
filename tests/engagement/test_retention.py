"""Engagement records are deleted some time after joining, as /what-we-record says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.engagement import retention
from portal.engagement.models import CandidateStatus, CandidateSummary, PulseResponse
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import Role
from portal.questions.models import Message
from portal.worker.loop import JOBS
from tests import support

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def _records(candidate_id: int) -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).where(model.candidate_id == candidate_id))
        for model in (EngagementEvent, PulseResponse, CandidateStatus)
    )


def _history(candidate) -> None:
    db.session.add_all(
        [
            EngagementEvent(candidate_id=candidate.id, kind=EventKind.SIGNED_IN, occurred_at=NOW),
            PulseResponse(candidate_id=candidate.id, score=4, answered_at=NOW),
            CandidateStatus(candidate_id=candidate.id, status="engaged", reasons=[]),
            Message(candidate_id=candidate.id, author_id=candidate.id, body="Parking?"),
        ]
    )
    db.session.commit()


def test_records_go_90_days_after_joining_and_not_before(app_ctx, client):
    recruiter = support.make_staff(Role.RECRUITER, "rita@example.com")
    long_ago = support.make_candidate(
        "old@example.com", recruiter, joining_date=(NOW - timedelta(days=91)).date()
    )
    recent = support.make_candidate(
        "recent@example.com", recruiter, joining_date=(NOW - timedelta(days=89)).date()
    )
    for candidate in (long_ago, recent):
        _history(candidate)

    # An event, a pulse answer, a recorded status and the summary built from them.
    assert retention.forget_after_joining(NOW) == 4
    db.session.commit()
    assert db.session.get(CandidateSummary, long_ago.id) is None
    assert db.session.get(CandidateSummary, recent.id).last_pulse is not None

    assert _records(long_ago.id) == (0, 0, 0)
    assert _records(recent.id) == (1, 1, 1)
    # The conversation is not an engagement record: it stays with the account.
    assert db.session.scalar(select(func.count()).where(Message.candidate_id == long_ago.id)) == 1
    assert "retention" in {job.name for job in JOBS}
    page = client.get("/what-we-record").get_data(as_text=True)
    assert "Until 90 days after your first day" in page
