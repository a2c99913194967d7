"""Closures: "no reply needed", acknowledgements that ask nothing, and answers from the backup
recruiter and HR, each shown with who answered. After every step the candidate summaries
(kept current as things happen) equal a rebuild from scratch."""

from __future__ import annotations

import contextlib
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement import digests, status_changes, summary_rebuild
from portal.engagement.models import CandidateSummary
from portal.events.models import EngagementEvent, EventKind
from portal.mail import jobs as mail_jobs
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, CandidateProfile, Role
from portal.questions import closures, threads
from portal.questions.models import Message, ThreadClosure
from portal.questions.waiting import is_acknowledgement
from tests.support import make_candidate, make_staff, post_form, sign_in, text_body

FACTS = [c.key for c in CandidateSummary.__table__.columns if c.key != "evaluated_at"]


# --- Helpers -----------------------------------------------------------------------------------


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _write(client, path: str, body: str):
    return post_form(client, path, {"body": body, "client_key": uuid.uuid4().hex})


def _ask(client, body: str):
    return _write(client, "/candidate/questions", body)


def _page(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


def _close(client, page_path: str, close_path: str):
    """Press "Mark “no reply needed”" on the page, as a browser would."""
    page = _page(client, page_path)
    found = re.search(r'name="through" type="hidden" value="(\d+)"', page) or re.search(
        r'name="through" value="(\d+)"', page
    )
    assert found, "no “no reply needed” button on the page"
    return post_form(client, close_path, {"through": found.group(1)}, form_url=page_path)


def _summary(app, candidate_id: int) -> CandidateSummary:
    with app.app_context():
        found = db.session.get(CandidateSummary, candidate_id)
        assert found is not None
        db.session.expunge(found)
        return found


def _summaries_agree(app) -> None:
    """The incremental summaries equal a rebuild from scratch."""
    with app.app_context():

        def snapshot() -> dict[int, dict]:
            db.session.expire_all()
            return {
                s.candidate_id: {name: getattr(s, name) for name in FACTS}
                for s in db.session.scalars(select(CandidateSummary))
            }

        incremental = snapshot()
        summary_rebuild.rebuild()
        db.session.commit()
        assert snapshot() == incremental


def _reason_codes(app, candidate_id: int, at: datetime) -> list[str]:
    """The stored status reasons once the worker's pass has run at `at`."""
    with app.app_context():
        status_changes.evaluate(at)
        db.session.commit()
        db.session.expire_all()
        summary = db.session.get(CandidateSummary, candidate_id)
        return [reason["code"] for reason in summary.reasons]


def _overdue_events(app, candidate_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(EngagementEvent).where(
                    EngagementEvent.candidate_id == candidate_id,
                    EngagementEvent.kind == EventKind.QUESTION_OVERDUE,
                )
            ).all()
        )


def _digest_subjects(app, at: datetime) -> list[str]:
    """The subjects of the recruiters' digests sent at `at`, or later that (UTC) day once it
    is digest time: what went overdue within the day before is news."""
    hour = app.config["DIGEST_LOCAL_HOUR"]
    moment = at if at.hour >= hour else at.replace(hour=hour, minute=0)
    app.config["PORTAL_CLOCK"] = moment
    with app.app_context():
        digests.send_due(moment)
        db.session.commit()
        return list(
            db.session.scalars(select(OutgoingEmail.subject).where(OutgoingEmail.kind == "digest"))
        )


def _new_question_emails(app) -> int:
    """How many "New question from …" emails have been queued for staff."""
    with app.app_context():
        return len(
            db.session.scalars(
                select(OutgoingEmail.id).where(OutgoingEmail.kind == "question_asked")
            ).all()
        )


def _later(app) -> datetime:
    """Past the answer promise."""
    return datetime.now(UTC) + timedelta(hours=app.config["RESPONSE_PROMISE_HOURS"] + 2)


# --- The classifier ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "thanks!",
        "Thank you so much",
        "ok 👍",
        "great, thanks",
        "Got it, thank you!",
        "🙏",
        "OK.",
        "Vielen Dank!",
        "Alles klar, danke für die Infos",
        "Super, verstanden 👍",
    ],
)
def test_a_bare_thanks_or_ok_is_an_acknowledgement(text):
    assert is_acknowledgement(text)


