"""Helpers shared by the tests: configuration, people factories, form posting, a mail catcher."""

from __future__ import annotations

import email
import email.policy
import multiprocessing
import queue
import random
import re
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, func, insert, select, text

from portal.accounts import operations as accounts
from portal.accounts import passwords
from portal.accounts.operations import CandidateDetails
from portal.core.extensions import db
from portal.engagement import summary_rebuild
from portal.engagement.models import PulseResponse
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import CandidateProfile, Role, User
from portal.questions.models import Message

PASSWORD = "correct horse battery staple"
BASE_URL = "http://portal.test"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def app_config(database_url: str, **overrides: object) -> dict:
    config = {
        "TESTING": True,
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": BASE_URL,
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1", "portal.test"],
        # Cheap hashing keeps the suite fast; production uses argon2-cffi's RFC 9106 profile.
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 64, "parallelism": 1},
        "RATELIMIT_STORAGE_URI": "memory://",
        "DEV_MAILBOX": False,
        "SMTP_URL": "",
        "SESSION_COOKIE_SECURE": False,
        # The answer promise in plain hours: a week open every hour. The production default
        # (Monday to Friday, 09:00–17:00) would make a test's verdict depend on the weekday
        # it runs on; the tests of working hours (tests/questions/test_working_hours.py) set
        # the weeks they check.
        "WORKING_HOURS_DEFAULT": {"days": "Mon-Sun", "start": "00:00", "end": "24:00"},
        # No quiet hours either, for the same reason: with the production default (21:00 to
        # 08:00 in the candidate's zone) an answer's email would wait for the morning whenever
        # the suite runs in the evening. The tests of pacing (tests/mail/test_cadence*.py and
        # the others that name QUIET_HOURS) set the quiet hours they check.
        "QUIET_HOURS": None,
        # Documents candidates upload (timeline.documents) go to a folder of this test run,
        # never to the project's instance folder.
        "CHECKLIST_DOCUMENTS_FOLDER": documents_folder(),
    }
    config.update(overrides)
    return config


_DOCUMENTS: list[str] = []


def documents_folder() -> str:
    """One temporary folder per test process for uploaded documents."""
    if not _DOCUMENTS:
        _DOCUMENTS.append(tempfile.mkdtemp(prefix="portal-documents-"))
    return _DOCUMENTS[0]


app_config.__test__ = False  # type: ignore[attr-defined]  # not a test, whatever its alias
test_config = app_config  # older name, kept for modules that import it


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def candidate_edit_form(app, user_id: int, *, confirmed: bool = True, **changes: str) -> dict:
    """HR's edit form for a candidate as it comes filled in, with `changes` typed over it.
    `confirmed`: HR pressed "Save and email" (a change to the joining details asks first)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        profile = user.profile
        data = {
            "name": user.name,
            "email": user.email,
            "time_zone": user.time_zone,
            "job_title": profile.job_title,
            "department": profile.department,
            "location": profile.location,
            "joining_date": profile.joining_date.isoformat(),
            "joining_time": profile.joining_time.strftime("%H:%M"),
            "joining_time_zone": profile.joining_time_zone,
            "reception_instructions": profile.reception_instructions or "",
            "recruiter_id": str(profile.recruiter_id or 0),
        }
    if confirmed:
        data["notify_confirmed"] = "1"
    data.update(changes)
    return data


def post_form(client, url: str, data: dict, *, form_url: str | None = None, **kwargs):
    """GET the page holding the form, then POST it with its CSRF token, like a browser."""
    page = client.get(form_url or url)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def sign_in(client, email_address: str, password: str = PASSWORD, *, headers=None, **extra):
    return post_form(
        client,
        "/sign-in",
        {"email": email_address, "password": password, **extra},
        headers=headers or {},
    )


def make_staff(
    role: Role,
    email_address: str,
    name: str | None = None,
    *,
    zone: str = "UTC",
    password: str | None = PASSWORD,
    phone: str | None = None,
) -> User:
    user = accounts.create_user(
        actor=None,
        email=email_address,
        name=name or email_address.split("@")[0].title(),
        role=role,
        time_zone=zone,
        phone=phone,
    )
    if password:
        user.password_hash = passwords.hash_password(password)
    db.session.commit()
    return user


def make_candidate(
    email_address: str,
    recruiter: User | None,
    *,
    name: str | None = None,
    zone: str = "Europe/Paris",
    joins_in: int = 21,
    joining_time: time = time(9, 0),
    joining_zone: str | None = None,
    joining_date: date | None = None,
    password: str | None = PASSWORD,
    department: str = "Engineering",
    location: str = "Paris",
) -> User:
    user = accounts.create_candidate(
        actor=None,
        email=email_address,
        name=name or email_address.split("@")[0].title(),
        time_zone=zone,
        details=CandidateDetails(
            job_title="Software Engineer",
            department=department,
            location=location,
            joining_date=joining_date or date.today() + timedelta(days=joins_in),
            joining_time=joining_time,
            joining_time_zone=joining_zone or zone,
            recruiter_id=recruiter.id if recruiter else None,
        ),
    )
    if password:
        user.password_hash = passwords.hash_password(password)
    db.session.commit()
    return user


@dataclass
class MailCatcher:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_mail_catcher() -> tuple[MailCatcher, Controller]:
    catcher = MailCatcher(port=free_port())
    # aiosmtpd checks the server is up by connecting to the port, so it needs a real one.
    controller = Controller(catcher, hostname=catcher.host, port=catcher.port)
    controller.start()
    return catcher, controller


SPAWN = multiprocessing.get_context("spawn")


def run_spawned(target, argument_lists: list[tuple], *, timeout: float = 90.0) -> list[dict]:
    """Run `target(*arguments, barrier, results)` in one spawned process per argument tuple
    (own interpreter, own app, own connections) and return the outcome each put on `results`.

    Fails the test when a process does not report within `timeout`; a process still alive after
    that is terminated (only the ones started here).
    """
    barrier = SPAWN.Barrier(len(argument_lists))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=target, args=(*arguments, barrier, results), daemon=True)
        for arguments in argument_lists
    ]
    for process in processes:
        process.start()
    outcomes: list[dict] = []
    try:
        for _ in processes:
            outcomes.append(results.get(timeout=timeout))
    except queue.Empty:
        pytest.fail(f"only {len(outcomes)} of {len(processes)} processes reported")
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    return outcomes


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def link_in(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+", text_body(message))
    assert found, "no link in the message"
    return found.group(0)


def count_queries(app, client, path: str) -> int:
    """How many SQL statements a GET of `path` ran."""
    return len(run_counted(app, client, path)[0])


def run_counted(app, client, path: str) -> tuple[list[str], str]:
    """The SQL statements a GET of `path` ran, and the page."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, path
    return statements, response.get_data(as_text=True)


