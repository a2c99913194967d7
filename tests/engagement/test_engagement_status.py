"""Engagement status with fixed clocks: each rule's reason in words, its thresholds from
configuration, the worker's change events, and a constant number of queries for a big cohort."""

from __future__ import annotations

import json
import time as wall
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement import status_changes
from portal.engagement.models import CandidateStatus, CandidateSummary, PulseResponse, Status
from portal.engagement.sparkline import day_counts, window
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import Role, User
from portal.questions.models import Message
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint, WebhookMessage
from tests import support

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def recruiter(app_ctx):
    return support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")


def candidate(
    recruiter,
    name: str,
    *,
    joins_in_days: int = 40,
    created_days_ago: int = 30,
    signed_up: bool = True,
) -> User:
    user = support.make_candidate(
        f"{name.lower().replace(' ', '.')}@example.com",
        recruiter,
        name=name,
        zone="UTC",
        joining_date=(NOW + timedelta(days=joins_in_days)).date(),
        password=support.PASSWORD if signed_up else None,
    )
    user.created_at = NOW - timedelta(days=created_days_ago)
    db.session.commit()
    return user


def did(user: User, kind: EventKind, ago: timedelta, **fields) -> None:
    db.session.add(
        EngagementEvent(candidate_id=user.id, kind=kind, occurred_at=NOW - ago, **fields)
    )
    db.session.commit()


def signal_of(user: User, now: datetime = NOW) -> engagement.CandidateSignal:
    (found,) = engagement.signals(now, candidate_ids=[user.id])
    return found


def test_a_candidate_who_keeps_coming_back_is_engaged_with_no_reasons(recruiter):
    chloe = candidate(recruiter, "Chloe Active")
    did(chloe, EventKind.SIGNED_IN, timedelta(days=2))
    did(chloe, EventKind.NEWS_OPENED, timedelta(days=2), subject="news:1")

    found = signal_of(chloe)

    assert found.status == Status.ENGAGED
    assert found.reasons == []
    assert found.last_seen_at == NOW - timedelta(days=2)


@pytest.mark.parametrize(
    ("days_unseen", "status", "text"),
    [
        (6, Status.ENGAGED, None),
        (7, Status.QUIET, "not seen for 7 days"),
        (9, Status.QUIET, "not seen for 9 days"),
        (14, Status.AT_RISK, "not seen for 14 days"),
    ],
)
def test_days_without_a_visit_make_a_candidate_quiet_then_at_risk(
    recruiter, days_unseen, status, text
):
    marcus = candidate(recruiter, "Marcus Away")
    did(marcus, EventKind.NEWS_OPENED, timedelta(days=days_unseen + 5), subject="news:1")
    did(marcus, EventKind.SIGNED_IN, timedelta(days=days_unseen, hours=1))

    found = signal_of(marcus)

    assert found.status == status
    assert found.reason_texts == ([text] if text else [])


def test_an_invitation_left_unaccepted_is_a_reason(recruiter):
    sofia = candidate(recruiter, "Sofia Invited", signed_up=False, created_days_ago=4)
    assert signal_of(sofia).reason_texts == ["has not accepted the invitation sent 4 days ago"]
    assert signal_of(sofia).status == Status.QUIET
    assert signal_of(sofia, NOW + timedelta(days=4)).status == Status.AT_RISK


def test_a_candidate_who_has_never_signed_in_is_invited_never_engaged(recruiter):
    """Minutes after the invitation, joining soon, and even after joining: invited, with the
    invitation's reason, never "engaged"."""
    new = candidate(recruiter, "New Hire", signed_up=False, created_days_ago=0, joins_in_days=6)
    found = signal_of(new)
    assert found.status == Status.INVITED
    assert found.reason_texts == ["has not accepted the invitation sent today"]
    assert [r.status for r in found.reasons] == [Status.INVITED]
    assert signal_of(new, NOW + timedelta(days=2)).reason_texts == [
        "has not accepted the invitation sent 2 days ago"
    ]
    assert signal_of(new, NOW + timedelta(days=2)).status == Status.INVITED
    assert signal_of(new, NOW + timedelta(days=3)).status == Status.QUIET
    joined = signal_of(new, NOW + timedelta(days=8))
    assert joined.has_joined and joined.status == Status.INVITED
    assert joined.reason_texts == ["has not accepted the invitation sent 8 days ago"]
    # Once signed up, never invited again.
    new.password_hash = "x"
    db.session.commit()
    assert signal_of(new).status == Status.AT_RISK  # joins in 6 days, opened nothing yet
    assert Status.INVITED not in {r.status for r in signal_of(new).reasons}


