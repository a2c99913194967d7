"""The recruiters' daily digest, over a real SMTP server on loopback (aiosmtpd).

Fixed instants in two zones on 10 March 2026: Paris is on CET (UTC+1), New York already on
EDT (UTC-4), so 08:00 local is 07:00 UTC in Paris and 12:00 UTC in New York. Status changes are
inserted as the engagement evaluation writes them (status_changed events with from/to/reasons).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.engagement import digests
from portal.engagement.models import RecruiterDigest
from portal.events import log as events
from portal.events.models import EngagementEvent, EventKind
from portal.mail import jobs as mail_jobs
from portal.mail.models import OutgoingEmail
from portal.people.models import Role
from portal.questions.models import Message
from tests import support
from tests.support import BASE_URL, make_candidate, make_staff

PARIS_MORNING = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 08:00 in Paris
NEW_YORK_MORNING = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 08:00 in New York
NIGHT = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
FAR = date(2026, 5, 4)  # a joining day well outside "this week"


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(SMTP_URL=smtp_server.url)


def recruiter(email: str, name: str, zone: str):
    return make_staff(Role.RECRUITER, email, name, zone=zone, password=None)


def candidate(email: str, owner, name: str, **details):
    details.setdefault("joining_date", FAR)
    return make_candidate(email, owner, name=name, password=None, **details)


def status_change(person, at: datetime, before: str, after: str, *reasons: str) -> None:
    data = {"from": before, "to": after, "reasons": list(reasons)}
    events.record(person.id, EventKind.STATUS_CHANGED, data=data, at=at)
    db.session.commit()


def message(person, author, at: datetime, body: str = "When will I get my laptop?") -> None:
    db.session.add(Message(candidate_id=person.id, author_id=author.id, body=body, created_at=at))
    db.session.commit()


def settle(now: datetime) -> int:
    """What the worker's digest job does: send_due, then commit."""
    queued = digests.send_due(now)
    db.session.commit()
    return queued


def deliver(_now: datetime | None = None, *, retry: bool = False) -> int:
    """Send what is queued. Mail is stamped due with the real time when queued, so it is sent at
    the real time too (plus a while when retrying), whatever instant the digests were settled at."""
    return mail_jobs.deliver(now=utcnow() + (timedelta(minutes=10) if retry else timedelta(0)))


def text_body(message) -> str:
    return support.text_body(message).replace("\r\n", "\n")


def digest_rows() -> list[tuple[str, date, bool]]:
    rows = db.session.execute(
        select(RecruiterDigest, OutgoingEmail.to_address)
        .outerjoin(OutgoingEmail, OutgoingEmail.id == RecruiterDigest.email_id)
        .order_by(RecruiterDigest.id)
    )
    return [(row.recruiter_id, row.local_date, address) for row, address in rows]