def insert_cohort(
    recruiter: User, size: int, events_per_candidate: int, now: datetime, seed: int = 5
) -> None:
    """`size` candidates with `events_per_candidate` events each, a few questions and pulses."""
    rng = random.Random(seed)
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    users = [
        {
            "id": first + n,
            "email": f"cohort{first + n}@example.com",
            "name": f"Cohort {first + n}",
            "role": "candidate",
            "password_hash": "x",
            "time_zone": "UTC",
            "is_active": True,
            "created_at": now - timedelta(days=60),
            "sign_in_count": 1,
        }
        for n in range(size)
    ]
    db.session.execute(insert(User), users)
    if db.session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequence behind: move it on so later inserts don't collide.
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"
            )
        )
    db.session.execute(
        insert(CandidateProfile),
        [
            {
                "user_id": user["id"],
                "job_title": "Engineer",
                "department": "",
                "location": ("Paris", "Lyon", "Remote")[user["id"] % 3],
                "joining_date": (now + timedelta(days=rng.randint(1, 90))).date(),
                "joining_time": datetime.min.time().replace(hour=9),
                "joining_time_zone": "UTC",
                "recruiter_id": recruiter.id,
            }
            for user in users
        ],
    )
    kinds = list(EventKind)[:9]
    batch: list[dict] = []
    for user in users:
        # Most were here lately; some have been away a week or two (quiet, at risk).
        away = rng.choice([0] * 8 + [8, 15]) * 24 * 60
        for _ in range(events_per_candidate):
            batch.append(
                {
                    "candidate_id": user["id"],
                    "kind": rng.choice(kinds),
                    "occurred_at": now - timedelta(minutes=away + rng.randint(1, 60 * 24 * 45)),
                }
            )
            if len(batch) == 20_000:
                db.session.execute(insert(EngagementEvent), batch)
                batch = []
        if rng.random() < 0.2:
            db.session.add(
                Message(
                    candidate_id=user["id"],
                    author_id=user["id"],
                    body="?",
                    created_at=now - timedelta(hours=rng.randint(1, 80)),
                )
            )
        if rng.random() < 0.5:
            for days in (20, 3):
                db.session.add(
                    PulseResponse(
                        candidate_id=user["id"],
                        score=rng.randint(1, 5),
                        answered_at=now - timedelta(days=days),
                    )
                )
    if batch:
        db.session.execute(insert(EngagementEvent), batch)
    db.session.flush()
    # Bulk inserts bypass the summaries' listeners: build them as the worker would.
    summary_rebuild.rebuild([user["id"] for user in users])
    db.session.commit()
