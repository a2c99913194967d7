"""Query budgets: every page a person can open issues a fixed number of SQL statements, the
same with the demo's dozen candidates as with a cohort of 1,000 more (20 events each, a long
thread, many audit entries): the candidate's home at most 5, every other page at most 8.

One world per module (the demo data, then the cohort): each page is measured once before and
once after the cohort arrives, and each page is its own test.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, insert, select

from portal import create_app
from portal.core import rate_limits
from portal.core.extensions import db
from portal.core.models import Base
from portal.demo import load as demo
from portal.news import entries as news
from portal.news.models import Announcement, FeedEntry
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.outcomes.recording import record_outcome
from portal.people.models import AuditEntry, Role, StaffAbsence, User, WorkingHours
from portal.questions.models import CandidateNote, FaqEntry, Message, SavedReply
from portal.team.models import TeamMember
from portal.timeline import checklist, dates, document_checks
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import DayOnePlan, MilestoneTemplate
from portal.webhooks.models import WebhookEndpoint
from tests import support

_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
HOME_BUDGET = 5
PAGE_BUDGET = 8

RECRUITER = demo.CANDIDATES[0].recruiter_email  # the candidate's recruiter
CANDIDATE = demo.CANDIDATES[0].email  # signed up, with a recruiter

# (who, path); {names} are filled from the world's ids.
PAGES: list[tuple[str, str]] = [
    ("anonymous", "/sign-in"),
    ("anonymous", "/password/forgot"),
    ("anonymous", "/what-we-record"),
    ("candidate", "/candidate/"),
    ("candidate", "/candidate/questions"),
    ("candidate", "/candidate/news"),
    ("candidate", "/candidate/news/{news}"),
    ("candidate", "/candidate/email-preferences"),
    ("candidate", "/candidate/profile"),
    ("candidate", "/candidate/timeline/{template}"),
    ("candidate", "/faq/"),
    ("candidate", "/account/password"),
    ("recruiter", "/recruiter/"),
    ("recruiter", "/recruiter/inbox"),
    ("recruiter", "/recruiter/candidates/{candidate}"),
    ("recruiter", "/recruiter/candidates/{candidate}/questions"),
    ("recruiter", "/account/api-tokens"),
    ("recruiter", "/faq/new"),
    ("recruiter", "/faq/{faq}/edit"),
    ("hr", "/hr/"),
    ("hr", "/hr/engagement"),
    ("hr", "/hr/audit"),
    ("hr", "/hr/mail/parked"),
    ("hr", "/hr/news"),
    ("hr", "/hr/news/entries"),
    ("hr", "/hr/news/entries/{entry}/audience"),
    ("hr", "/hr/news/feeds/new"),
    ("hr", "/hr/news/feeds/{feed}/edit"),
    ("hr", "/hr/news/preview?candidate={candidate}"),
    # HR's announcements (news/announcement_views.py) and one read by the candidate.
    ("hr", "/hr/news/announcements"),
    ("hr", "/hr/news/announcements/new"),
    ("hr", "/hr/news/announcements/{announcement}/edit"),
    ("candidate", "/candidate/news/announcements/{announcement}"),
    ("hr", "/hr/timeline"),
    ("hr", "/hr/timeline/new"),
    ("hr", "/hr/timeline/{template}/edit"),
    ("hr", "/hr/day-one"),
    ("hr", "/hr/day-one/new"),
    ("hr", "/hr/day-one/{day_one_plan}/edit"),
    ("hr", "/hr/people/{candidate}/day-one"),
    ("hr", "/hr/people/{candidate}"),
    ("hr", "/hr/people/{candidate}/edit"),
    ("hr", "/hr/people/{candidate}/activity"),
    ("hr", "/hr/people/{candidate}/questions"),
    ("hr", "/hr/people/{candidate}/timeline"),
    ("hr", "/hr/people/{candidate}/timeline/new"),
    ("hr", "/hr/candidates/new"),
    ("hr", "/hr/staff/new"),
    ("hr", "/hr/webhooks"),
    ("hr", "/hr/webhooks/new"),
    ("hr", "/hr/webhooks/{webhook}"),
    ("hr", "/hr/webhooks/{webhook}/edit"),
    ("hr", "/hr/people/{candidate}/outcome"),
    ("recruiter", "/recruiter/candidates/{candidate}/outcome"),
    ("hr", "/hr/reports"),
    ("hr", "/hr/reports/engagement"),
    ("hr", "/hr/reports/answer-times"),
    ("hr", "/hr/reports/reneges"),
    ("hr", "/hr/reports/calibration"),
    # Meet the people (team/): the candidate's team, each candidate's welcome, buddy and team
    # for the recruiter and HR (with a search of the team list), HR's team list and its forms.
    ("candidate", "/candidate/team"),
    ("recruiter", "/recruiter/candidates/{candidate}/team"),
    ("recruiter", "/recruiter/candidates/{candidate}/team?q=e"),
    ("recruiter", "/recruiter/candidates/{candidate}/team/welcome"),
    ("recruiter", "/recruiter/candidates/{candidate}/team/buddy"),
    ("hr", "/hr/people/{candidate}/team"),
    ("hr", "/hr/people/{candidate}/team/welcome"),
    ("hr", "/hr/team"),
    ("hr", "/hr/team?q=a&department=Engineering"),
    ("hr", "/hr/team/new"),
    ("hr", "/hr/team/{team_member}/edit"),
    # The recruiter's day (questions/, accounts/search_views.py): the inbox and candidate pages
    # are above; notes, saved replies, availability and the people search.
    ("recruiter", "/recruiter/inbox?after=0-0"),
    # A thread's earlier page (a cursor past its last message: the latest 50, as an earlier page).
    ("candidate", "/candidate/questions?before=2147483647"),
    ("recruiter", "/recruiter/candidates/{candidate}/questions?before=2147483647"),
    ("hr", "/hr/people/{candidate}/questions?before=2147483647"),
    ("recruiter", "/recruiter/candidates/{candidate}?before=9999999999999999-1"),
    ("recruiter", "/recruiter/candidates/{candidate}/notes"),
    ("recruiter", "/recruiter/saved-replies"),
    ("recruiter", "/recruiter/saved-replies/{reply}/edit"),
    ("recruiter", "/recruiter/availability"),
    ("recruiter", "/recruiter/search?q=o"),
    ("hr", "/hr/people/{candidate}/notes"),
    ("hr", "/hr/saved-replies"),
    ("hr", "/hr/people/{recruiter}/availability"),
    ("hr", "/hr/search?q=o"),
    # The checklist (timeline/): the candidate's, the recruiter's and HR's view of it, HR's
    # template narrowed to tasks for a place.
    ("candidate", "/candidate/checklist"),
    ("recruiter", "/recruiter/candidates/{candidate}/checklist"),
    ("hr", "/hr/people/{candidate}/checklist"),
    ("hr", "/hr/timeline?kind=tasks&location=Paris"),
]


MAX_PAGE_BYTES = 150_000  # issue 11: what a page may weigh, whatever the cohort


@dataclass
class World:
    app: Flask
    ids: dict[str, int] = field(default_factory=dict)
    small: dict[str, list[str]] = field(default_factory=dict)
    large: dict[str, list[str]] = field(default_factory=dict)
    weight: dict[str, int] = field(default_factory=dict)  # bytes of each page, grown


def _clients(app: Flask) -> dict[str, object]:
    clients = {"anonymous": app.test_client()}
    for who, email in (("candidate", CANDIDATE), ("recruiter", RECRUITER), ("hr", demo.HR_EMAIL)):
        client = app.test_client()
        answer = support.sign_in(client, email, demo.DEMO_PASSWORD)
        assert answer.status_code == 302, who
        clients[who] = client
    return clients


def _statements(
    app: Flask, client, path: str, weights: dict[str, int] | None = None, key: str = ""
) -> list[str]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not _TRANSACTION_CONTROL.match(statement):  # BEGIN is SQLite's, not a query
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    client.get(path)  # once first: the visit that writes (home view, read marks) is not this one
    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert answer.status_code == 200, (path, answer.status_code)
    if weights is not None:
        weights[key or path] = len(answer.get_data())
    return statements


def _measure(world: World, weights: dict[str, int] | None = None) -> dict[str, list[str]]:
    with world.app.app_context():
        rate_limits.limiter().reset()
    clients = _clients(world.app)
    return {
        path: _statements(world.app, clients[who], path.format(**world.ids), weights, path)
        for who, path in PAGES
    }


def _grow(world: World) -> None:
    """A thousand more candidates for the recruiter, a long thread, many audit entries, a
    thousand more people on the team list, a thousand more announcements."""
    now = datetime.now(UTC)
    with world.app.app_context():
        recruiter = db.session.scalars(select(User).where(User.email == RECRUITER)).one()
        hr = db.session.scalars(select(User).where(User.email == demo.HR_EMAIL)).one()
        support.insert_cohort(recruiter, 1000, 20, now)
        candidate_id = world.ids["candidate"]
        for n in range(150):
            author = candidate_id if n % 2 else recruiter.id
            db.session.add(
                Message(
                    candidate_id=candidate_id,
                    author_id=author,
                    body=f"Message {n}",
                    created_at=now - timedelta(minutes=300 - n),
                )
            )
        db.session.add_all(
            AuditEntry(actor_id=hr.id, target_user_id=candidate_id, action="user.updated")
            for _ in range(500)
        )
        # A thousand more outcomes for the reports, and the candidate's own (with its history).
        db.session.execute(insert(CandidateOutcome), _past_outcomes(recruiter.id, 1000, now))
        record_outcome(
            db.session.get(User, candidate_id), Outcome.RENEGED, hr, reason="Took another offer"
        )
        # Notes on the candidate, saved replies (the recruiter's and shared), time away.
        db.session.add_all(
            CandidateNote(candidate_id=candidate_id, author_id=recruiter.id, body=f"Note {n}")
            for n in range(120)
        )
        db.session.add_all(
            SavedReply(owner_id=owner, shared=owner == hr.id, title=f"Reply {n}", body="Hi")
            for n in range(90)
            for owner in (recruiter.id, hr.id)
        )
        for weeks in range(1, 11):
            first = (now + timedelta(weeks=weeks)).date()
            db.session.add(
                StaffAbsence(
                    recruiter_id=recruiter.id,
                    first_day=first,
                    last_day=first + timedelta(days=2),
                    starts_at=now + timedelta(weeks=weeks),
                    ends_at=now + timedelta(weeks=weeks, days=3),
                )
            )
        # A thousand more on the team list, all in the candidate's department.
        db.session.add_all(
            TeamMember(name=f"Member {n:04}", title="Engineer", department="Engineering")
            for n in range(1000)
        )
        # Three hundred more tasks in the template, a third of them for the candidate's place.
        db.session.add_all(
            MilestoneTemplate(
                title=f"Task {n:03}",
                day_offset=-(n % 60),
                kind="confirm",
                location="Paris" if n % 3 == 0 else "Lyon",
            )
            for n in range(300)
        )
        # A thousand more announcements, published for everyone.
        db.session.add_all(
            Announcement(
                title=f"Announcement {n}",
                body="Hello",
                body_html="<p>Hello</p>",
                published_at=now - timedelta(minutes=n),
                author_id=hr.id,
            )
            for n in range(1000)
        )
        db.session.commit()


def _checklist(candidate: User, hr: User) -> None:
    """Tasks for the candidate: one ticked off, one with its document, two to do."""
    for n, kind in enumerate(("read", "upload", "confirm", "acknowledge")):
        timeline.create_template(hr, MilestoneFields(f"Task {kind}", -20 + 5 * n, kind=kind))
    db.session.commit()
    now = datetime.now(UTC)
    tasks = {item.title: item for item in dates.tasks_of(dates.candidate_timeline(candidate, now))}
    checklist.tick_off(candidate, tasks["Task read"], now)
    document = document_checks.check(
        io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "id.pdf", max_bytes=10**6, max_pixels=10**6
    )
    checklist.attach(candidate, tasks["Task upload"], document, now)
    db.session.commit()


def _past_outcomes(recruiter_id: int, count: int, now: datetime) -> list[dict]:
    """Outcomes of the past year, as retention leaves them (pointing at nobody)."""
    rows = []
    for n in range(count):
        starts = now - timedelta(days=1 + n % 360)
        rows.append(
            {
                "outcome": ("joined", "joined", "joined", "reneged", "no_show")[n % 5],
                "automatic": n % 5 < 3,
                "recorded_at": starts,
                "offered_at": starts - timedelta(days=40),
                "joining_date": starts.date(),
                "joining_at": starts,
                "department": f"Department {n % 12}",
                "location": ("Paris", "Lyon", "Remote")[n % 3],
                "recruiter_id": recruiter_id if n % 4 else None,
                "facts_until": starts,
                "first_at_risk_at": starts if n % 7 == 0 else None,
                "first_quiet_at": starts if n % 3 == 0 else None,
                "longest_silence_days": n % 17,
                "active_weeks": n % 256,
                "offered_weeks": 1 + n % 8,
                "promise_hours": 24,
                "answers_within_quarter": n % 3,
                "answers_within_half": n % 2,
                "answers_within_promise": 1,
                "answers_late": n % 4 // 3,
                "questions_unanswered": n % 9 // 8,
            }
        )
    return rows


def _empty_all_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(scope="module")
def world(migrated) -> Iterator[World]:
    app = create_app(support.app_config(migrated))
    _empty_all_tables(app)
    built = World(app)
    with app.app_context():
        demo.load()
        hr = db.session.scalars(select(User).where(User.email == demo.HR_EMAIL)).one()
        webhook = WebhookEndpoint(
            url="https://hooks.example.com/portal",
            description="Budget check",
            secret="s" * 40,
            event_types=["candidate.status_changed"],
            created_by_id=hr.id,
        )
        db.session.add(webhook)
        db.session.commit()
        candidate = db.session.scalars(select(User).where(User.email == CANDIDATE)).one()
        built.ids = {
            "candidate": candidate.id,
            "template": db.session.scalars(select(MilestoneTemplate.id)).first(),
            "faq": db.session.scalars(select(FaqEntry.id)).first(),
            "entry": db.session.scalars(select(FeedEntry.id)).first(),
            "feed": db.session.scalars(select(FeedEntry.feed_id)).first(),
            # An item the candidate may read: their news page opens it.
            "news": news.for_candidate(candidate, limit=1)[0].id,
            # The demo's announcement for everyone.
            "announcement": db.session.scalars(
                select(Announcement.id).where(Announcement.locations == "")
            ).first(),
            "webhook": webhook.id,
            "team_member": db.session.scalars(select(TeamMember.id)).first(),
            "recruiter": db.session.scalars(select(User.id).where(User.email == RECRUITER)).one(),
            "day_one_plan": db.session.scalars(select(DayOnePlan.id)).first(),
        }
        # The recruiter's day: a saved reply, a note, working hours (grown in _grow).
        reply = SavedReply(owner_id=built.ids["recruiter"], title="Parking", body="Hi {name}")
        db.session.add_all(
            [
                reply,
                CandidateNote(candidate_id=candidate.id, author_id=hr.id, body="Call on Friday"),
                WorkingHours(
                    user_id=built.ids["recruiter"], weekdays=31, starts_minute=540, ends_minute=1020
                ),
            ]
        )
        db.session.commit()
        built.ids["reply"] = reply.id
        _checklist(candidate, hr)
        assert all(built.ids.values()), built.ids
        assert candidate.role == Role.CANDIDATE
    built.small = _measure(built)
    _grow(built)
    built.large = _measure(built, built.weight)
    yield built
    _empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(("who", "path"), PAGES, ids=[f"{who} {path}" for who, path in PAGES])
def test_the_page_issues_a_fixed_number_of_queries(world, who, path):
    budget = HOME_BUDGET if path == "/candidate/" else PAGE_BUDGET
    small, large = world.small[path], world.large[path]
    assert len(large) == len(small), (path, small, large)
    assert len(large) <= budget, (path, len(large), "\n".join(large))
    # And its weight stays that of a page, with a thousand more of everything.
    assert world.weight[path] < MAX_PAGE_BYTES, (path, world.weight[path])