def test_sent_in_each_recruiters_local_morning_once_per_local_day(app_ctx, smtp_server):
    paula = recruiter("paula@example.com", "Paula Roux", "Europe/Paris")
    nate = recruiter("nate@example.com", "Nate Hill", "America/New_York")
    alice = candidate("alice@example.com", paula, "Alice Martin")
    zoe = candidate("zoe@example.com", nate, "Zoe Park", zone="America/New_York")
    status_change(alice, NIGHT, "engaged", "quiet", "no sign-in for 7 days")
    status_change(zoe, NIGHT, "engaged", "quiet", "no sign-in for 8 days")

    assert settle(PARIS_MORNING - MINUTE) == 0  # 07:59 in Paris
    assert digest_rows() == []
    assert settle(PARIS_MORNING) == 1
    assert deliver(PARIS_MORNING) == 1
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["paula@example.com"]
    assert settle(PARIS_MORNING + timedelta(minutes=30)) == 0  # once per local day

    assert settle(NEW_YORK_MORNING - MINUTE) == 0  # 07:59 in New York
    assert settle(NEW_YORK_MORNING) == 1
    deliver(NEW_YORK_MORNING)
    received = smtp_server.wait_for(2)
    assert [m["To"] for m in received] == ["paula@example.com", "nate@example.com"]
    assert "Zoe Park is now quiet (was engaged)." in text_body(received[1])
    assert digest_rows() == [
        (paula.id, date(2026, 3, 10), "paula@example.com"),
        (nate.id, date(2026, 3, 10), "nate@example.com"),
    ]

    # The next Paris morning nothing has changed: the day is settled without an email.
    next_morning = PARIS_MORNING + timedelta(days=1)
    assert settle(next_morning) == 0
    assert digest_rows()[-1] == (paula.id, date(2026, 3, 11), None)
    # A change after that morning waits for the following one, and is told exactly once.
    status_change(
        alice, next_morning + timedelta(hours=2), "quiet", "at_risk", "no sign-in for 14 days"
    )
    assert settle(next_morning + timedelta(hours=3)) == 0
    assert settle(next_morning + timedelta(days=1)) == 1
    deliver(next_morning + timedelta(days=1))
    third = smtp_server.wait_for(3)[2]
    assert third["To"] == "paula@example.com"
    text = text_body(third)
    assert "Alice Martin is now at risk (was quiet)." in text
    assert "now quiet" not in text  # yesterday's news is not repeated
    assert settle(next_morning + timedelta(days=1, hours=5)) == 0
    deliver(next_morning + timedelta(days=1, hours=5))
    assert len(smtp_server.wait_for(4, timeout=0.5)) == 3


def test_what_still_stands_does_not_send_a_digest_every_day(app_ctx, smtp_server):
    """An overdue question and a joining this week are told the morning they become news; the
    next mornings stay silent until something new happens, and then the email lists them again."""
    paula = recruiter("paula@example.com", "Paula Roux", "Europe/Paris")
    ben = candidate("ben@example.com", paula, "Ben Okafor")
    candidate("chloe@example.com", paula, "Chloe Dubois", joining_date=date(2026, 3, 14))
    message(ben, ben, PARIS_MORNING - timedelta(hours=30))

    assert settle(PARIS_MORNING) == 1  # both are news today
    assert settle(PARIS_MORNING + timedelta(days=1)) == 0  # still standing: no email
    assert settle(PARIS_MORNING + timedelta(days=2)) == 0
    alice = candidate("alice@example.com", paula, "Alice Martin")
    status_change(alice, PARIS_MORNING + timedelta(days=2, hours=3), "engaged", "quiet", "x")
    assert settle(PARIS_MORNING + timedelta(days=3)) == 1
    deliver()
    latest = smtp_server.wait_for(2)[-1]
    text = text_body(latest)
    assert "Alice Martin is now quiet (was engaged)." in text
    assert "Ben Okafor has been waiting for 4 days" in text  # still listed, for the whole picture
    assert "Chloe Dubois joins tomorrow: Saturday 14 March 2026, 09:00 CET." in text


