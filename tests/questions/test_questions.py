"""Questions and answers between a candidate and their recruiter, over a real SMTP server."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import String, Text, func, select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.core.models import Base
from portal.events.models import EngagementEvent, EventKind
from portal.mail import jobs as mail_jobs
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, Role, User
from portal.questions.models import Message
from tests.support import (
    count_queries,
    link_in,
    make_candidate,
    make_staff,
    post_form,
    run_counted,
    sign_in,
    text_body,
)


def _ask(client, body: str, key: str | None = None):
    return post_form(
        client,
        "/candidate/questions",
        {"body": body, "client_key": key or uuid.uuid4().hex},
    )


def _answer(client, candidate_id: int, body: str, key: str | None = None):
    return post_form(
        client,
        f"/recruiter/candidates/{candidate_id}/questions",
        {"body": body, "client_key": key or uuid.uuid4().hex},
    )


def _messages(app) -> list[Message]:
    with app.app_context():
        return list(db.session.scalars(select(Message).order_by(Message.id)))


def test_the_whole_exchange_by_email(make_app, smtp_server):
    # Mid-morning where Alice lives, so that her email does not wait for the end of the night.
    morning = datetime.combine(date.today(), time(10, 30), tzinfo=ZoneInfo("Europe/Paris"))
    app = make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=morning)
    with app.app_context():
        recruiter = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        candidate = make_candidate("alice@example.com", recruiter, name="Alice Martin")
        candidate_id = candidate.id
    alice, rita = app.test_client(), app.test_client()
    sign_in(alice, "alice@example.com")
    sign_in(rita, "rita@example.com")

    question = "Hello! Which documents should I bring on day one?\nAnd is there parking?"
    assert _ask(alice, question).status_code == 302

    (to_rita,) = smtp_server.wait_for(1)
    assert to_rita["To"] == "rita@example.com"
    assert "Alice Martin" in to_rita["Subject"]
    assert "Which documents should I bring" in text_body(to_rita)
    assert to_rita.get_body(preferencelist=("html",)) is not None
    link = link_in(to_rita)
    assert link == f"http://portal.test/recruiter/candidates/{candidate_id}/questions"

    inbox = rita.get("/recruiter/").get_data(as_text=True)
    assert re.search(r"Inbox <span class=\"badge badge-new\">1<", inbox)
    thread = rita.get(urlsplit(link).path).get_data(as_text=True)
    assert "Which documents should I bring on day one?\nAnd is there parking?" in thread
    assert 'badge-new">New<' in thread
    assert "Inbox <span" not in rita.get("/recruiter/").get_data(as_text=True), "read now"

    assert _answer(rita, candidate_id, "Your passport, and yes: building B.").status_code == 302
    # Answers are batched: the email waits ANSWER_BATCH_MINUTES for more answers to join it.
    assert len(smtp_server.messages) == 1
    app.config["PORTAL_CLOCK"] = morning + timedelta(minutes=app.config["ANSWER_BATCH_MINUTES"])
    with app.app_context():
        assert mail_jobs.deliver() == 1
    to_alice = smtp_server.wait_for(2)[1]
    assert to_alice["To"] == "alice@example.com"
    assert "Rita Recruiter answered" in to_alice["Subject"]
    assert link_in(to_alice) == "http://portal.test/candidate/questions"
    assert "Your passport" in text_body(to_alice)

    home = alice.get("/candidate/").get_data(as_text=True)
    assert "1 new answer" in home
    page = alice.get("/candidate/questions").get_data(as_text=True)
    assert "Your passport, and yes: building B." in page
    assert "Rita Recruiter" in page
    assert "1 new answer" not in alice.get("/candidate/").get_data(as_text=True)


def _all_stored_text(app) -> str:
    """Every text value in every table, to look for traces."""
    chunks = []
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                for row in db.session.execute(select(*columns)):
                    chunks.extend(str(value) for value in row if value is not None)
    return "\n".join(chunks)


def test_removing_a_message_leaves_a_tombstone_and_no_trace(app, people):
    secret = f"my salary expectation is {uuid.uuid4().hex}"
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    _ask(alice, secret)
    (message,) = _messages(app)
    assert secret in _all_stored_text(app)  # the queued notification holds an excerpt too

    rita = app.test_client()
    sign_in(rita, people["emails"]["recruiter_a"])
    refused = post_form(
        rita,
        f"/recruiter/candidates/{people['ids']['candidate_a']}/questions/{message.id}/remove",
        {},
        form_url=f"/recruiter/candidates/{people['ids']['candidate_a']}/questions",
    )
    assert refused.status_code == 404, "only the author removes a message"

    removed = post_form(
        alice,
        f"/candidate/questions/{message.id}/remove",
        {"confirmed": "1"},
        form_url="/candidate/questions",
    )
    assert removed.status_code == 302
    for client, path in [
        (alice, "/candidate/questions"),
        (rita, f"/recruiter/candidates/{people['ids']['candidate_a']}/questions"),
    ]:
        page = client.get(path).get_data(as_text=True)
        assert "This message was removed by its author." in page
        assert secret not in page
    assert secret not in _all_stored_text(app)
    (message,) = _messages(app)
    assert message.body is None and message.removed_at is not None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 0

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        with app.app_context(), db.engine.connect() as conn:
            # Outside any transaction, so the checkpoint can copy the WAL back and empty it.
            conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(url.removeprefix("sqlite:///"))
        raw = path.read_bytes() + (
            Path(f"{path}-wal").read_bytes() if Path(f"{path}-wal").exists() else b""
        )
        assert secret.encode() not in raw, "secure_delete: no copy left in the file"


def test_messages_are_escaped_links_clickable_line_breaks_kept(app, people):
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    _ask(alice, "<script>alert('x')</script>\n<b>bold?</b> see https://example.com/a?b=1&c=2.")
    page = alice.get("/candidate/questions").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold?</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\n&lt;b&gt;bold?&lt;/b&gt;" in page
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener noreferrer nofollow">https://example.com/a?b=1&amp;c=2'
        '<span class="visually-hidden"> (opens in a new tab)</span></a>'
    ) in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a message first."),
        ("   \n\t  ", "Write a message first."),
        ("x" * 5001, "Keep it under 5,000 characters"),
    ],
    ids=["empty", "whitespace", "oversized"],
)
def test_bad_messages_get_a_message_beside_the_field(app, people, body, message):
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    response = _ask(alice, body)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="body-error"[^>]*>.*?{re.escape(message)}', page, re.S)
    assert 'aria-describedby="body-hint body-error"' in page
    assert _messages(app) == []


def test_exactly_5000_characters_are_accepted(app, people):
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    assert _ask(alice, "y" * 5000).status_code == 302
    assert len(_messages(app)[0].body) == 5000


def test_a_double_click_stores_the_question_once(app, people):
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    key = uuid.uuid4().hex
    first = _ask(alice, "Is there a dress code?", key)
    second = _ask(alice, "Is there a dress code?", key)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_messages(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 1
    assert _ask(alice, "Is there a dress code?").status_code == 302, "a new form is a new one"
    assert len(_messages(app)) == 2


def test_inbox_puts_the_longest_waiting_first_and_marks_overdue(app, people):
    with app.app_context():
        recruiter = db.session.get(User, people["ids"]["recruiter_a"])
        carl = make_candidate(
            "carl@example.com", recruiter, name="Carl Waiting", zone="Asia/Kolkata"
        )
        dora = make_candidate("dora@example.com", recruiter, name="Dora Answered")
        now = utcnow()
        db.session.add_all(
            [
                Message(
                    candidate_id=carl.id,
                    author_id=carl.id,
                    body="Old question",
                    created_at=now - timedelta(hours=30),
                ),
                Message(
                    candidate_id=dora.id,
                    author_id=dora.id,
                    body="Asked",
                    created_at=now - timedelta(hours=50),
                ),
                Message(
                    candidate_id=dora.id,
                    author_id=recruiter.id,
                    body="Answered",
                    created_at=now - timedelta(hours=49),
                ),
                Message(
                    candidate_id=people["ids"]["candidate_a"],
                    author_id=people["ids"]["candidate_a"],
                    body="Fresh question",
                    created_at=now - timedelta(hours=2),
                ),
            ]
        )
        db.session.commit()
    rita = app.test_client()
    sign_in(rita, people["emails"]["recruiter_a"])
    page = rita.get("/recruiter/inbox").get_data(as_text=True)
    order = [page.index(name) for name in ("Carl Waiting", "Alice Candidate")]
    assert order == sorted(order), "waiting longest first"
    assert "Dora Answered" not in page, "the inbox lists only what waits for an answer"
    carl_row = page[page.index("Carl Waiting") : page.index("Alice Candidate")]
    assert "Overdue" in carl_row and "by 6 hours" in carl_row
    alice_row = page[page.index("Alice Candidate") : page.index("</tbody>")]
    assert re.search(r"2[12] hours left", alice_row) and "Overdue" not in alice_row

    carl_client = app.test_client()
    sign_in(carl_client, "carl@example.com")
    late = carl_client.get("/candidate/questions").get_data(as_text=True)
    assert "taking longer than the 24 hours we promise" in late and "expect one by" not in late

    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    due = alice.get("/candidate/questions").get_data(as_text=True)
    with app.app_context():
        asked = db.session.scalar(
            select(Message.created_at).where(Message.author_id == people["ids"]["candidate_a"])
        )
    from portal.core.templating import local_datetime

    assert "expect one by <time datetime=" in due
    assert local_datetime(asked + timedelta(hours=24), "Europe/Paris") in due


def _fill_thread(app, candidate_id: int, recruiter_id: int, count: int) -> None:
    with app.app_context():
        db.session.add_all(
            Message(
                candidate_id=candidate_id,
                author_id=candidate_id if n % 2 else recruiter_id,
                body=f"message {n}",
            )
            for n in range(count)
        )
        db.session.commit()


def test_thread_and_inbox_cost_the_same_queries_for_5_or_200_messages(app, people):
    ids = people["ids"]
    alice, rita = app.test_client(), app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    sign_in(rita, people["emails"]["recruiter_a"])
    _fill_thread(app, ids["candidate_a"], ids["recruiter_a"], 5)
    thread_path = f"/recruiter/candidates/{ids['candidate_a']}/questions"
    few = [
        count_queries(app, alice, "/candidate/questions"),
        count_queries(app, rita, thread_path),
        count_queries(app, rita, "/recruiter/inbox"),
    ]
    _fill_thread(app, ids["candidate_a"], ids["recruiter_a"], 195)
    with app.app_context():  # more threads in the inbox, too
        recruiter = db.session.get(User, ids["recruiter_a"])
        extra_ids = [make_candidate(f"extra{n}@example.com", recruiter).id for n in range(10)]
    for extra_id in extra_ids:
        _fill_thread(app, extra_id, ids["recruiter_a"], 3)
    many = [
        count_queries(app, alice, "/candidate/questions"),
        count_queries(app, rita, thread_path),
        count_queries(app, rita, "/recruiter/inbox"),
    ]
    assert few == many
    assert "message 194" in rita.get(thread_path).get_data(as_text=True)


def test_hr_reads_any_thread_without_marking_it_read_and_reassigns_it(app, people):
    ids = people["ids"]
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    _ask(alice, "Who is my manager?")
    hr = app.test_client()
    sign_in(hr, people["emails"]["hr"])
    page = hr.get(f"/hr/people/{ids['candidate_a']}/questions").get_data(as_text=True)
    assert "Who is my manager?" in page
    rita, bob = app.test_client(), app.test_client()
    sign_in(rita, people["emails"]["recruiter_a"])
    sign_in(bob, people["emails"]["recruiter_b"])
    assert "1 new" in rita.get("/recruiter/inbox").get_data(as_text=True), "still unread for Rita"

    moved = post_form(
        hr,
        f"/hr/people/{ids['candidate_a']}/recruiter",
        {"recruiter_id": str(ids["recruiter_b"])},
        form_url=f"/hr/people/{ids['candidate_a']}/questions",
        follow_redirects=True,
    )
    assert "now go to Bob Recruiter" in moved.get_data(as_text=True)
    assert rita.get(f"/recruiter/candidates/{ids['candidate_a']}/questions").status_code == 404
    assert "Who is my manager?" in bob.get(
        f"/recruiter/candidates/{ids['candidate_a']}/questions"
    ).get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.field == "recruiter_id")
        ).one()
        assert (entry.old_value, entry.new_value) == (
            str(ids["recruiter_a"]),
            str(ids["recruiter_b"]),
        )
    bad = post_form(
        hr,
        f"/hr/people/{ids['candidate_a']}/recruiter",
        {"recruiter_id": str(ids["candidate_b"])},
        form_url=f"/hr/people/{ids['candidate_a']}/questions",
    )
    assert bad.status_code == 422
    assert 'id="recruiter_id-error"' in bad.get_data(as_text=True)


def test_a_question_without_a_recruiter_goes_to_hr(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url)
    with app.app_context():
        make_staff(Role.HR, "helen@example.com", "Helen HR")
        make_candidate("solo@example.com", None, name="Solo Candidate")
    solo = app.test_client()
    sign_in(solo, "solo@example.com")
    _ask(solo, "Is anyone there?")
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "helen@example.com"
    assert "no recruiter assigned" in text_body(message)
    assert "/hr/people/" in link_in(message)
    assert "/questions" in link_in(message)


def test_reading_a_thread_writes_only_after_the_page_and_only_when_something_is_new(app, people):
    """The read mark (and the candidate's `answer_read`) are written after the page is built,
    in a short transaction of its own; a visit with nothing new writes nothing at all."""
    ids = people["ids"]
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    _fill_thread(app, ids["candidate_a"], ids["recruiter_a"], 6)

    def kind(statement: str) -> str:
        return statement.split()[0].upper()

    first, page = run_counted(app, alice, "/candidate/questions")
    assert "message 5" in page
    written = [n for n, s in enumerate(first) if kind(s) in WRITES]
    assert written  # the read mark moved, and the answers were noted as read
    page_reads = [n for n, s in enumerate(first) if kind(s) == "SELECT" and "FROM messages" in s]
    assert page_reads and max(page_reads) < min(written)  # the page was read, then written
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The page's transaction only read (a plain BEGIN); the write lock came after it.
        assert first[0].strip().upper() == "BEGIN"
        assert "IMMEDIATE" in first[min(written) - 1].upper()

    again, _ = run_counted(app, alice, "/candidate/questions")
    assert [s for s in again if kind(s) in WRITES] == []
    assert not [s for s in again if "IMMEDIATE" in s.upper()]
    with app.app_context():
        answer_reads = db.session.scalars(
            select(EngagementEvent).where(EngagementEvent.kind == EventKind.ANSWER_READ)
        ).all()
        assert [(event.data or {}).get("answers") for event in answer_reads] == [3]


WRITES = {"INSERT", "UPDATE", "DELETE"}
