"""Mail decided at send time: every queued email is looked at again when the worker sends it
(portal.mail.rechecks), with a fixed clock, through the real worker, to a real SMTP server on
loopback. An answer the candidate read in the portal before the batch window ended is not
emailed; of two answers, the one read is left out; what is not sent is shown to HR with its
reason; and a recheck that fails parks that message only."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.mail import rechecks
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import Role, User
from portal.questions import answer_mail
from portal.questions import threads as questions
from portal.questions.models import Message
from portal.worker.loop import JOBS, Worker
from tests.support import make_candidate, make_staff, sign_in, text_body

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime.combine(date.today(), time(10, 30), tzinfo=PARIS)  # no quiet hours in the way
BATCH = timedelta(minutes=10)  # ANSWER_BATCH_MINUTES, the default
MAIL_ONLY = tuple(job for job in JOBS if job.name == "mail")


@pytest.fixture
def site(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=T0)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter", password=None)
        alice = make_candidate("alice@example.com", rita, name="Alice Martin")
        app.alice, app.rita = alice.id, rita.id
    return app


def _run_worker(app, moment: datetime) -> None:
    """One pass of the worker's mail job with the portal's clock at `moment`."""
    app.config["PORTAL_CLOCK"] = moment
    (outcome,) = Worker(app, MAIL_ONLY).run_pass()
    assert outcome.error is None, outcome.error


def _answer(app, text: str) -> int:
    """Rita answers Alice (the answer email is queued, or the waiting one brought up to date)."""
    with app.app_context():
        alice, rita = db.session.get(User, app.alice), db.session.get(User, app.rita)
        message = questions.post(alice, rita, text, None).message
        db.session.commit()
        return message.id


def _alice(app):
    client = app.test_client()
    assert sign_in(client, "alice@example.com").status_code == 302
    return client


def _answer_emails(app) -> list[OutgoingEmail]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutgoingEmail)
                .where(OutgoingEmail.kind == answer_mail.KIND)
                .order_by(OutgoingEmail.id)
            )
        )


def _hr_mail_page(app) -> str:
    client = app.test_client()
    assert sign_in(client, "hr@example.com").status_code == 302
    page = client.get("/hr/mail/parked")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_an_answer_read_in_the_portal_before_the_batch_ends_is_not_emailed(site, smtp_server):
    _answer(site, "Bring your passport on the first day.")
    site.config["PORTAL_CLOCK"] = T0 + timedelta(minutes=4)
    thread = _alice(site).get("/candidate/questions")  # she reads it in the portal
    assert "Bring your passport on the first day." in thread.get_data(as_text=True)

    _run_worker(site, T0 + BATCH + timedelta(minutes=1))

    assert smtp_server.to("alice@example.com") == []
    (email,) = _answer_emails(site)
    assert email.status == EmailStatus.DROPPED
    assert email.drop_reason == "The candidate read the answers in the portal before it was sent."
    assert email.body_text is None, "a dropped message keeps no copy of what it said"
    page = _hr_mail_page(site)
    dropped = page[page.index("Mail not sent on purpose") :]
    assert "Rita Recruiter answered your question" in dropped
    assert "to alice@example.com" in dropped
    assert "The candidate read the answers in the portal before it was sent." in dropped


def test_an_answer_not_read_in_time_is_emailed(site, smtp_server):
    _answer(site, "Bring your passport on the first day.")
    _run_worker(site, T0 + BATCH - timedelta(minutes=1))  # the batch window is still open
    assert smtp_server.messages == []

    _run_worker(site, T0 + BATCH + timedelta(minutes=1))

    (sent,) = smtp_server.wait_for(1)
    assert sent["To"] == "alice@example.com"
    assert sent["Subject"] == "Rita Recruiter answered your question"
    assert "Bring your passport on the first day." in text_body(sent)
    (email,) = _answer_emails(site)
    assert email.status == EmailStatus.SENT


def test_of_two_answers_only_the_unread_one_is_emailed(site, smtp_server):
    first = _answer(site, "Bring your passport on the first day.")
    site.config["PORTAL_CLOCK"] = T0 + timedelta(minutes=2)
    _answer(site, "And the signed contract, please.")
    (waiting,) = _answer_emails(site)
    assert waiting.subject == "Rita Recruiter answered you: 2 new answers"
    # Her page loaded before the second answer arrived: she has read the first one only.
    with site.app_context():
        questions.mark_read(site.alice, site.alice, first)
        db.session.commit()

    _run_worker(site, T0 + BATCH + timedelta(minutes=1))

    (sent,) = smtp_server.wait_for(1)
    assert sent["Subject"] == "Rita Recruiter answered your question"
    body = text_body(sent)
    assert "And the signed contract, please." in body
    assert "passport" not in body
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "signed contract" in html and "passport" not in html
    (email,) = _answer_emails(site)
    assert email.status == EmailStatus.SENT
    assert email.subject == "Rita Recruiter answered your question"


def test_an_answer_removed_after_its_email_was_claimed_is_not_sent_again(site, smtp_server):
    """The email was tried once (the server was down); by the retry its only answer is gone."""
    message_id = _answer(site, "Bring your passport on the first day.")
    site.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    site.config["PORTAL_CLOCK"] = T0 + BATCH + timedelta(minutes=1)
    Worker(site, MAIL_ONLY).run_pass()
    (email,) = _answer_emails(site)
    assert email.status == EmailStatus.PENDING and email.attempts == 1
    with site.app_context():  # not through answer_removed: as if the thread were emptied
        db.session.get(Message, message_id).removed_at = T0 + BATCH + timedelta(minutes=2)
        db.session.commit()
    site.config["SMTP_URL"] = smtp_server.url

    _run_worker(site, T0 + BATCH + timedelta(hours=1))

    assert smtp_server.messages == []
    (email,) = _answer_emails(site)
    assert email.status == EmailStatus.DROPPED
    assert email.drop_reason == "Every answer in it was removed before it was sent."


def test_a_recheck_that_fails_parks_only_its_own_message(site, smtp_server):
    def broken(email, now):
        raise LookupError("the facts could not be read")

    rechecks.register("question_asked", broken, site)
    with site.app_context():  # Alice asks (Rita is emailed), then Rita answers (Alice is)
        alice, rita = db.session.get(User, site.alice), db.session.get(User, site.rita)
        questions.post(alice, alice, "Where do I park on the first day?", None)
        questions.post(alice, rita, "Behind building B.", None)
        db.session.commit()

    _run_worker(site, T0 + BATCH + timedelta(minutes=1))

    (sent,) = smtp_server.wait_for(1)
    assert sent["To"] == "alice@example.com"
    assert "Behind building B." in text_body(sent)
    with site.app_context():
        parked = db.session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.kind == "question_asked")
        )
        assert parked.status == EmailStatus.FAILED
        assert parked.last_error == (
            "Checking the message before sending it failed: "
            "LookupError('the facts could not be read')"
        )
        subject = parked.subject
    page = _hr_mail_page(site)
    parked_part = page[: page.index("Mail not sent on purpose")]
    assert subject in parked_part
    assert "LookupError(&#39;the facts could not be read&#39;)" in parked_part


def test_rechecks_belong_to_their_app(site, make_app):
    """A recheck registered on one app never decides for another."""
    rechecks.register("staff_note", lambda email, now: rechecks.Drop("no"), site)
    other = make_app()
    with other.app_context():
        assert "staff_note" not in rechecks.registered()
        assert rechecks.verdict(OutgoingEmail(kind="staff_note"), T0) == rechecks.Send()
    with site.app_context():
        assert {"staff_note", answer_mail.KIND} <= rechecks.registered()


def test_an_update_the_candidate_no_longer_wants_is_dropped_with_its_reason(site, smtp_server):
    with site.app_context():
        alice = db.session.get(User, site.alice)
        alice.candidate_profile.mail_preference = "essentials"
        db.session.add(
            OutgoingEmail(
                to_address=alice.email,
                to_user_id=alice.id,
                kind="candidate_update",
                category="update",
                subject="What’s new",
                body_text="News",
                next_attempt_at=T0,
            )
        )
        db.session.commit()

    _run_worker(site, T0)

    assert smtp_server.messages == []
    page = _hr_mail_page(site)
    assert re.search(r"What’s new.*?to alice@example\.com", page, re.S)
    assert "The candidate no longer wants these emails" in page