def _message(user: User, author: User, ago: timedelta) -> Message:
    message = Message(candidate_id=user.id, author_id=author.id, body="?", created_at=NOW - ago)
    db.session.add(message)
    db.session.commit()
    return message


def test_a_question_unanswered_past_the_threshold_is_a_reason_until_answered(recruiter):
    arjun = candidate(recruiter, "Arjun Asking")
    did(arjun, EventKind.SIGNED_IN, timedelta(hours=30))
    _message(arjun, arjun, timedelta(hours=30))
    _message(arjun, arjun, timedelta(hours=2))

    found = signal_of(arjun)
    assert found.status == Status.AT_RISK
    assert found.reason_texts == ["question unanswered for 30 hours"]
    assert found.unanswered_questions == 2
    assert signal_of(arjun, NOW - timedelta(hours=7)).reason_texts == []  # 23 hours then

    _message(arjun, recruiter, timedelta(hours=1))
    answered = signal_of(arjun)
    assert answered.status == Status.ENGAGED
    assert answered.unanswered_questions == 0


def _pulse(user: User, score: int, ago: timedelta) -> None:
    db.session.add(PulseResponse(candidate_id=user.id, score=score, answered_at=NOW - ago))
    db.session.commit()


def test_a_pulse_that_falls_is_a_reason_naming_both_scores(recruiter):
    olivia = candidate(recruiter, "Olivia Pulse")
    did(olivia, EventKind.SIGNED_IN, timedelta(days=1))
    _pulse(olivia, 5, timedelta(days=15))
    _pulse(olivia, 4, timedelta(days=30))  # older: not the previous one
    _pulse(olivia, 2, timedelta(days=1))

    found = signal_of(olivia)
    assert found.status == Status.AT_RISK
    assert found.reason_texts == ["pulse fell from 5 to 2"]
    assert (found.last_pulse, found.previous_pulse) == (2, 5)


def test_a_small_dip_is_not_a_reason_but_a_low_first_pulse_is(recruiter):
    steady = candidate(recruiter, "Steady One")
    worried = candidate(recruiter, "Worried One")
    for user in (steady, worried):
        did(user, EventKind.SIGNED_IN, timedelta(days=1))
    _pulse(steady, 4, timedelta(days=15))
    _pulse(steady, 3, timedelta(days=1))
    _pulse(worried, 2, timedelta(days=1))

    assert signal_of(steady).reasons == []
    assert signal_of(worried).reason_texts == ["feels 2 of 5 about joining"]


def test_joining_soon_having_opened_nothing_is_a_reason_worded_beside_last_seen(recruiter):
    silent = candidate(recruiter, "Silent Soon", joins_in_days=6)
    reader = candidate(recruiter, "Reader Soon", joins_in_days=6)
    later = candidate(recruiter, "Silent Later", joins_in_days=20)
    for user in (silent, reader, later):
        did(user, EventKind.SIGNED_IN, timedelta(days=1))
        did(user, EventKind.HOME_VIEWED, timedelta(days=1))
    did(reader, EventKind.CALENDAR_DOWNLOADED, timedelta(days=20))

    # Signed in yesterday ("Last seen"), so not "has not opened anything": what was counted.
    assert signal_of(silent).reason_texts == [
        "joins in 6 days and has signed in but not read, asked or downloaded anything"
    ]
    assert signal_of(silent).last_seen_at == NOW - timedelta(days=1)
    assert signal_of(silent).status == Status.AT_RISK
    assert signal_of(reader).reasons == []
    assert signal_of(later).reasons == []


def test_thresholds_come_from_configuration(make_app):
    rules = dict(make_app().config["ENGAGEMENT_RULES"], quiet_after_days_unseen=3)
    app = make_app(ENGAGEMENT_RULES=rules)
    with app.app_context():
        rita = support.make_staff(Role.RECRUITER, "rita@example.com")
        user = candidate(rita, "Four Days")
        did(user, EventKind.SIGNED_IN, timedelta(days=4))
        assert signal_of(user).reason_texts == ["not seen for 4 days"]