def test_the_digest_tells_changes_overdue_questions_and_joinings_in_words(app_ctx, smtp_server):
    paula = recruiter("paula@example.com", "Paula Roux", "Europe/Paris")
    nate = recruiter("nate@example.com", "Nate Hill", "America/New_York")
    alice = candidate("alice@example.com", paula, "Alice Martin")
    ben = candidate("ben@example.com", paula, "Ben Okafor")
    # Joins on Friday 13 March at 09:00 in London, which is 10:00 in Paris.
    chloe = candidate(
        "chloe@example.com",
        paula,
        "Chloe Dubois",
        joining_date=date(2026, 3, 13),
        joining_time=time(9, 0),
        joining_zone="Europe/London",
    )
    candidate("dora@example.com", paula, "Dora Lenz", joining_date=date(2026, 3, 20))
    eve = candidate("eve@example.com", paula, "Eve Sato")
    frank = candidate("frank@example.com", paula, "Frank Moreau")
    zack = candidate("zack@example.com", nate, "Zack Other", joining_date=date(2026, 3, 12))

    status_change(
        alice,
        NIGHT,
        "engaged",
        "at_risk",
        "no sign-in for 9 days",
        "question unanswered for 30 hours",
    )
    # Quiet for an hour, then back: nothing to tell.
    status_change(eve, NIGHT, "engaged", "quiet", "no sign-in for 7 days")
    status_change(eve, NIGHT + timedelta(hours=1), "quiet", "engaged")
    message(ben, ben, PARIS_MORNING - timedelta(hours=30))
    message(frank, frank, PARIS_MORNING - timedelta(hours=40))
    message(frank, paula, PARIS_MORNING - timedelta(hours=35), "Next week.")  # answered
    status_change(zack, NIGHT, "engaged", "at_risk", "pulse fell from 5 to 2")
    message(zack, zack, PARIS_MORNING - timedelta(hours=50))

    assert settle(PARIS_MORNING) == 1
    deliver(PARIS_MORNING)
    (sent,) = smtp_server.wait_for(1)
    assert sent["To"] == "paula@example.com"
    assert sent["Subject"] == (
        "Your candidates today: 1 status change, 1 overdue question, 1 joining this week"
    )
    assert sent.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in sent.iter_parts()] == ["text/plain", "text/html"]

    text = text_body(sent)
    assert "Hello Paula Roux," in text
    assert "Alice Martin is now at risk (was engaged)." in text
    assert "Why: no sign-in for 9 days; question unanswered for 30 hours." in text
    assert f"{BASE_URL}/recruiter/candidates/{alice.id}\n" in text
    assert "Ben Okafor has been waiting for 30 hours (since 9 Mar 2026, 02:00)." in text
    assert f"Answer Ben Okafor: {BASE_URL}/recruiter/candidates/{ben.id}/questions" in text
    assert "Chloe Dubois joins in 3 days: Friday 13 March 2026, 10:00 CET." in text
    assert f"{BASE_URL}/recruiter/candidates/{chloe.id}" in text
    assert f"See all your candidates: {BASE_URL}/recruiter/" in text
    for absent in ("Dora", "Eve", "Frank", "Zack", "pulse fell"):
        assert absent not in text

    html = sent.get_body(preferencelist=("html",)).get_content()
    # Each element carries its own style (mail apps drop <style>): match around it.
    assert re.search(r"<h2[^>]*>Status changes</h2>", html)
    alice_link = rf'<a href="{BASE_URL}/recruiter/candidates/{alice.id}"[^>]*>Alice Martin</a>'
    assert re.search(alice_link, html)
    assert "is now <strong>at risk</strong> (was engaged)" in html
    assert "waiting for <strong>30 hours</strong>" in html
    assert f'<a href="{BASE_URL}/recruiter/candidates/{ben.id}/questions"' in html
    assert "joins in 3 days: Friday 13 March 2026, 10:00 CET." in html
    assert re.search(rf'href="{BASE_URL}/recruiter/"[^>]*>See all your candidates</a>', html)
    for absent in ("Dora", "Eve", "Frank", "Zack"):
        assert absent not in html

    # Nate's own digest has only his candidate.
    assert settle(NEW_YORK_MORNING) == 1
    deliver(NEW_YORK_MORNING)
    nates = text_body(smtp_server.wait_for(2)[1])
    assert "Zack Other is now at risk (was engaged)." in nates
    assert "Why: pulse fell from 5 to 2." in nates
    assert "Zack Other has been waiting for 55 hours" in nates
    assert "Zack Other joins in 2 days: Thursday 12 March 2026, 04:00 EDT." in nates
    for absent in ("Alice", "Ben", "Chloe"):
        assert absent not in nates


def test_smtp_down_then_up_delivers_each_digest_exactly_once(make_app, smtp_server):
    closed = f"smtp://127.0.0.1:{support.free_port()}"
    app = make_app(SMTP_URL=closed)
    with app.app_context():
        paula = recruiter("paula@example.com", "Paula Roux", "Europe/Paris")
        nate = recruiter("nate@example.com", "Nate Hill", "America/New_York")
        for person, owner in (("alice", paula), ("zoe", nate)):
            someone = candidate(f"{person}@example.com", owner, person.title())
            status_change(someone, NIGHT, "engaged", "quiet", "no sign-in for 7 days")

        assert settle(NEW_YORK_MORNING) == 2
        assert deliver() == 0  # nobody listening
        pending = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        assert [(e.kind, e.status) for e in pending] == [("digest", "pending")] * 2
        assert all("ConnectionRefusedError" in (e.last_error or "") for e in pending)
        assert settle(NEW_YORK_MORNING + timedelta(minutes=5)) == 0  # nothing queued twice

        app.config["SMTP_URL"] = smtp_server.url
        assert deliver(retry=True) == 2
        assert deliver(retry=True) == 0
        assert settle(NEW_YORK_MORNING + timedelta(hours=1)) == 0
        received = smtp_server.wait_for(3, timeout=1.0)
    assert sorted(m["To"] for m in received) == ["nate@example.com", "paula@example.com"]