@pytest.mark.parametrize(
    "text",
    [
        "thanks?",
        "Thanks! And is there parking?",
        "ok but when do I start",
        "Thanks, I will bring my passport and my bank details on Monday morning",
        "thanks for the 2 links",
        "Where do I park",
        "Danke! Und wo parke ich?",
        "Vielen Dank, ich bringe am Montag meinen Pass mit",
        "",
    ],
)
def test_a_question_mark_or_anything_more_is_a_question(text):
    assert not is_acknowledgement(text)


# --- Acknowledgements --------------------------------------------------------------------------


def test_thanks_after_an_answer_waits_for_nothing_anywhere(app, people):
    ids, emails = people["ids"], people["emails"]
    alice = _client(app, emails["candidate_a"])
    rita = _client(app, emails["recruiter_a"])
    thread_path = f"/recruiter/candidates/{ids['candidate_a']}/questions"

    assert _ask(alice, "Which documents should I bring?").status_code == 302
    assert _summary(app, ids["candidate_a"]).unanswered == 1
    assert _write(rita, thread_path, "Your passport.").status_code == 302
    assert _new_question_emails(app) == 1
    assert _ask(alice, "thanks! 👍").status_code == 302
    _summaries_agree(app)
    # Rita is not emailed about a "new question" that asks nothing.
    assert _new_question_emails(app) == 1

    summary = _summary(app, ids["candidate_a"])
    assert (summary.unanswered, summary.waiting_since) == (0, None)
    inbox = _page(rita, "/recruiter/inbox")
    # The inbox lists only what waits for an answer.
    assert "data-candidate-id" not in inbox and "Nothing is waiting for an answer" in inbox
    assert "Answer promised by" not in _page(rita, thread_path)
    assert "We promise an answer" not in _page(alice, "/candidate/questions")
    # Not a reason for concern, not overdue, not in the digest, however long it stays.
    later = _later(app)
    assert "unanswered_question" not in _reason_codes(app, ids["candidate_a"], later)
    assert _overdue_events(app, ids["candidate_a"]) == 0
    assert not [s for s in _digest_subjects(app, later) if "overdue" in s]


def test_a_question_mark_makes_it_a_question_again(app, people):
    ids, emails = people["ids"], people["emails"]
    alice = _client(app, emails["candidate_a"])
    rita = _client(app, emails["recruiter_a"])
    _ask(alice, "Which documents should I bring?")
    _write(rita, f"/recruiter/candidates/{ids['candidate_a']}/questions", "Your passport.")
    _ask(alice, "thanks?")
    _summaries_agree(app)
    assert _new_question_emails(app) == 2

    summary = _summary(app, ids["candidate_a"])
    assert summary.unanswered == 1
    later = _later(app)
    assert "unanswered_question" in _reason_codes(app, ids["candidate_a"], later)
    assert _overdue_events(app, ids["candidate_a"]) == 1
    assert [s for s in _digest_subjects(app, later) if "1 overdue question" in s]


def test_thanks_before_any_answer_still_wants_a_reply(app, people):
    """A first "thank you so much" (for the offer): nobody has answered yet, so it waits."""
    ids, emails = people["ids"], people["emails"]
    alice = _client(app, emails["candidate_a"])
    _ask(alice, "Thank you so much")
    assert _summary(app, ids["candidate_a"]).unanswered == 1
    _summaries_agree(app)


# --- "No reply needed" -------------------------------------------------------------------------


