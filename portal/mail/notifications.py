"""The one way mail leaves the portal.

Callers queue a message in their own transaction (so it is never lost when the change commits,
and never sent when it does not); `deliver` then hands due messages to the transport and
records the outcome. A failed delivery stays pending with its error and is retried later, with
backoff, by the worker (or `flask --app portal mail send`).

Mail to candidates is paced at delivery time by the rules in `portal.mail.cadence` (quiet
hours in their zone, a weekly cap, answers batched, their own mail preference): a message that
may not go yet simply stays pending until the moment it may.

Several deliverers at once (workers, and views delivering what they have just queued) never
send a message twice. Each message is first CLAIMED in one short transaction: locked (FOR UPDATE
SKIP LOCKED on PostgreSQL; on SQLite every such transaction begins IMMEDIATE, so they run one
at a time), its attempt counted, its next attempt pushed to now + WORKER_LEASE_SECONDS, and the
transaction committed. Only then is it sent, outside any transaction, and the outcome recorded.
A claimed message is nobody else's until its lease runs out, which is also how a deliverer that
died mid-send hands its messages on.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from portal.core import clock
from portal.core.extensions import db
from portal.core.links import absolute_url
from portal.mail import cadence
from portal.mail.cadence import Category
from portal.mail.models import EmailAttachment, EmailStatus, OutgoingEmail
from portal.mail.transport import ConsoleTransport, SmtpTransport, build_message
from portal.people.models import User

log = logging.getLogger("portal.mail")

RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
FROM_KIND: Final[Any] = object()  # queue(category=...) default: the category follows the kind


def queue(
    *,
    to: User | str,
    kind: str,
    template: str,
    subject: str,
    attachments: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    about: str | None = None,
    category: str | None = FROM_KIND,
    **context: object,
) -> OutgoingEmail:
    """Render `templates/<template>.txt` and `.html` (e.g. "accounts/email/invitation") and queue.

    `attachments` are (filename, content type, text content) triples. `category` says how the
    cadence rules treat mail to a candidate (cadence.Category); by default it follows `kind`,
    and it is None for staff. An answer joins the candidate's answer email that is still
    waiting, if there is one: that message is rendered again with this context and returned.
    """
    recipient = to if isinstance(to, User) else None
    if category is FROM_KIND:
        category = cadence.category_for(recipient, kind)
    context = {"recipient": recipient, **context}
    body_text = render_template(f"{template}.txt", **context)
    body_html = render_template(f"{template}.html", **context)
    now = clock.now()
    email = None
    if category == Category.ANSWER and recipient is not None:
        email = _waiting_answers(recipient, kind)
    if email is None:
        rules = cadence.Rules.from_config(current_app.config)
        wait = rules.batch if category == Category.ANSWER else timedelta(0)
        email = OutgoingEmail(
            to_address=recipient.email if recipient is not None else str(to),
            to_user_id=recipient.id if recipient is not None else None,
            kind=kind,
            category=category,
            created_at=now,
            next_attempt_at=now + wait,
        )
        db.session.add(email)
    email.about = about
    email.subject = subject
    email.body_text = body_text
    email.body_html = body_html
    email.attachments = [
        EmailAttachment(filename=name, content_type=content_type, content=content)
        for name, content_type, content in attachments
    ]
    db.session.flush()
    return email


def _waiting_answers(recipient: User, kind: str) -> OutgoingEmail | None:
    """The candidate's answer email that nobody has tried to send yet, to join; None if none.

    One being claimed right now by a deliverer (locked) is passed over, never waited for."""
    return db.session.scalar(
        select(OutgoingEmail)
        .where(
            OutgoingEmail.to_user_id == recipient.id,
            OutgoingEmail.kind == kind,
            OutgoingEmail.category == Category.ANSWER,
            OutgoingEmail.status == EmailStatus.PENDING,
            OutgoingEmail.attempts == 0,
        )
        .order_by(OutgoingEmail.id.desc())
        .limit(1)
        .with_for_update(skip_locked=True)
    )


_warned: set[str] = set()


def _warn_once(text: str) -> None:
    """Log a configuration problem once per process, not on every pass of the worker."""
    if text not in _warned:
        _warned.add(text)
        log.warning(text)


def _transport() -> SmtpTransport | ConsoleTransport | None:
    url = current_app.config.get("SMTP_URL")
    if url:
        return SmtpTransport(url, timeout=current_app.config["SMTP_TIMEOUT_SECONDS"])
    if current_app.config.get("DEV_MAILBOX"):
        return ConsoleTransport()
    return None


def _retry_delay(attempts: int) -> timedelta:
    return min(RETRY_CAP, RETRY_BASE * (2 ** max(0, attempts - 1)))


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])


def _batch_size() -> int:
    # Every message of a claimed batch must be sent before the lease runs out, even when each
    # send waits for the SMTP timeout.
    timeout = max(1, int(current_app.config["SMTP_TIMEOUT_SECONDS"]))
    return max(1, int(_lease().total_seconds()) // (2 * timeout))


def deliver(email_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Send the given queued messages (or every due one) and commit each outcome.

    Mail to candidates goes only when the cadence rules allow; until then it stays pending (a
    view that delivers what it has just queued may therefore send nothing). `now` fixes the
    clock (the worker passes its own); by default it is `portal.clock.now()`. Returns how many
    were sent. It commits: call it outside any unit of work you still want to roll back.
    """
    transport = _transport()
    if transport is None:
        _warn_once("SMTP_URL is not set: outgoing email stays queued until it is.")
        return 0
    ids = None if email_ids is None else list(email_ids)
    if ids == []:
        return 0
    keep_bodies = bool(current_app.config.get("DEV_MAILBOX"))
    seen: set[int] = set()  # passed over (or, for named ones, tried) by this call
    sent = 0
    while True:
        claimed, handled = _claim(ids, now or clock.now(), seen)
        for email_id, message in claimed:
            try:
                transport.send(message)
            except (OSError, smtplib.SMTPException) as error:
                log.warning("Email %s to %s not sent: %s", email_id, message["To"], error)
                _record(email_id, f"{type(error).__name__}: {error}", now, keep_bodies)
            else:
                sent += _record(email_id, None, now, keep_bodies)
        if not handled:
            return sent


