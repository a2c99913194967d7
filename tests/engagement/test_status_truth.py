"""Statuses that are true: random histories (invited or signed up, sign-ins, visits, things
opened, questions and answers, pulses, joining days before and after the clock), driven through
the portal's own operations with a fixed clock, never give a status or a reason that
contradicts the facts the pages show beside it — "Last seen", the counts per kind, the
questions waiting, the pulses — whether the rules run live (status.signals, the candidate
pages) or the dashboards read the stored summary."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.accounts import signing_in
from portal.core.extensions import db
from portal.core.models import Base
from portal.engagement import cohort, pulse, status_changes
from portal.engagement import status as engagement
from portal.engagement.models import CandidateSummary, Status
from portal.engagement.summary_facts import BOARD_RANK, JOINED_RANK
from portal.events import log as events
from portal.events.models import EventKind
from portal.people.models import Role, User
from portal.questions.models import Message
from tests import support

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DAY = 24 * 60  # minutes
OPENED = {str(kind) for kind in engagement.OPENED_KINDS}
# What a candidate (or their recruiter) can do, after the invitation is accepted.
ACTIONS = (
    "sign_in",
    "home",
    EventKind.NEWS_OPENED,
    EventKind.FAQ_SEARCHED,
    EventKind.CALENDAR_DOWNLOADED,
    EventKind.TIMELINE_VIEWED,
    EventKind.ANSWER_READ,
    "question",
    "answer",
    "pulse",
)


@dataclass(frozen=True)
class Spec:
    """One candidate's history, in minutes before NOW and after their sign-up."""

    joins_in: int  # days from NOW's date; negative: joined already
    invited_minutes_ago: int
    signs_up_after: int | None  # minutes after the invitation; None: never signed in
    actions: tuple[tuple[str, int, int], ...]  # (what, minutes after sign-up, pulse score)


# Days chosen around the rules' thresholds (3 and 7 days invited, 7 and 14 unseen, joining
# within 14 days, the pulse's 3 days and 14-day period), with random minutes on top.
DAYS = st.sampled_from([0, 1, 2, 3, 4, 6, 7, 8, 13, 14, 15, 20, 30, 45])
NOTHING_OPENED = ("sign_in", "home", "answer")  # then "joining soon" may be a reason