def test_the_candidate_closes_the_thread_and_a_new_question_reopens_it(app, people):
    ids, emails = people["ids"], people["emails"]
    alice = _client(app, emails["candidate_a"])
    rita = _client(app, emails["recruiter_a"])
    recruiter_page = f"/recruiter/candidates/{ids['candidate_a']}/questions"

    _ask(alice, "Where do I park?")
    _ask(alice, "Never mind, I found the map in the welcome pack")
    assert _summary(app, ids["candidate_a"]).unanswered == 2
    page = _page(alice, "/candidate/questions")
    assert "Mark “no reply needed”" in page

    closed = _close(alice, "/candidate/questions", "/candidate/questions/close")
    assert closed.status_code == 302
    page = _page(alice, "/candidate/questions")
    assert "Marked “no reply needed” by you" in page
    assert "Nothing in this conversation is waiting for an answer" in page
    assert "Mark “no reply needed”" not in page and "We promise an answer" not in page
    assert "Marked “no reply needed” by Alice Candidate" in _page(rita, recruiter_page)
    summary = _summary(app, ids["candidate_a"])
    assert (summary.unanswered, summary.waiting_since) == (0, None)
    assert "unanswered_question" not in _reason_codes(app, ids["candidate_a"], _later(app))
    _summaries_agree(app)
    with app.app_context():
        (closure,) = db.session.scalars(select(ThreadClosure)).all()
        assert closure.closed_by_id == ids["candidate_a"] and closure.closed_at is not None
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "thread.closed")
        ).one()
        assert (entry.actor_id, entry.target_user_id) == (ids["candidate_a"], ids["candidate_a"])

    # Undo: both messages wait again.
    undone = post_form(alice, "/candidate/questions/reopen", {}, form_url="/candidate/questions")
    assert undone.status_code == 302
    assert _summary(app, ids["candidate_a"]).unanswered == 2
    assert "Marked “no reply needed”" not in _page(alice, "/candidate/questions")
    _summaries_agree(app)

    # Closed again, then a new question: only the new one waits, and the mark is history.
    _close(alice, "/candidate/questions", "/candidate/questions/close")
    assert _summary(app, ids["candidate_a"]).unanswered == 0
    _ask(alice, "Actually, is the car park free?")
    summary = _summary(app, ids["candidate_a"])
    with app.app_context():
        newest = db.session.scalars(select(Message).order_by(Message.id.desc())).first()
    assert (summary.unanswered, summary.first_waiting_id) == (1, newest.id)
    page = _page(rita, recruiter_page)
    assert "Marked “no reply needed”" not in page and "Answer promised by" in page
    _summaries_agree(app)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("thread.%"))
        ).all()
    assert sorted(actions) == ["thread.closed", "thread.closed", "thread.reopened"]


def test_the_recruiter_closes_the_thread(app, people):
    ids, emails = people["ids"], people["emails"]
    alice = _client(app, emails["candidate_a"])
    rita = _client(app, emails["recruiter_a"])
    page_path = f"/recruiter/candidates/{ids['candidate_a']}/questions"
    _ask(alice, "Just letting you know my new phone number is in my profile")

    assert _close(rita, page_path, f"{page_path}/close").status_code == 302
    assert "Marked “no reply needed” by you" in _page(rita, page_path)
    candidate_page = _page(alice, "/candidate/questions")
    assert "Marked “no reply needed” by Rita Recruiter, recruiter" in candidate_page
    assert _summary(app, ids["candidate_a"]).unanswered == 0
    inbox = _page(rita, "/recruiter/inbox")
    # The inbox lists only what waits for an answer.
    assert "data-candidate-id" not in inbox and "Nothing is waiting for an answer" in inbox
    _summaries_agree(app)


def test_a_question_sent_while_the_closer_read_keeps_waiting(app, people):
    ids, emails = people["ids"], people["emails"]
    alice = _client(app, emails["candidate_a"])
    rita = _client(app, emails["recruiter_a"])
    page_path = f"/recruiter/candidates/{ids['candidate_a']}/questions"
    _ask(alice, "Hello, just saying hi")
    stale = _page(rita, page_path)  # Rita reads; Alice asks meanwhile
    _ask(alice, "When do I get my laptop?")
    through = re.search(r'name="through"[^>]*value="(\d+)"', stale).group(1)
    post_form(rita, f"{page_path}/close", {"through": through}, form_url=page_path)

    summary = _summary(app, ids["candidate_a"])
    assert summary.unanswered == 1
    assert "Answer promised by" in _page(rita, page_path)
    _summaries_agree(app)


def test_a_thread_with_nothing_waiting_is_not_closed(app, people):
    ids, emails = people["ids"], people["emails"]
    alice = _client(app, emails["candidate_a"])
    rita = _client(app, emails["recruiter_a"])
    page_path = f"/recruiter/candidates/{ids['candidate_a']}/questions"
    _ask(alice, "Where do I park?")
    _write(rita, page_path, "Building B.")
    assert "Mark “no reply needed”" not in _page(alice, "/candidate/questions")
    refused = post_form(alice, "/candidate/questions/close", {"through": "1"})
    assert refused.status_code == 302
    page = alice.get("/candidate/questions").get_data(as_text=True)
    assert "Nothing in this conversation is waiting for a reply." in page
    bogus = post_form(alice, "/candidate/questions/close", {"through": "not a number"})
    assert bogus.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ThreadClosure)).all() == []


# --- Backup recruiter and HR -------------------------------------------------------------------


def _candidate_form(app, candidate_id: int, **changes: str) -> dict[str, str]:
    with app.app_context():
        profile = db.session.get(CandidateProfile, candidate_id)
        form = {
            "name": profile.user.name,
            "email": profile.user.email,
            "time_zone": profile.user.time_zone,
            "job_title": profile.job_title,
            "department": profile.department,
            "location": profile.location,
            "joining_date": profile.joining_date.isoformat(),
            "joining_time": profile.joining_time.strftime("%H:%M"),
            "joining_time_zone": profile.joining_time_zone,
            "reception_instructions": profile.reception_instructions,
            "recruiter_id": str(profile.recruiter_id),
        }
    return {**form, **changes}