def _count_statements(run) -> list[str]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def _recruiters_with_news(first: int, last: int, at: datetime) -> list:
    people = []
    for n in range(first, last):
        owner = recruiter(f"r{n}@example.com", f"Recruiter {n}", "Europe/Paris")
        someone = candidate(f"c{n}@example.com", owner, f"Candidate {n}")
        message(someone, someone, at - timedelta(hours=30))
        people.append(someone)
    return people


def test_the_number_of_queries_does_not_grow_with_the_recruiters(app_ctx):
    first_two = _recruiters_with_news(0, 2, PARIS_MORNING)
    for someone in first_two:
        status_change(someone, NIGHT, "engaged", "quiet", "no sign-in for 7 days")
    two = _count_statements(lambda: settle(PARIS_MORNING))

    next_morning = PARIS_MORNING + timedelta(days=1)
    everyone = first_two + _recruiters_with_news(2, 20, next_morning)
    for someone in everyone:
        status_change(someone, next_morning - timedelta(hours=3), "quiet", "at_risk", "x")
    twenty = _count_statements(lambda: settle(next_morning))

    emails = db.session.scalar(select(func.count()).select_from(OutgoingEmail))
    assert emails == 2 + 20

    def without_email_inserts(statements):
        return [s for s in statements if not s.startswith("INSERT INTO outgoing_emails")]

    assert len(two) - 2 == len(without_email_inserts(two))
    assert len(twenty) - 20 == len(without_email_inserts(twenty))
    assert len(without_email_inserts(two)) == len(without_email_inserts(twenty)) <= 8


# --- Several workers settling the same morning at once ---------------------------------------

PROCESSES = 4
RECRUITERS = 5


def _settle_in_process(database_url: str, now_iso: str, barrier, results) -> None:
    """A separate process (own app, own connections) settling the digests at `now`."""
    outcome: dict = {"error": None}
    try:
        from portal import create_app

        app = create_app(support.app_config(database_url))
        with app.app_context():
            db.engine.raw_connection().close()
            barrier.wait(timeout=60)
            outcome["queued"] = settle(datetime.fromisoformat(now_iso))
            db.session.remove()
            db.engine.dispose()
    except BaseException as error:  # reported to the test, never swallowed
        barrier.abort()
        outcome["error"] = f"{type(error).__name__}: {error}"
    finally:
        results.put(outcome)


@pytest.mark.slow
def test_several_workers_at_once_queue_each_digest_once(app, migrated):
    with app.app_context():
        for someone in _recruiters_with_news(0, RECRUITERS, PARIS_MORNING):
            status_change(someone, NIGHT, "engaged", "quiet", "no sign-in for 7 days")
        db.engine.dispose()
    outcomes = support.run_spawned(
        _settle_in_process, [(migrated, PARIS_MORNING.isoformat())] * PROCESSES
    )
    assert [o["error"] for o in outcomes] == [None] * PROCESSES
    assert sum(o["queued"] for o in outcomes) == RECRUITERS
    with app.app_context():
        kinds = db.session.execute(
            select(OutgoingEmail.to_address, func.count()).group_by(OutgoingEmail.to_address)
        ).all()
        assert sorted(kinds) == [(f"r{n}@example.com", 1) for n in range(RECRUITERS)]
        assert db.session.scalar(select(func.count()).select_from(RecruiterDigest)) == RECRUITERS
        assert db.session.scalar(select(func.count()).select_from(EngagementEvent)) == RECRUITERS