def _minutes(draw: st.DrawFn, days: int) -> int:
    return days * DAY + draw(st.integers(0, DAY - 1))


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    invited = _minutes(draw, draw(DAYS))
    joins_in = draw(st.sampled_from([-3, 0, 1, 2, 6, 13, 14, 15, 30, 60]))
    if not draw(st.booleans()):
        # Never signed in: only their recruiter can have done anything (written to them).
        answers = draw(st.lists(st.integers(0, invited), max_size=2))
        return Spec(joins_in, invited, None, tuple(("answer", at, 0) for at in answers))
    after = draw(st.integers(0, invited // 4))  # most accept soon after the invitation
    # Then they use the portal for a while and may go quiet: nothing in the last `idle` days.
    span = max(0, invited - after - _minutes(draw, draw(DAYS)))
    kinds = ACTIONS if draw(st.booleans()) else NOTHING_OPENED
    actions = draw(
        st.lists(
            st.tuples(st.sampled_from(kinds), st.integers(0, span), st.integers(1, 5)),
            max_size=8,
        )
    )
    # Pulse answers a fortnight or so apart, from their third day (some still refused: joined,
    # or not used on two different days yet).
    pulses: list[tuple[str, int, int]] = []
    at, wanted = _minutes(draw, draw(st.sampled_from([0, 3, 8]))), draw(st.integers(0, 3))
    while at <= span and len(pulses) < wanted:
        pulses.append(("pulse", at, draw(st.integers(1, 5))))
        at += _minutes(draw, draw(st.sampled_from([13, 14, 21])))
    return Spec(joins_in, invited, after, tuple(sorted(actions + pulses, key=lambda a: a[1])))


@dataclass
class Facts:
    """What the history says the pages must show, worked out here independently."""

    candidate_id: int
    created_at: datetime
    signed_up: bool = False
    last_seen: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    questions: list[tuple[int, datetime]] = field(default_factory=list)  # (message id, asked)
    last_answer_id: int = 0
    pulses: list[int] = field(default_factory=list)

    def saw(self, kind: str, at: datetime) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.last_seen = at if self.last_seen is None else max(self.last_seen, at)

    @property
    def waiting_since(self) -> datetime | None:
        waiting = [at for message_id, at in self.questions if message_id > self.last_answer_id]
        return min(waiting) if waiting else None


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


def _at(app, moment: datetime) -> None:
    app.config["PORTAL_CLOCK"] = moment


def _empty_every_table() -> None:
    db.session.rollback()
    for table in reversed(Base.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _sign_in(user: User, facts: Facts, at: datetime) -> None:
    """What the sign-in page does: count it and record the event. (signing_in.record_sign_in
    stamps the wall clock, not PORTAL_CLOCK: the time is set to the history's.)"""
    signing_in.record_sign_in(user.id)
    user.last_sign_in_at = at
    events.record(user.id, EventKind.SIGNED_IN, at=at)
    facts.saw(EventKind.SIGNED_IN, at)


def _write(user: User, author: User, body: str, at: datetime) -> Message:
    """A message as questions.threads.post writes it (which stamps the wall clock: here the
    history's time), with its `question_asked` event when the candidate wrote it."""
    message = Message(candidate_id=user.id, author_id=author.id, body=body, created_at=at)
    db.session.add(message)
    db.session.flush()
    if author.id == user.id:
        events.record(user.id, EventKind.QUESTION_ASKED, subject=f"message:{message.id}", at=at)
    return message


def _sign_up(user: User, facts: Facts, at: datetime) -> None:
    """The invitation emailed, then accepted with a password (which signs the candidate in)."""
    invitation = accounts.invite(user, None)
    db.session.flush()
    raw = re.search(r"/invitation/(\S+)", invitation.body_text).group(1)
    assert signing_in.accept_invitation(raw, support.PASSWORD) is not None
    facts.signed_up = True
    _sign_in(user, facts, at)


def _act(app, user, recruiter, facts: Facts, what: str, at: datetime, score: int) -> None:
    _at(app, at)
    if what == "sign_in":
        _sign_in(user, facts, at)
    elif what == "home":
        if events.record_home_view(user.id, at):  # at most once an hour
            facts.saw(EventKind.HOME_VIEWED, at)
    elif what == "question":
        message = _write(user, user, "Where do I park on my first day?", at)
        facts.questions.append((message.id, at))
        facts.saw(EventKind.QUESTION_ASKED, at)
    elif what == "answer":
        facts.last_answer_id = _write(user, recruiter, "Behind building B.", at).id
    elif what == "pulse":
        try:  # refused when not due (too early, answered lately, joined): as the form is
            pulse.answer(user, score, None, at)
        except pulse.PulseError:
            return
        facts.pulses.append(score)
        facts.saw(EventKind.PULSE_ANSWERED, at)
    else:
        events.record(user.id, EventKind(what), subject="news:1", at=at)
        facts.saw(what, at)


def _drive(app, history: list[Spec]) -> dict[int, Facts]:
    """Each history through the operations, a commit after each step (each evaluated then);
    then the worker's pass at NOW, as the dashboards would read it."""
    _empty_every_table()
    support.make_staff(Role.HR, "hr@example.com")
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com", "Rita Recruiter")
    found: dict[int, Facts] = {}
    for n, spec in enumerate(history):
        invited_at = NOW - timedelta(minutes=spec.invited_minutes_ago)
        _at(app, invited_at)
        user = support.make_candidate(
            f"c{n}@example.com",
            recruiter,
            name=f"Candidate {n}",
            zone="UTC",
            joining_date=NOW.date() + timedelta(days=spec.joins_in),
            password=None,
        )
        user.created_at = invited_at  # accounts.create_candidate stamps the wall clock
        db.session.commit()
        facts = found[user.id] = Facts(user.id, invited_at)
        start = invited_at
        if spec.signs_up_after is not None:
            start = invited_at + timedelta(minutes=spec.signs_up_after)
            _at(app, start)
            _sign_up(user, facts, start)
            db.session.commit()
        for what, minutes, score in spec.actions:
            _act(app, user, recruiter, facts, what, start + timedelta(minutes=minutes), score)
            db.session.commit()
    _at(app, NOW)
    status_changes.evaluate(NOW)
    db.session.commit()
    return found


def _check_facts(signal: engagement.CandidateSignal, facts: Facts) -> None:
    """The facts the pages show are the history's."""
    assert signal.signed_up == facts.signed_up
    assert signal.last_seen_at == facts.last_seen
    assert signal.waiting_since == facts.waiting_since
    assert (signal.unanswered_questions > 0) == (facts.waiting_since is not None)
    assert signal.last_pulse == (facts.pulses[-1] if facts.pulses else None)
    assert signal.previous_pulse == (facts.pulses[-2] if len(facts.pulses) > 1 else None)


def _check_truth(app, signal: engagement.CandidateSignal, facts: Facts, counts: dict) -> None:
    """No reason contradicts the facts, and the status is the reasons'."""
    rules = app.config["ENGAGEMENT_RULES"]
    reasons = {reason.code: reason for reason in signal.reasons}
    texts = " | ".join(signal.reason_texts)
    # Engaged exactly when nothing needs attention; otherwise the gravest reason's status.
    assert (signal.status == Status.ENGAGED) == (not signal.reasons), texts
    assert signal.status == engagement.status_of(signal.reasons), texts
    assert "opened anything" not in texts and "since the offer" not in texts
    if not facts.signed_up:
        assert signal.status in (Status.INVITED, Status.QUIET, Status.AT_RISK)
        invitation = reasons["invitation_pending"]
        days = (NOW - facts.created_at).days
        sent = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
        assert invitation.text == f"has not accepted the invitation sent {sent}"
        if signal.has_joined or days < rules["quiet_after_days_invited"]:
            assert invitation.status == Status.INVITED
    else:
        assert signal.status != Status.INVITED and "invitation_pending" not in reasons
        assert Status.INVITED not in {reason.status for reason in signal.reasons}
    if signal.has_joined:
        assert set(reasons) <= {"invitation_pending"}
    if "no_sign_in" in reasons:
        text = reasons["no_sign_in"].text
        if facts.last_seen is not None:
            days = (NOW - facts.last_seen).days
            assert text == f"not seen for {days} days" and days >= rules["quiet_after_days_unseen"]
        else:
            days = (NOW - facts.created_at).days
            assert text == f"not seen since being invited {days} days ago"
    elif facts.signed_up and not signal.has_joined:
        unseen = NOW - (facts.last_seen or facts.created_at)
        assert unseen.days < rules["quiet_after_days_unseen"], texts
    if "silent_before_joining" in reasons:
        # "has signed in but not read, asked or downloaded anything": every opened count is 0.
        assert (
            facts.signed_up
            and "has signed in but not read" in reasons["silent_before_joining"].text
        )
        assert not any(counts.get(kind) for kind in OPENED)
        assert not any(facts.counts.get(kind) for kind in OPENED)
        assert 0 <= signal.days_to_joining <= rules["at_risk_silent_days_before_joining"]
    if "unanswered_question" in reasons:
        assert facts.waiting_since is not None
        waited = NOW - facts.waiting_since
        assert waited >= timedelta(hours=app.config["RESPONSE_PROMISE_HOURS"])
        hours = int(waited.total_seconds() // 3600)
        words = f"{hours} hours" if hours < 72 else f"{hours // 24} days"
        assert reasons["unanswered_question"].text == f"question unanswered for {words}"
    if "pulse_drop" in reasons:
        previous, last = facts.pulses[-2], facts.pulses[-1]
        assert reasons["pulse_drop"].text == f"pulse fell from {previous} to {last}"
        assert previous - last >= rules["at_risk_pulse_drop"]
    if "pulse_low" in reasons:
        assert reasons["pulse_low"].text == f"feels {facts.pulses[-1]} of 5 about joining"


ROW = re.compile(r'<tr class="dashboard-row[^"]*" data-candidate-id="(\d+)">(.*?)</tr>', re.S)


BADGE = re.compile(r'engagement-badge">([^<]+)</span>')


def _board(app) -> dict[int, tuple[str, str]]:
    """HR's engagement board as a reader sees it: each candidate's badge, and row in words."""
    client = app.test_client()
    assert support.sign_in(client, "hr@example.com").status_code == 302
    page = client.get("/hr/engagement").get_data(as_text=True)
    return {
        int(cid): (
            BADGE.findall(row)[0],
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()),
        )
        for cid, row in ROW.findall(page)
    }


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(specs(), min_size=1, max_size=3))
# Every rule, every run, besides what is generated: a pulse that fell, a question past the
# promise, gone quiet; joining soon having opened nothing; invited lately, long ago, and joined.
@example(
    history=[
        Spec(
            30,
            40 * DAY,
            DAY,
            (("pulse", 4 * DAY, 5), ("question", 20 * DAY, 0), ("pulse", 20 * DAY, 2)),
        ),
        Spec(6, 20 * DAY, 60, (("home", DAY, 0), ("sign_in", 10 * DAY, 0))),
        Spec(40, DAY, None, ()),
        Spec(40, 8 * DAY, None, (("answer", DAY, 0),)),
        Spec(-2, 10 * DAY, None, ()),
    ]
)
def test_status_reasons_last_seen_and_counts_never_contradict(app, history):
    with app.app_context():
        found = _drive(app, history)
        ids = sorted(found)
        live = {s.candidate_id: s for s in engagement.signals(NOW, candidate_ids=ids)}
        page = cohort.candidates_page(NOW, cohort.Filters())  # what the dashboards read
        stored = {s.candidate_id: s for s in page.signals}
        summaries = {s.candidate_id: s for s in db.session.scalars(select(CandidateSummary))}
        assert set(live) == set(stored) == set(ids)
        for candidate_id, facts in found.items():
            counts = summaries[candidate_id].event_counts
            assert counts == facts.counts  # the counts per kind the pages show
            for signal in (live[candidate_id], stored[candidate_id]):
                _check_facts(signal, facts)
                _check_truth(app, signal, facts, counts)
            # --hypothesis-show-statistics says how often each status and reason came up.
            event(f"status {live[candidate_id].status}")
            for reason in live[candidate_id].reasons:
                event(f"reason {reason.code}")
            # The dashboards say what the rules say, in the board's order.
            assert stored[candidate_id].status == live[candidate_id].status
            assert stored[candidate_id].reason_texts == live[candidate_id].reason_texts
            rank = summaries[candidate_id].board_rank
            joined = live[candidate_id].has_joined
            assert rank == (JOINED_RANK if joined else BOARD_RANK[live[candidate_id].status])
    board = _board(app)
    assert set(board) == set(stored)
    for candidate_id, signal in stored.items():
        badge, row = board[candidate_id]
        assert badge == signal.status.label
        for text in signal.reason_texts:
            assert text in row
        assert ("Never" in row) == (signal.last_seen_at is None)
        if signal.status != Status.ENGAGED:
            assert "Engaged" not in row