def _set_backup(app, hr, candidate_id: int, backup_id: int):
    path = f"/hr/people/{candidate_id}/edit"
    return post_form(
        hr, path, _candidate_form(app, candidate_id, backup_recruiter_id=str(backup_id))
    )


def _error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return found.group(1)


def test_hr_names_a_backup_recruiter_with_errors_beside_the_field(app, people):
    ids, emails = people["ids"], people["emails"]
    hr = _client(app, emails["hr"])
    same = _set_backup(app, hr, ids["candidate_a"], ids["recruiter_a"])
    assert same.status_code == 422
    assert "choose someone else" in _error_beside(
        same.get_data(as_text=True), "backup_recruiter_id"
    )
    not_a_recruiter = _set_backup(app, hr, ids["candidate_a"], ids["hr"])
    assert not_a_recruiter.status_code == 422
    assert "from the list" in _error_beside(
        not_a_recruiter.get_data(as_text=True), "backup_recruiter_id"
    )
    with app.app_context():
        assert db.session.get(CandidateProfile, ids["candidate_a"]).backup_recruiter_id is None

    assert _set_backup(app, hr, ids["candidate_a"], ids["recruiter_b"]).status_code == 302
    with app.app_context():
        assert (
            db.session.get(CandidateProfile, ids["candidate_a"]).backup_recruiter_id
            == ids["recruiter_b"]
        )
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.field == "backup_recruiter_id")
        ).one()
        assert entry.new_value == str(ids["recruiter_b"])
    edit = _page(hr, f"/hr/people/{ids['candidate_a']}/edit")
    assert re.search(rf'<option selected value="{ids["recruiter_b"]}">Bob Recruiter', edit)
    # Made the recruiter, the backup is nobody's backup any more.
    post_form(
        hr,
        f"/hr/people/{ids['candidate_a']}/recruiter",
        {"recruiter_id": str(ids["recruiter_b"])},
        form_url=f"/hr/people/{ids['candidate_a']}/questions",
    )
    with app.app_context():
        profile = db.session.get(CandidateProfile, ids["candidate_a"])
        assert (profile.recruiter_id, profile.backup_recruiter_id) == (ids["recruiter_b"], None)


def test_the_backup_answers_and_the_candidate_sees_who(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url, ANSWER_BATCH_MINUTES=0)
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Sam Lee")
        ana = make_staff(Role.RECRUITER, "ana@example.com", "Ana Ruiz")
        bo = make_staff(Role.RECRUITER, "bo@example.com", "Bo Chen")
        make_staff(Role.RECRUITER, "cy@example.com", "Cy Stranger")
        alice = make_candidate("alice@example.com", ana, name="Alice Martin")
        ids = {"candidate": alice.id, "bo": bo.id, "hr": hr.id}
    hr_client = _client(app, "hr@example.com")
    assert _set_backup(app, hr_client, ids["candidate"], ids["bo"]).status_code == 302
    alice_client = _client(app, "alice@example.com")
    bo_client = _client(app, "bo@example.com")
    stranger = _client(app, "cy@example.com")
    thread_path = f"/recruiter/candidates/{ids['candidate']}/questions"

    _ask(alice_client, "Can I start at 10 on my first day?")
    smtp_server.wait_for(1)  # Ana is told, as before
    inbox = _page(bo_client, "/recruiter/inbox")
    assert "Alice Martin" in inbox and "covering for Ana Ruiz" in inbox
    page = _page(bo_client, thread_path)
    assert "You are Alice's backup recruiter, covering for Ana Ruiz." in page
    assert f'/recruiter/candidates/{ids["candidate"]}"' not in page  # her details: not Bo's
    assert bo_client.get(f"/recruiter/candidates/{ids['candidate']}").status_code == 404
    # A recruiter who is neither the recruiter nor the backup: 404, as before.
    assert stranger.get(thread_path).status_code == 404
    assert stranger.get("/recruiter/inbox").get_data(as_text=True).count("Alice Martin") == 0
    refused = post_form(
        stranger,
        thread_path,
        {"body": "Hi", "client_key": uuid.uuid4().hex},
        form_url="/recruiter/inbox",
    )
    assert refused.status_code == 404

    assert _write(bo_client, thread_path, "Yes, 10 is fine.").status_code == 302
    assert _summary(app, ids["candidate"]).unanswered == 0
    _summaries_agree(app)
    candidate_page = _page(alice_client, "/candidate/questions")
    assert "Bo Chen, covering for Ana Ruiz" in candidate_page
    assert "Only you, Ana, Bo Chen (who answers when Ana is away) and our HR team" in (
        candidate_page
    )
    assert "You, covering for Ana Ruiz" in _page(bo_client, thread_path)
    with app.app_context():
        mail_jobs.deliver()  # sent already, unless the mail server was slow
    (email,) = [m for m in smtp_server.wait_for(2) if m["To"] == "alice@example.com"]
    assert email["Subject"] == "Bo Chen answered your question"
    assert "Bo Chen (covering for Ana Ruiz) has answered you" in text_body(email)


