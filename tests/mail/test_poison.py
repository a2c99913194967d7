"""One bad message never silences the portal (issue 13, class 1).

Names holding line or paragraph separators (as rows written before names were cleaned at input
may), a message that cannot be built at all, and one the mail server refuses for good: the
real worker (`flask --app portal worker --once`) against a real SMTP server on loopback sends
everything it can, parks what it cannot with its reason for HR, and later mail still arrives.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.extensions import db
from portal.mail import jobs as mail_jobs
from portal.mail import notifications
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import Role
from tests import support

# Every character that ends a line somewhere (str.splitlines), and the header injection classic.
SEPARATORS = [
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\r\n",
    "\n",
    "\x1c",
    "\r\nBcc: x@evil.example",
]
REFUSED = "nobody@example.com"


class RefusingCatcher(support.MailCatcher):
    """The loopback SMTP server, answering 550 for one recipient as a real one would."""

    async def handle_RCPT(self, _server, _session, envelope, address, _options):  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_smtp():
    from aiosmtpd.controller import Controller

    catcher = RefusingCatcher(port=support.free_port())
    controller = Controller(catcher, hostname=catcher.host, port=catcher.port)
    controller.start()
    yield catcher
    controller.stop()


def _status(email_id: int) -> OutgoingEmail:
    db.session.expire_all()
    email = db.session.get(OutgoingEmail, email_id)
    assert email is not None
    return email


def _queue_staff_mail(to: str, subject: str) -> int:
    email = notifications.queue(
        to=to,
        kind="test",
        template="accounts/email/password_reset",
        subject=subject,
        link="http://portal.test/password/reset/x",
        valid_hours=2,
    )
    return email.id


def test_bad_names_bad_messages_and_refusals_never_block_later_mail(make_app, refusing_smtp):
    app = make_app(SMTP_URL=refusing_smtp.url)
    runner = app.test_cli_runner()
    with app.app_context():
        recruiter = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        candidates = [
            support.make_candidate(f"c{n}@example.com", recruiter, name=f"Ana{sep}Silva {n}")
            for n, sep in enumerate(SEPARATORS)
        ]
        db.session.commit()
        emails = [c.email for c in candidates]

    # Each candidate asks a question: the page answers (no 500), the recruiter gets an email.
    for address in emails:
        client = app.test_client()
        assert support.sign_in(client, address).status_code == 302
        asked = support.post_form(
            client,
            "/candidate/questions",
            {"body": "When do I get my laptop?", "client_key": uuid.uuid4().hex},
        )
        assert asked.status_code == 302, asked.get_data(as_text=True)[:300]

    with app.app_context():
        # Rows no form would write today: an address that is no address, and one the server
        # refuses; then ordinary mail queued after them.
        unbuildable = _queue_staff_mail("not an address\n@example.com", "Broken")
        db.session.get(OutgoingEmail, unbuildable).to_address = "ana@exa mple..com\r\nBcc: x"
        refused = _queue_staff_mail(REFUSED, "To nobody")
        later = [_queue_staff_mail(f"later{n}@example.com", f"Later {n}") for n in range(3)]
        db.session.commit()

    result = runner.invoke(args=["worker", "--once"])
    assert "Traceback" not in result.output

    arrived = refusing_smtp.wait_for(len(SEPARATORS) + 3)
    subjects = [m["Subject"] for m in arrived]
    for n, sep in enumerate(SEPARATORS):
        # One clean line, the name's separator turned into a space, no header added.
        name = " ".join(f"Ana{sep}Silva {n}".split())
        assert f"New question from {name}" in subjects, subjects
    assert all("\n" not in s and "\r" not in s for s in subjects)
    assert not any(m["Bcc"] for m in arrived)
    assert {m["To"] for m in arrived} >= {f"later{n}@example.com" for n in range(3)}

    with app.app_context():
        broken = _status(unbuildable)
        assert broken.status == EmailStatus.FAILED
        assert broken.last_error.startswith("The message could not be built")
        nobody = _status(refused)
        assert nobody.status == EmailStatus.FAILED
        assert "550" in nobody.last_error and "refused the recipient" in nobody.last_error
        assert all(_status(i).status == EmailStatus.SENT for i in later)
        stuck = db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.PENDING)
        ).all()
        assert stuck == []
        hr = support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        db.session.commit()
        hr_email = hr.email

    # HR sees both with their reasons, and only HR does.
    hr_client = app.test_client()
    assert support.sign_in(hr_client, hr_email).status_code == 302
    page = hr_client.get("/hr/mail/parked").get_data(as_text=True)
    assert REFUSED in page and "550 5.1.1 No such user here" in page
    assert "The message could not be built" in page
    recruiter_client = app.test_client()
    assert support.sign_in(recruiter_client, "rita@example.com").status_code == 302
    assert recruiter_client.get("/hr/mail/parked").status_code == 404

    # Sent again, it is tried on the next pass (and parked again: the server still refuses);
    # discarded, it is gone. Both land in the audit log.
    again = support.post_form(
        hr_client, f"/hr/mail/parked/{refused}/send-again", {}, form_url="/hr/mail/parked"
    )
    assert again.status_code == 302
    with app.app_context():
        assert _status(refused).status == EmailStatus.PENDING
        mail_jobs.deliver(now=clock.now() + timedelta(minutes=1))
        assert _status(refused).status == EmailStatus.FAILED
    gone = support.post_form(
        hr_client,
        f"/hr/mail/parked/{unbuildable}/discard",
        {"confirmed": "1"},
        form_url="/hr/mail/parked",
    )
    assert gone.status_code == 302
    with app.app_context():
        assert db.session.get(OutgoingEmail, unbuildable) is None
    log = hr_client.get("/hr/audit").get_data(as_text=True)
    assert "To nobody" in log and "Broken" in log


def test_a_down_server_keeps_mail_queued_then_parks_it_after_the_last_try(make_app):
    closed = f"smtp://127.0.0.1:{support.free_port()}"  # nothing listens there
    app = make_app(SMTP_URL=closed, MAIL_MAX_ATTEMPTS=3, SMTP_TIMEOUT_SECONDS=2)
    with app.app_context():
        email_id = _queue_staff_mail("someone@example.com", "Hello")
        db.session.commit()
        now = clock.now()
        for attempt in (1, 2):
            mail_jobs.deliver(now=now)
            row = _status(email_id)
            # Passing trouble: still queued, the error kept, tried again later.
            assert (row.status, row.attempts) == (EmailStatus.PENDING, attempt)
            assert "could not be reached" in row.last_error
            assert row.next_attempt_at > now
            now = row.next_attempt_at
        mail_jobs.deliver(now=now)
        row = _status(email_id)
        assert row.status == EmailStatus.FAILED
        assert row.last_error.startswith("Tried 3 times")


def test_the_unsent_mail_page_stays_flat_with_a_thousand_parked(make_app):
    """Keyset pages of 50: the same SQL count and about the same weight at 60 and 1,060."""
    app = make_app()
    with app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")

    def park(count: int) -> None:
        with app.app_context():
            db.session.add_all(
                OutgoingEmail(
                    to_address=f"cand{n}@example.com",
                    kind="invitation",
                    subject=f"Welcome, candidate {n}",
                    status=EmailStatus.FAILED,
                    last_error="The mail server refused the recipient: 550 no such user",
                )
                for n in range(count)
            )
            db.session.commit()

    hr = app.test_client()
    assert support.sign_in(hr, "helen@example.com").status_code == 302
    park(60)
    small_sql, small_page = support.run_counted(app, hr, "/hr/mail/parked")
    park(1000)
    large_sql, large_page = support.run_counted(app, hr, "/hr/mail/parked")
    assert len(large_sql) == len(small_sql)
    assert large_page.count("<tr>") == 51  # the head row and one page
    assert len(large_page) < 1.1 * len(small_page) and len(large_page) < 150_000
    assert "1060 messages parked" in large_page