def test_the_answer_promise_is_the_one_threshold_for_an_unanswered_question(make_app):
    """RESPONSE_PROMISE_HOURS says when a question is overdue and when it puts its candidate at
    risk: one setting, no second threshold in ENGAGEMENT_RULES."""
    app = make_app(RESPONSE_PROMISE_HOURS=48)
    assert not any("unanswered" in rule for rule in app.config["ENGAGEMENT_RULES"])
    with app.app_context():
        rita = support.make_staff(Role.RECRUITER, "rita@example.com")
        arjun = candidate(rita, "Arjun Asking")
        did(arjun, EventKind.SIGNED_IN, timedelta(hours=30))
        _message(arjun, arjun, timedelta(hours=30))
        assert signal_of(arjun).reasons == []  # 30 hours: within the 48 promised
        later = signal_of(arjun, NOW + timedelta(hours=18))
        assert later.reason_texts == ["question unanswered for 48 hours"]
        assert later.status == Status.AT_RISK


def test_each_status_has_its_words_and_its_label_in_one_place():
    assert [status.words for status in Status] == ["engaged", "invited", "quiet", "at risk"]
    assert [status.label for status in Status] == ["Engaged", "Invited", "Quiet", "At risk"]
    # Rising severity in the order declared; the boards list them the other way round.
    assert sorted(Status, key=engagement.SEVERITY.__getitem__) == list(Status)
    assert Status.words_for("at_risk") == "at risk"
    assert Status.words_for("gone_away") == "gone away"  # a status no longer known
    assert Status.words_for(None) == "unknown"


def test_candidates_are_sorted_by_risk_then_days_to_joining_and_joined_last(recruiter):
    joined = candidate(recruiter, "Joined Already", joins_in_days=-1)
    quiet = candidate(recruiter, "Quiet Soon", joins_in_days=30)
    risky_late = candidate(recruiter, "Risky Late", joins_in_days=50)
    risky_soon = candidate(recruiter, "Risky Soon", joins_in_days=25)
    fine = candidate(recruiter, "Fine First", joins_in_days=3)
    candidate(recruiter, "Invited Lately", joins_in_days=45, signed_up=False, created_days_ago=1)
    did(fine, EventKind.NEWS_OPENED, timedelta(hours=1))
    did(quiet, EventKind.SIGNED_IN, timedelta(days=8))
    for user in (risky_late, risky_soon):
        did(user, EventKind.SIGNED_IN, timedelta(days=20))

    order = [s.name for s in engagement.signals(NOW, recruiter_id=recruiter.id)]

    assert order == [
        "Risky Soon",
        "Risky Late",
        "Quiet Soon",
        "Invited Lately",
        "Fine First",
        "Joined Already",
    ]
    assert signal_of(joined).has_joined and signal_of(joined).reasons == []


def test_scope_search_and_status_filters(recruiter):
    other = support.make_staff(Role.RECRUITER, "bob@example.com", "Bob Recruiter")
    mine = candidate(recruiter, "Percent Mine")
    theirs = candidate(other, "Percent Theirs")
    did(theirs, EventKind.SIGNED_IN, timedelta(days=30))
    did(mine, EventKind.SIGNED_IN, timedelta(days=1))

    assert [s.candidate_id for s in engagement.signals(NOW, recruiter_id=recruiter.id)] == [mine.id]
    assert engagement.signals(NOW, search="%") == []  # a literal percent sign matches nobody
    assert [s.name for s in engagement.signals(NOW, search="THEIRS")] == ["Percent Theirs"]
    assert [s.name for s in engagement.signals(NOW, status=Status.AT_RISK)] == ["Percent Theirs"]


def test_activity_is_counted_per_day_for_the_sparkline(recruiter):
    user = candidate(recruiter, "Daily Reader")
    today = NOW.replace(hour=0)
    did(user, EventKind.SIGNED_IN, NOW - today + timedelta(seconds=0))  # today 00:00
    did(user, EventKind.NEWS_OPENED, timedelta(hours=1))  # today 11:00
    did(user, EventKind.NEWS_OPENED, timedelta(days=1))  # yesterday
    did(user, EventKind.FAQ_SEARCHED, timedelta(days=29, hours=11))  # 30th day back, 01:00
    did(user, EventKind.FAQ_SEARCHED, timedelta(days=31))  # outside the window
    did(user, EventKind.STATUS_CHANGED, timedelta(hours=2))  # not something the candidate did

    db.session.flush()
    days = db.session.get(CandidateSummary, user.id).activity_days
    counts = day_counts(days, window(NOW, 30))

    assert len(counts) == 30
    assert counts[-1] == 2 and counts[-2] == 1 and counts[0] == 1
    assert sum(counts) == 4