def test_hr_answers_an_overdue_question(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url, ANSWER_BATCH_MINUTES=0)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Sam Lee")
        ana = make_staff(Role.RECRUITER, "ana@example.com", "Ana Ruiz")
        alice = make_candidate("alice@example.com", ana, name="Alice Martin")
        candidate_id = alice.id
    alice_client = _client(app, "alice@example.com")
    ana_client = _client(app, "ana@example.com")
    hr = _client(app, "hr@example.com")
    _ask(alice_client, "Is there a dress code?")
    smtp_server.wait_for(1)

    app.config["PORTAL_CLOCK"] = later = _later(app)
    hr_path = f"/hr/people/{candidate_id}/questions"
    page = _page(hr, hr_path)
    assert "Overdue: the answer was promised by" in page and "Answer as HR" in page
    assert "unanswered_question" in _reason_codes(app, candidate_id, later)

    assert _write(hr, hr_path, "Smart casual. Ana is away this week.").status_code == 302
    summary = _summary(app, candidate_id)
    assert (summary.unanswered, summary.waiting_since) == (0, None)
    assert "unanswered_question" not in _reason_codes(app, candidate_id, later)
    _summaries_agree(app)
    assert "Sam Lee, HR" in _page(alice_client, "/candidate/questions")
    assert "Sam Lee, HR" in _page(ana_client, f"/recruiter/candidates/{candidate_id}/questions")
    assert "Overdue" not in _page(hr, hr_path)
    with app.app_context():
        mail_jobs.deliver()  # sent already, unless the mail server was slow
    (email,) = [m for m in smtp_server.wait_for(2) if m["To"] == "alice@example.com"]
    assert "Sam Lee (HR) has answered you" in text_body(email)


def test_the_summaries_agree_over_random_closures_and_thanks(app_ctx):
    """Random questions, thanks, answers by every kind of answerer, closures and undos: the
    incremental summaries equal a rebuild at the end."""
    rng = random.Random(12)
    hr = make_staff(Role.HR, "hr@example.com")
    recruiters = [make_staff(Role.RECRUITER, f"rec{n}@example.com") for n in range(3)]
    candidates = [make_candidate(f"c{n}@example.com", recruiters[n % 2]) for n in range(5)]
    for candidate in candidates:
        candidate.candidate_profile.backup_recruiter_id = recruiters[2].id
    db.session.commit()
    texts = ["Where do I park?", "thanks!", "ok 👍", "Thanks? really?", "Great, thank you"]
    for _ in range(150):
        candidate = rng.choice(candidates)
        step = rng.random()
        if step < 0.45:
            threads.post(candidate, candidate, rng.choice(texts), None)
        elif step < 0.7:
            author = rng.choice([candidate.candidate_profile.recruiter, recruiters[2], hr])
            threads.post(candidate, author, "An answer", None)
        elif step < 0.85:
            last = db.session.scalar(
                select(Message.id)
                .where(Message.candidate_id == candidate.id)
                .order_by(Message.id.desc())
            )
            with contextlib.suppress(closures.ClosureError):  # nothing waiting: refused
                closures.close(candidate, rng.choice([candidate, hr]), last or 0)
        else:
            with contextlib.suppress(closures.ClosureError):  # no closure standing
                closures.reopen(candidate, candidate)
        if rng.random() < 0.4:
            db.session.commit()
    db.session.commit()
    rows = db.session.scalars(select(CandidateSummary)).all()
    assert any(row.unanswered for row in rows)
    assert db.session.scalars(select(ThreadClosure)).first() is not None
    db.session.rollback()  # end this reading transaction: the check takes its own
    _summaries_agree(app_ctx)
