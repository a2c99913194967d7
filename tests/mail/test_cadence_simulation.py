"""Sixty simulated days of fifty candidates, over a real SMTP server on loopback.

The portal's clock steps an hour at a time through autumn 2026 (when most of the world's clocks
change). Each step, seeded random activity happens as it would in the portal: company news is
published (for everyone, or for Sales only), recruiters answer (sometimes several answers at
once), HR moves joining days, candidates read their thread or change their mail preference.
Then the worker's two jobs run with that clock: `news_jobs.queue_candidate_updates(now)` and
`mail_jobs.deliver(now=now)`.

Afterwards, from what the SMTP server RECEIVED (the Date header carries the portal's clock at
the moment of sending): no candidate ever got more than CANDIDATE_WEEKLY_CAP emails in any
rolling 7 days (answers and account mail aside), nothing reached a candidate in their quiet
hours, nothing was sent twice, no change of a joining day was lost, and each preference got
what it promises.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.links import absolute_url
from portal.mail import jobs as mail_jobs
from portal.mail import preferences
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news import jobs as news_jobs
from portal.news.models import Feed, FeedEntry
from portal.people.models import CandidateProfile, Role, User
from portal.questions import threads as questions
from portal.questions.models import Message
from portal.timeline import joining_mail
from portal.timeline.models import MilestoneTemplate
from tests.support import make_candidate, make_staff

pytestmark = pytest.mark.slow

SEED = 20260907
START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
DAYS = 60
CANDIDATES = 50
CAP = 3
QUIET = (21, 8)
ZONES = (
    "Asia/Kolkata",
    "America/New_York",
    "Australia/Adelaide",
    "Europe/Paris",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Europe/London",
    "Africa/Nairobi",
)
PREFERENCES = ("everything", "weekly_summary", "essentials")
DEPARTMENTS = ("Engineering", "Sales", "Design")
ANSWER_SUBJECT = re.compile(r"answered your question|answered you: \d+ new answers|new answers")


def _cast(rng: random.Random) -> tuple[list[int], list[int]]:
    recruiters = [
        make_staff(Role.RECRUITER, f"recruiter{n}@example.com", f"Recruiter {n}", zone=zone).id
        for n, zone in enumerate(("Europe/Paris", "America/New_York", "Asia/Kolkata"))
    ]
    candidates = []
    for n in range(CANDIDATES):
        zone = ZONES[n % len(ZONES)]
        candidate = make_candidate(
            f"candidate{n}@example.com",
            db.session.get(User, recruiters[n % len(recruiters)]),
            name=f"Candidate {n}",
            zone=zone,
            joining_date=START.date() + timedelta(days=rng.randint(12, 90)),
            joining_zone=rng.choice(("Europe/Paris", "America/New_York", zone)),
            department=DEPARTMENTS[n % len(DEPARTMENTS)],
        )
        candidate.candidate_profile.mail_preference = PREFERENCES[n % len(PREFERENCES)]
        candidates.append(candidate.id)
    db.session.add_all(
        [
            Feed(name="Company news", url="https://news.example.com/feed.xml"),
            Feed(
                name="Sales news", url="https://sales.example.com/feed.xml", departments=",sales,"
            ),
            MilestoneTemplate(title="Documents to prepare", day_offset=-14, details=""),
            MilestoneTemplate(
                title="Laptop pick-up", day_offset=-3, time_of_day=time(16), details=""
            ),
            MilestoneTemplate(
                title="Welcome call", day_offset=-1, time_of_day=time(10), details=""
            ),
        ]
    )
    db.session.commit()
    return recruiters, candidates


class Activity:
    """What people do in the portal during one simulated hour, seeded."""

    def __init__(self, rng: random.Random, candidates: list[int]) -> None:
        self.rng = rng
        self.candidates = candidates
        self.news = 0
        self.answers = 0
        self.moves = 0
        self.move_emails: set[int] = set()  # moves made while one waits share its email
        self.changed_preference: set[int] = set()

    def step(self, now: datetime) -> None:
        rng = self.rng
        if rng.random() < 0.09:
            self._publish(now)
        if rng.random() < 0.06:
            candidate_id = rng.choice(self.candidates)
            for _ in range(rng.choice((1, 1, 2, 3))):  # sometimes several answers at once
                self._answer(candidate_id)
        if rng.random() < 0.025:
            self._move_joining_day(rng.choice(self.candidates), now)
        if rng.random() < 0.04:
            self._read_thread(rng.choice(self.candidates))
        if rng.random() < 0.004:
            self._change_preference(rng.choice(self.candidates))
        db.session.commit()

    def _publish(self, now: datetime) -> None:
        feed = db.session.scalar(
            select(Feed).where(Feed.name == self.rng.choice(("Company news", "Sales news")))
        )
        self.news += 1
        db.session.add(
            FeedEntry(
                feed_id=feed.id,
                key=f"story-{self.news}",
                title=f"Story {self.news} from {feed.name}",
                link=f"https://news.example.com/story-{self.news}",
                summary_html=f"<p>Story {self.news}.</p>",
                published_at=now,
                first_seen_at=now,
                last_seen_at=now,
                mail_from=now,  # HR publishes it at once (the curation delay: tests/news)
            )
        )

    def _answer(self, candidate_id: int) -> None:
        candidate = db.session.get(User, candidate_id)
        recruiter = candidate.candidate_profile.recruiter
        self.answers += 1
        questions.post(candidate, recruiter, f"Answer number {self.answers}.", None)

    def _move_joining_day(self, candidate_id: int, now: datetime) -> None:
        candidate = db.session.get(User, candidate_id)
        profile = candidate.candidate_profile
        old = profile.joining_date
        new = old + timedelta(days=self.rng.choice((-3, -2, -1, 1, 2, 5, 7)))
        if new <= now.date() + timedelta(days=2):
            new = old + timedelta(days=7)
        profile.joining_date = new
        change = {"joining_date": (old, new)}
        email = joining_mail.joining_changed(
            candidate, None, change, absolute_url("candidate.home")
        )
        self.moves += 1
        if email is not None:  # None once the first day has begun
            self.move_emails.add(email.id)

    def _read_thread(self, candidate_id: int) -> None:
        last = db.session.scalar(
            select(func.max(Message.id)).where(Message.candidate_id == candidate_id)
        )
        if last is not None:
            questions.mark_read(candidate_id, candidate_id, last)

    def _change_preference(self, candidate_id: int) -> None:
        candidate = db.session.get(User, candidate_id)
        current = candidate.candidate_profile.mail_preference
        choice = self.rng.choice([p for p in PREFERENCES if p != current])
        preferences.set_preference(candidate, choice)
        self.changed_preference.add(candidate_id)


def _local_hour(moment: datetime, zone: str) -> int:
    return moment.astimezone(ZoneInfo(zone)).hour


def test_sixty_days_of_fifty_candidates_never_overdose(make_app, smtp_server):
    app = make_app(
        SMTP_URL=smtp_server.url,
        CANDIDATE_WEEKLY_CAP=CAP,
        QUIET_HOURS=QUIET,
        ANSWER_BATCH_MINUTES=10,
        PORTAL_CLOCK=START,
    )
    rng = random.Random(SEED)
    with app.app_context():
        _recruiters, candidate_ids = _cast(rng)
        people = {
            user.email: user
            for user in db.session.scalars(select(User).where(User.id.in_(candidate_ids)))
        }
        zones = {email: user.time_zone for email, user in people.items()}
        activity = Activity(rng, candidate_ids)

    for hour in range(DAYS * 24):
        now = START + timedelta(hours=hour)
        app.config["PORTAL_CLOCK"] = now
        with app.app_context():
            activity.step(now)
            news_jobs.queue_candidate_updates(now)
            mail_jobs.deliver(now=now)

    received = smtp_server.messages
    assert activity.news > 100 and activity.answers > 100 and activity.moves > 20
    by_candidate: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for message in received:
        assert message["To"] in people, f"unexpected recipient {message['To']}"
        by_candidate[message["To"]].append(
            (parsedate_to_datetime(message["Date"]), message["Subject"])
        )

    # Nothing in anyone's quiet hours, in their own zone.
    for address, messages in by_candidate.items():
        for sent_at, subject in messages:
            hour = _local_hour(sent_at, zones[address])
            assert QUIET[1] <= hour < QUIET[0], (
                f"{subject!r} reached {address} at {sent_at.astimezone(ZoneInfo(zones[address]))}"
            )

    # Never more than CAP in any rolling 7 days, answers aside.
    capped_total = 0
    for address, messages in by_candidate.items():
        capped = sorted(
            sent_at for sent_at, subject in messages if not ANSWER_SUBJECT.search(subject)
        )
        capped_total += len(capped)
        for first, later in zip(capped, capped[CAP:], strict=False):
            assert later - first >= timedelta(days=7), (
                f"{address} got {CAP + 1} capped emails between {first} and {later}"
            )

    with app.app_context():
        # Nothing sent twice: the server got exactly what the database says went out.
        sent = db.session.scalar(
            select(func.count(OutgoingEmail.id)).where(OutgoingEmail.status == EmailStatus.SENT)
        )
        assert len(received) == sent
        # No change of a joining day lost: each one went into an email (changes made while one
        # waits join it), which was sent, is still waiting its turn, or had nothing left to say.
        changes = db.session.scalar(
            select(func.count(OutgoingEmail.id)).where(OutgoingEmail.kind == "joining_changed")
        )
        assert changes == len(activity.move_emails)
        joining_sent = db.session.scalar(
            select(func.count(OutgoingEmail.id)).where(
                OutgoingEmail.kind == "joining_changed", OutgoingEmail.status == EmailStatus.SENT
            )
        )
        waiting_changes = db.session.scalar(
            select(func.count(OutgoingEmail.id)).where(
                OutgoingEmail.kind == "joining_changed",
                OutgoingEmail.status == EmailStatus.PENDING,
            )
        )
        # Summaries are written on Monday mornings (a full week may hold one back for days).
        for address, queued in db.session.execute(
            select(OutgoingEmail.to_address, OutgoingEmail.created_at).where(
                OutgoingEmail.kind == "weekly_summary"
            )
        ):
            local = queued.astimezone(ZoneInfo(zones[address]))
            assert local.weekday() == 0 and 9 <= local.hour < 21, f"a summary written {local}"
        preferences = dict(
            db.session.execute(
                select(User.email, CandidateProfile.mail_preference).join(
                    CandidateProfile, CandidateProfile.user_id == User.id
                )
            ).all()
        )

    kinds = Counter()
    for messages in by_candidate.values():
        for _sent_at, subject in messages:
            if subject.startswith("What’s new"):
                kinds["whats_new"] += 1
            elif subject.startswith("Your weekly summary"):
                kinds["weekly_summary"] += 1
            elif ANSWER_SUBJECT.search(subject):
                kinds["answers"] += 1
            elif subject.endswith("for your first day"):
                kinds["joining_changed"] += 1
    # Candidates who kept their choice all along got what it promises.
    steady = {
        address: preference
        for address, preference in preferences.items()
        if people[address].id not in activity.changed_preference
    }
    for address, preference in steady.items():
        subjects = [(sent, subject) for sent, subject in by_candidate.get(address, [])]
        news = [s for _sent, s in subjects if s.startswith("What’s new")]
        summaries = [sent for sent, s in subjects if s.startswith("Your weekly summary")]
        if preference == "essentials":
            assert not news and not summaries, f"{address} chose essentials only"
        elif preference == "weekly_summary":
            assert not news
            weeks = [
                sent.astimezone(ZoneInfo(zones[address])).isocalendar()[:2] for sent in summaries
            ]
            assert len(weeks) == len(set(weeks)), f"{address}: one summary a week at most"
        else:
            assert not summaries
    assert kinds["whats_new"] > 50 and kinds["weekly_summary"] > 30
    assert kinds["answers"] < activity.answers, "answers given together came in one email"
    assert kinds["joining_changed"] == joining_sent
    assert joining_sent + waiting_changes <= len(activity.move_emails) <= activity.moves
    print(
        f"\n{DAYS} days, {CANDIDATES} candidates: {len(received)} emails received "
        f"({dict(kinds)}), {capped_total} counted toward the cap; {activity.news} news items, "
        f"{activity.answers} answers, {activity.moves} joining-day changes "
        f"({waiting_changes} still waiting for a slot), "
        f"{len(activity.changed_preference)} candidates changed their preference."
    )