def test_the_worker_records_each_change_once_as_an_event_and_a_webhook(recruiter):
    endpoint = WebhookEndpoint(
        url="https://hooks.example.com/portal",
        secret=webhooks.generate_secret(),
        event_types=["candidate.status_changed", "question.overdue", "candidate.joined"],
    )
    db.session.add(endpoint)
    user = candidate(recruiter, "Going Cold")
    joined = candidate(recruiter, "Joined Today", joins_in_days=0)
    joined.candidate_profile.joining_time = (NOW - timedelta(hours=2)).time()
    did(user, EventKind.SIGNED_IN, timedelta(days=8))
    question = _message(user, user, timedelta(hours=25))
    db.session.commit()

    assert status_changes.evaluate(NOW) == 3  # a status change, an overdue question, a joining
    db.session.commit()
    assert status_changes.evaluate(NOW + timedelta(minutes=5)) == 0
    db.session.commit()

    kinds = db.session.execute(
        select(EngagementEvent.kind, EngagementEvent.subject, EngagementEvent.data)
        .where(EngagementEvent.kind.in_(["status_changed", "question_overdue", "joined"]))
        .order_by(EngagementEvent.id)
    ).all()
    changes = [data for kind, _, data in kinds if kind == "status_changed"]
    assert changes == [
        {
            "from": "engaged",
            "to": "at_risk",
            "reasons": ["question unanswered for 25 hours", "not seen for 8 days"],
            # What each reason is worded from, for a reader in another language.
            "reason_facts": [
                {"code": "unanswered_question", "facts": {"hours": 25}},
                {"code": "no_sign_in", "facts": {"days": 8, "seen": True}},
            ],
        }
    ]
    assert ("question_overdue", f"message:{question.id}") in [(k, s) for k, s, _ in kinds]
    assert db.session.get(CandidateStatus, user.id).status == Status.AT_RISK
    sent_types = db.session.scalars(
        select(WebhookMessage.event_type).order_by(WebhookMessage.id)
    ).all()
    assert sorted(sent_types) == [
        "candidate.joined",
        "candidate.status_changed",
        "question.overdue",
    ]

    _message(user, recruiter, timedelta(hours=0))
    did(user, EventKind.SIGNED_IN, timedelta(minutes=1))
    assert status_changes.evaluate(NOW + timedelta(minutes=10)) == 1  # back to engaged
    db.session.commit()
    assert db.session.get(CandidateStatus, user.id).status == Status.ENGAGED


def test_the_worker_starts_a_new_candidate_as_invited_and_says_when_that_changes(recruiter):
    endpoint = WebhookEndpoint(
        url="https://hooks.example.com/portal",
        secret=webhooks.generate_secret(),
        event_types=["candidate.status_changed"],
    )
    db.session.add(endpoint)
    new = candidate(recruiter, "New Hire", signed_up=False, created_days_ago=0)
    assert status_changes.evaluate(NOW) == 0  # invited from the start: nothing changed
    db.session.commit()
    assert db.session.get(CandidateStatus, new.id).status == Status.INVITED
    assert db.session.get(CandidateSummary, new.id).status == Status.INVITED

    assert status_changes.evaluate(NOW + timedelta(days=3)) == 1
    db.session.commit()
    (change,) = db.session.scalars(
        select(EngagementEvent.data).where(EngagementEvent.kind == EventKind.STATUS_CHANGED)
    ).all()
    assert change == {
        "from": "invited",
        "to": "quiet",
        "reasons": ["has not accepted the invitation sent 3 days ago"],
        "reason_facts": [{"code": "invitation_pending", "facts": {"days": 3}}],
    }
    (body,) = [json.loads(m.body) for m in db.session.scalars(select(WebhookMessage))]
    assert (body["data"]["from"], body["data"]["to"]) == ("invited", "quiet")


@contextmanager
def counted_statements():
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.slow
def test_a_cohort_of_1000_candidates_with_200000_events_costs_the_same_queries_as_ten(recruiter):
    small_recruiter = support.make_staff(Role.RECRUITER, "small@example.com")
    support.insert_cohort(small_recruiter, 10, 20, NOW)
    support.insert_cohort(recruiter, 1000, 200, NOW)
    assert db.session.scalar(select(func.count(EngagementEvent.id))) == 200_200
    small_id, large_id = small_recruiter.id, recruiter.id

    with counted_statements() as small:
        few = engagement.signals(NOW, recruiter_id=small_id)
    started = wall.perf_counter()
    with counted_statements() as large:
        many = engagement.signals(NOW, recruiter_id=large_id)
    seconds = wall.perf_counter() - started

    assert len(few) == 10 and len(many) == 1000
    assert len(small) == len(large) == 1
    assert {s.status for s in many} == set(Status) - {Status.INVITED}  # all signed up
    print(f"\n1000 candidates / 200,000 events: statuses in {seconds * 1000:.0f} ms, 1 query")