def _claim(
    ids: list[int] | None, now: datetime, seen: set[int]
) -> tuple[list[tuple[int, EmailMessage]], int]:
    """One claiming transaction: the due messages it may send now, built and claimed; the
    others held (next attempt pushed to when cadence allows) or dropped (an update no longer
    wanted). Returns the claimed messages and how many rows were handled in all."""
    query = select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.PENDING)
    if seen:
        query = query.where(OutgoingEmail.id.not_in(seen))
    if ids is None:
        query = query.where(OutgoingEmail.next_attempt_at <= now).order_by(
            OutgoingEmail.next_attempt_at, OutgoingEmail.id
        )
    else:
        # Named messages go now even if a retry was scheduled, but never one that another
        # deliverer has claimed (tried before, no error yet, lease still running).
        query = query.where(
            OutgoingEmail.id.in_(ids),
            or_(
                OutgoingEmail.next_attempt_at <= now,
                OutgoingEmail.attempts == 0,
                OutgoingEmail.last_error.is_not(None),
            ),
        ).order_by(OutgoingEmail.id)
    query = (
        query.limit(_batch_size())
        .options(selectinload(OutgoingEmail.attachments))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    rules = cadence.Rules.from_config(current_app.config)
    lease = _lease()
    claimed: list[tuple[int, EmailMessage]] = []
    handled = 0
    try:
        rows = db.session.scalars(query).all()
        paced = {
            row.id
            for row in rows
            if row.category not in (None, Category.ACCOUNT) and row.to_user_id is not None
        }
        users = cadence.lock_candidates(
            {row.to_user_id for row in rows if row.id in paced}, skip_locked=True
        )
        ledger = cadence.Ledger.load(set(users), now)
        for email in rows:
            if ids is not None:
                seen.add(email.id)  # once per call, whatever happens (a failure stays due)
            if email.id in paced:
                user = users.get(email.to_user_id)
                if user is None:  # another deliverer is deciding about this candidate
                    seen.add(email.id)
                    continue
                if not cadence.wanted(email, user):
                    db.session.delete(email)
                    handled += 1
                    continue
                hold = cadence.hold_until(email, user, ledger, rules, lease)
                if hold is not None:
                    email.next_attempt_at = hold
                    handled += 1
                    continue
            email.attempts += 1
            email.last_error = None
            email.next_attempt_at = now + lease
            ledger.admit(email)
            claimed.append((email.id, _message(email, now)))
            handled += 1
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return claimed, handled


def _message(email: OutgoingEmail, now: datetime) -> EmailMessage:
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    message = build_message(
        sender=current_app.config["MAIL_FROM"],
        to=email.to_address,
        subject=email.subject,
        text=email.body_text or "",
        html=email.body_html,
        domain=domain,
        attachments=[(a.filename, a.content_type, a.content) for a in email.attachments],
    )
    message["Date"] = format_datetime(now)  # the portal's clock, which tests may fix
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    if email.category == Category.UPDATE:
        preferences = absolute_url("candidate.email_preferences")
        message["List-Unsubscribe"] = f"<{preferences}>"
    return message


def _record(email_id: int, error: str | None, now: datetime | None, keep_bodies: bool) -> int:
    """Write down how a send went (1 if it was sent), in a transaction of its own."""
    moment = now or clock.now()
    try:
        email = db.session.get(OutgoingEmail, email_id, populate_existing=True)
        if email is None:  # withdrawn while it was on its way: nothing left to record
            db.session.commit()
            return 0 if error else 1
        if error is not None:
            email.last_error = error[:1000]
            email.next_attempt_at = moment + _retry_delay(email.attempts)
        else:
            email.status = EmailStatus.SENT
            email.sent_at = moment
            email.last_error = None
            if not keep_bodies:
                # Bodies may hold single-use links: keep nothing a database leak could replay.
                email.body_text = email.body_html = None
                email.attachments = []
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return 0 if error else 1


def waiting_until(email_ids: Iterable[int]) -> datetime | None:
    """When the first of these messages will go, if the cadence rules are holding it back
    (pending, nothing failed); None once they are sent, or when sending them failed."""
    return db.session.scalar(
        select(OutgoingEmail.next_attempt_at)
        .where(
            OutgoingEmail.id.in_(list(email_ids)),
            OutgoingEmail.status == EmailStatus.PENDING,
            OutgoingEmail.last_error.is_(None),
        )
        .order_by(OutgoingEmail.next_attempt_at)
        .limit(1)
    )


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
