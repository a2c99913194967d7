"""The one way mail leaves the portal.

Callers queue a message in their own transaction (so it is never lost when the change commits,
and never sent when it does not); `deliver` then hands queued messages to the transport and
records the outcome. A failed delivery stays pending with its error and is retried later by
`flask --app portal mail send`.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import EmailAttachment, EmailStatus, OutgoingEmail, User, utcnow
from portal.services.mailer import ConsoleTransport, SmtpTransport, build_message

log = logging.getLogger("portal.mail")

RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)


def queue(
    *,
    to: User | str,
    kind: str,
    template: str,
    subject: str,
    attachments: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    about: str | None = None,
    **context: object,
) -> OutgoingEmail:
    """Render `templates/email/<template>.txt` and `.html` and queue the message.

    `attachments` are (filename, content type, text content) triples.
    """
    address = to.email if isinstance(to, User) else to
    context = {"recipient": to if isinstance(to, User) else None, **context}
    email = OutgoingEmail(
        to_address=address,
        to_user_id=to.id if isinstance(to, User) else None,
        kind=kind,
        about=about,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
    )
    email.attachments = [
        EmailAttachment(filename=name, content_type=content_type, content=content)
        for name, content_type, content in attachments
    ]
    db.session.add(email)
    db.session.flush()
    return email


def _transport() -> SmtpTransport | ConsoleTransport | None:
    url = current_app.config.get("SMTP_URL")
    if url:
        return SmtpTransport(url, timeout=current_app.config["SMTP_TIMEOUT_SECONDS"])
    if current_app.config.get("DEV_MAILBOX"):
        return ConsoleTransport()
    return None


def _retry_delay(attempts: int) -> timedelta:
    return min(RETRY_CAP, RETRY_BASE * (2 ** max(0, attempts - 1)))


def deliver(email_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Send the given queued messages (or every due one) and commit each outcome.

    Returns how many were sent. Call it outside any unit of work you still want to roll back.
    """
    now = now or utcnow()
    transport = _transport()
    if transport is None:
        log.warning("SMTP_URL is not set: outgoing email stays queued until it is.")
        return 0
    query = select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.PENDING)
    if email_ids is None:
        query = query.where(OutgoingEmail.next_attempt_at <= now)
    else:
        query = query.where(OutgoingEmail.id.in_(list(email_ids)))
    sent = 0
    keep_bodies = bool(current_app.config.get("DEV_MAILBOX"))
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    query = query.options(selectinload(OutgoingEmail.attachments)).order_by(OutgoingEmail.id)
    for email in db.session.scalars(query).all():
        message = build_message(
            sender=current_app.config["MAIL_FROM"],
            to=email.to_address,
            subject=email.subject,
            text=email.body_text or "",
            html=email.body_html,
            domain=domain,
            attachments=[(a.filename, a.content_type, a.content) for a in email.attachments],
        )
        email.attempts += 1
        try:
            transport.send(message)
        except (OSError, smtplib.SMTPException) as error:
            email.last_error = f"{type(error).__name__}: {error}"[:1000]
            email.next_attempt_at = now + _retry_delay(email.attempts)
            log.warning("Email %s to %s not sent: %s", email.id, email.to_address, error)
        else:
            email.status = EmailStatus.SENT
            email.sent_at = utcnow()
            email.last_error = None
            if not keep_bodies:
                # Bodies may hold single-use links: keep nothing a database leak could replay.
                email.body_text = email.body_html = None
                email.attachments = []
            sent += 1
        db.session.commit()
    return sent


def withdraw(about: str) -> None:
    """Drop queued mail about something that no longer exists, and erase any kept copies."""
    db.session.execute(
        delete(OutgoingEmail).where(
            OutgoingEmail.about == about, OutgoingEmail.status == EmailStatus.PENDING
        )
    )
    db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.about == about)
        .values(body_text=None, body_html=None)
    )
