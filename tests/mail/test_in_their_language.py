"""Every email in its recipient's language, whoever's page caused it: a German candidate's
answer email arrives in German (subject, both parts, the layout), while the English recruiter
their German question reaches reads it in English; a German recruiter's digest says the
status reasons in German, worded from the facts the status change kept. Over the real SMTP
server on loopback, through the real pages, the worker's jobs and the queue."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.core.extensions import db
from portal.core.i18n import in_language
from portal.engagement import digests, status_changes
from portal.mail import jobs as mail_jobs
from portal.mail import reasons
from portal.people.models import Role
from tests.mail.test_email_look import LINK, parts, read_html, words
from tests.support import make_candidate, make_staff, post_form, sign_in, text_body


def _in_german(user) -> None:
    user.language = "de"
    db.session.commit()


def test_a_german_candidate_reads_the_answer_email_in_german(make_app, smtp_server):
    morning = datetime.combine(date.today(), time(10, 30), tzinfo=ZoneInfo("Europe/Paris"))
    app = make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=morning)
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        greta = make_candidate("greta@example.com", rita, name="Greta Weber")
        _in_german(greta)
        greta_id = greta.id
    greta_browser, rita_browser = app.test_client(), app.test_client()
    sign_in(greta_browser, "greta@example.com")
    sign_in(rita_browser, "rita@example.com")

    # Greta asks from her German pages: Rita, who reads English, is told in English.
    asked = post_form(
        greta_browser,
        "/candidate/questions",
        {"body": "Wo parke ich am ersten Tag?", "client_key": uuid.uuid4().hex},
    )
    assert asked.status_code == 302
    assert "Ihre Frage wurde gesendet." in greta_browser.get("/candidate/questions").get_data(
        as_text=True
    )
    (to_rita,) = smtp_server.wait_for(1)
    assert to_rita["Subject"] == "New question from Greta Weber"
    assert "Greta Weber has asked a question:" in text_body(to_rita)
    assert '<html lang="en">' in parts(to_rita)[1]

    answered = post_form(
        rita_browser,
        f"/recruiter/candidates/{greta_id}/questions",
        {"body": "Im Parkhaus B.", "client_key": uuid.uuid4().hex},
    )
    assert answered.status_code == 302
    app.config["PORTAL_CLOCK"] = morning + timedelta(minutes=app.config["ANSWER_BATCH_MINUTES"])
    with app.app_context():
        assert mail_jobs.deliver() == 1
    to_greta = smtp_server.wait_for(2)[1]
    assert to_greta["To"] == "greta@example.com"
    assert to_greta["Subject"] == "Rita Recruiter hat Ihre Frage beantwortet"
    text, html = parts(to_greta)
    for said in (
        "Hallo Greta,",
        "Rita Recruiter (Ihre Recruiter:in) hat Ihnen geantwortet:",
        "Im Parkhaus B.",
        "Die ganze Unterhaltung lesen: http://portal.test/candidate/questions",
        "Antworten auf Ihre Fragen erhalten Sie immer per E-Mail",
        "Gesendet von Ihrem Pre-Boarding-Portal.",
    ):
        assert said in text, said
    assert '<html lang="de">' in html
    seen = " ".join(read_html(html).text)
    assert "Die ganze Unterhaltung lesen" in seen
    assert "Wählen Sie, welche anderen E-Mails Sie erhalten" in seen
    for english in ("Hello", "has answered you", "Read the whole conversation", "Sent by"):
        assert english not in text and english not in seen, english
    # The two parts still say the same words (links aside).
    said = words(LINK.sub(" ", text))
    assert words(seen) == said, words(seen) ^ said


def test_a_german_recruiters_digest_says_the_reasons_in_german(make_app, smtp_server):
    now = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    app = make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=now)
    with app.app_context():
        paula = make_staff(Role.RECRUITER, "paula@example.com", "Paula Roux", zone="Europe/Paris")
        _in_german(paula)
        alice = make_candidate(
            "alice@example.com", paula, name="Alice Martin", joining_date=date(2026, 5, 4)
        )
        checked = now - timedelta(minutes=1)
        alice.created_at = alice.last_sign_in_at = checked - timedelta(days=9)
        db.session.commit()
        # The worker notices Alice has gone quiet: the event keeps the reasons' facts.
        assert status_changes.evaluate(checked) == 1
        db.session.commit()
        assert digests.send_due(now) == 1
        db.session.commit()
        assert mail_jobs.deliver() == 1
    (digest,) = smtp_server.wait_for(1)
    assert digest["Subject"] == "Ihre Kandidat:innen heute: 1 Statusänderung"
    text = text_body(digest).replace("\r\n", "\n")
    assert "Alice Martin ist jetzt still (vorher aktiv)." in text, text
    assert "Warum: seit 9 Tagen nicht gesehen." in text, text
    assert "Alle Ihre Kandidat:innen ansehen: http://portal.test/recruiter/" in text


def test_hr_reads_why_mail_was_not_sent_in_their_language(app_ctx):
    """Reasons are stored in English (the mail page and the dev mailbox translate them)."""
    with_detail = reasons.failure(reasons.RECIPIENT_REFUSED, "550 no such user")
    assert with_detail == "The mail server refused the recipient: 550 no such user"
    given_up = reasons.tried(5, reasons.failure(reasons.UNREACHABLE, "OSError: refused"))
    with in_language("de"):
        assert reasons.reason_words(with_detail) == (
            "Der Mailserver hat die Empfänger:in abgelehnt: 550 no such user"
        )
        assert reasons.reason_words(given_up) == (
            "5 Versuche; beim letzten Mal: Der Mailserver war nicht erreichbar: OSError: refused"
        )
        assert reasons.reason_words(reasons.UNWANTED).startswith("Die Kandidat:in möchte")
        assert reasons.reason_words("Something an older version wrote.") == (
            "Something an older version wrote."
        )
        assert reasons.reason_words(None) == "Es wurde kein Grund festgehalten."
    assert reasons.reason_words(with_detail) == with_detail
