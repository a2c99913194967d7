"""Delivering queued mail, in three steps that only flush: claim, send, record.

Several deliverers at once (workers, and views delivering what they have just queued) never
send a message twice, because each step runs in a transaction of its own that the caller
commits at once (`portal.mail.jobs.deliver` is the loop that does so):

1. `claim`: due messages are locked (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite every such
   transaction begins IMMEDIATE, so they run one at a time), their attempt counted, their next
   attempt pushed to now + WORKER_LEASE_SECONDS and their messages built;
2. `send`: each claimed message goes to the transport, outside any transaction;
3. `record`: sent (bodies erased), or failed (the error kept, retried later with backoff).

A message that cannot go is parked (status FAILED, its reason in words) and never blocks the
others: one that cannot even be built (claim parks it at once), one the server refuses for good
(a 5xx answer), and one that has failed MAIL_MAX_ATTEMPTS times for reasons that looked passing
(the server down, a 4xx answer). HR sees parked mail and may send it again (`portal.mail.parking`).

A claimed message is nobody else's until its lease runs out, which is also how a deliverer that
died mid-send hands its messages on.

Mail to candidates is paced here, when it is claimed, by the rules in `portal.mail.cadence`
(quiet hours in their zone, a weekly cap, answers batched, their own mail preference): a message
that may not go yet is held (its next attempt pushed to the moment it may), and an update they
no longer want is dropped.

Mail is decided when it is sent: as it is claimed, its kind's recheck (`portal.mail.rechecks`)
looks at the facts as they are now and sends it as queued, rewrites it, or drops it (status
DROPPED, with its reason for HR). A recheck that fails parks that message only.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.mail import cadence, notifications, reasons, rechecks
from portal.mail.cadence import Category
from portal.mail.models import EmailAttachment, EmailStatus, OutgoingEmail
from portal.mail.transport import ConsoleTransport, SmtpTransport, build_message
from portal.people.models import User

log = logging.getLogger("portal.mail")

RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)

Transport = SmtpTransport | ConsoleTransport


@dataclass
class Round:
    """One delivery: the messages asked for (None: every due one), and those it has already
    passed over or tried, which it does not claim again."""

    ids: list[int] | None = None
    seen: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Failure:
    """Why a send failed, in words, and whether trying again could help."""

    reason: str
    permanent: bool


@dataclass
class Batch:
    """What one claim did: the messages claimed (to send now, in this order) and how many rows
    it handled in all (claimed, held or dropped; 0: nothing left to do)."""

    messages: list[tuple[int, EmailMessage]] = field(default_factory=list)
    handled: int = 0


_warned: set[str] = set()


def _warn_once(text: str) -> None:
    """Log a configuration problem once per process, not on every pass of the worker."""
    if text not in _warned:
        _warned.add(text)
        log.warning(text)


def transport() -> Transport | None:
    """The configured transport; None (said once per process) when mail cannot go yet."""
    url = current_app.config.get("SMTP_URL")
    if url:
        return SmtpTransport(url, timeout=current_app.config["SMTP_TIMEOUT_SECONDS"])
    if current_app.config.get("DEV_MAILBOX"):
        return ConsoleTransport()
    _warn_once("SMTP_URL is not set: outgoing email stays queued until it is.")
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


def claim(round_: Round, now: datetime) -> Batch:
    """Claim the next due messages of `round_` that may go now and build them; hold or drop the
    others. Only flushes: commit at once, before sending."""
    rows = db.session.scalars(_due(round_, now)).all()
    pacing = _Pacing.load(rows, now)
    batch = Batch()
    for email in rows:
        if round_.ids is not None:
            round_.seen.add(email.id)  # once per round, whatever happens (a failure stays due)
        verdict = pacing.decide(email)
        if verdict is _Verdict.BUSY:
            round_.seen.add(email.id)
            continue
        if verdict is _Verdict.GO:
            taken = _take(email, now, pacing)
            if taken is not None:
                batch.messages.append(taken)
        batch.handled += 1
    db.session.flush()
    return batch


def _due(round_: Round, now: datetime) -> Select[OutgoingEmail]:
    """The next batch of pending messages the round may claim, locked, skipping locked ones."""
    query = select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.PENDING)
    if round_.seen:
        query = query.where(OutgoingEmail.id.not_in(round_.seen))
    if round_.ids is None:
        query = query.where(OutgoingEmail.next_attempt_at <= now).order_by(
            OutgoingEmail.next_attempt_at, OutgoingEmail.id
        )
    else:
        # Named messages go now even if a retry was scheduled, but never one that another
        # deliverer has claimed (tried before, no error yet, lease still running).
        query = query.where(
            OutgoingEmail.id.in_(round_.ids),
            or_(
                OutgoingEmail.next_attempt_at <= now,
                OutgoingEmail.attempts == 0,
                OutgoingEmail.last_error.is_not(None),
            ),
        ).order_by(OutgoingEmail.id)
    return (
        query.limit(_batch_size())
        .options(selectinload(OutgoingEmail.attachments))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


class _Verdict(enum.Enum):
    GO = "go"  # claim it now
    HELD = "held"  # the cadence rules hold it: its next attempt is when they allow
    DROPPED = "dropped"  # an update the candidate no longer wants: dropped, with the reason
    BUSY = "busy"  # another deliverer is deciding about this candidate: pass it over


@dataclass
class _Pacing:
    """What the cadence rules need to decide about a batch: its candidates (locked, skipping
    those another deliverer holds) and what each was already sent this week."""

    paced: set[int]  # the messages the cadence rules apply to
    users: dict[int, User]
    ledger: cadence.Ledger
    rules: cadence.Rules
    lease: timedelta

    @classmethod
    def load(cls, rows: Sequence[OutgoingEmail], now: datetime) -> _Pacing:
        paced = {
            row.id
            for row in rows
            if row.category not in (None, Category.ACCOUNT) and row.to_user_id is not None
        }
        users = cadence.lock_candidates(
            {row.to_user_id for row in rows if row.id in paced and row.to_user_id is not None},
            skip_locked=True,
        )
        return cls(
            paced=paced,
            users=users,
            ledger=cadence.Ledger.load(set(users), now),
            rules=cadence.Rules.from_config(current_app.config),
            lease=_lease(),
        )

    def decide(self, email: OutgoingEmail) -> _Verdict:
        """Whether `email` may go now; holds or drops it when it may not."""
        if email.id not in self.paced:
            return _Verdict.GO
        user = self.users.get(email.to_user_id)  # type: ignore[arg-type]
        if user is None:
            return _Verdict.BUSY
        if not cadence.wanted(email, user):
            drop(email, reasons.UNWANTED, self.ledger.now)
            return _Verdict.DROPPED
        hold = cadence.hold_until(email, user, self.ledger, self.rules, self.lease)
        if hold is not None:
            email.next_attempt_at = hold
            return _Verdict.HELD
        return _Verdict.GO


def _take(email: OutgoingEmail, now: datetime, pacing: _Pacing) -> tuple[int, EmailMessage] | None:
    """Claim `email`: one more attempt, leased until now + lease, its cap slot taken.

    First its kind's recheck decides, from the facts as they are now, whether it still goes
    as queued, goes rewritten, or is dropped with its reason (None). A message whose recheck
    fails, or that cannot be built, is parked instead (None): trying again would fail the same
    way, and it must not stop the rest of the queue."""
    email.attempts += 1
    if not _rechecked(email, now, pacing.users.get(email.to_user_id or 0)):
        return None
    try:
        message = _message(email, now)
    except Exception as error:  # whatever it is, it must not stop the rest of the queue
        log.warning("Email %s to %r could not be built: %r", email.id, email.to_address, error)
        park(email, reasons.failure(reasons.NOT_BUILT, error), now)
        return None
    email.last_error = None
    email.next_attempt_at = now + pacing.lease
    pacing.ledger.admit(email)
    return email.id, message


def _rechecked(email: OutgoingEmail, now: datetime, recipient: User | None) -> bool:
    """Apply the verdict of `email`'s recheck, written in the `recipient`'s language (when the
    pacing has loaded them); True when it is still to be sent."""
    try:
        # A recheck that fails leaves nothing half-written.
        with db.session.begin_nested(), notifications.written_for(recipient):
            decided = rechecks.verdict(email, now)
    except Exception as error:  # whatever it is, it must not stop the rest of the queue
        log.warning("Email %s to %r could not be checked: %r", email.id, email.to_address, error)
        park(email, reasons.failure(reasons.CHECK_FAILED, repr(error)), now)
        return False
    if isinstance(decided, rechecks.Drop):
        drop(email, decided.reason, now)
        return False
    if isinstance(decided, rechecks.Rewrite):
        email.subject = notifications.subject_line(decided.subject)
        email.body_text = decided.body_text
        email.body_html = decided.body_html
        if decided.attachments is not None:
            email.attachments = [
                EmailAttachment(filename=name, content_type=content_type, content=content)
                for name, content_type, content in decided.attachments
            ]
    return True


def drop(email: OutgoingEmail, reason: str, now: datetime) -> None:
    """Decide against sending `email`: it stays, never sent, with its reason for HR to read
    (English, shown in HR's language: `portal.mail.reasons`).
    Its bodies are erased (they may hold sign-in links), unless the development mailbox
    keeps them."""
    email.status = EmailStatus.DROPPED
    email.dropped_at = now
    email.drop_reason = reason[:1000]
    if not current_app.config.get("DEV_MAILBOX"):
        email.body_text = email.body_html = None
        email.attachments = []


def park(email: OutgoingEmail, reason: str, now: datetime) -> None:
    """Stop trying `email`: it stays, with its reason, for HR to send again or discard."""
    email.status = EmailStatus.FAILED
    email.failed_at = now
    email.last_error = reason[:1000]


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
        # The link is built by a template, as every link in mail is.
        preferences = render_template("mail/email/list_unsubscribe.txt").strip()
        message["List-Unsubscribe"] = f"<{preferences}>"
    return message


def send(transport: Transport, email_id: int, message: EmailMessage) -> Failure | None:
    """Hand a claimed message to the transport, outside any transaction. None when it went,
    else why not, and whether that could pass."""
    try:
        transport.send(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        answers = "; ".join(f"{code} {_said(text)}" for code, text in error.recipients.values())
        failure = Failure(
            reasons.failure(reasons.RECIPIENT_REFUSED, answers), all(c >= 500 for c in codes)
        )
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        failure = Failure(
            reasons.failure(
                reasons.MESSAGE_REFUSED, f"{error.smtp_code} {_said(error.smtp_error)}"
            ),
            error.smtp_code >= 500,
        )
    except smtplib.SMTPNotSupportedError as error:
        failure = Failure(reasons.failure(reasons.CANNOT_TAKE, error), True)
    except (OSError, smtplib.SMTPException) as error:
        # Down, unreachable, timed out, disconnected: it may well work next time.
        failure = Failure(
            reasons.failure(reasons.UNREACHABLE, f"{type(error).__name__}: {error}"), False
        )
    except Exception as error:  # e.g. a header that cannot be written out: never again
        failure = Failure(reasons.failure(reasons.NOT_WRITTEN, repr(error)), True)
    else:
        return None
    log.warning("Email %s to %s not sent: %s", email_id, message["To"], failure.reason)
    return failure


def _said(answer: bytes | str | None) -> str:
    """An SMTP server's answer text, readable."""
    if isinstance(answer, bytes):
        return answer.decode(errors="replace")
    return answer or ""


def record(email_id: int, failure: Failure | None, now: datetime) -> bool:
    """Write down how a send went; True if it was sent. Only flushes: commit at once."""
    email = db.session.get(OutgoingEmail, email_id, populate_existing=True)
    if email is None:  # withdrawn while it was on its way: nothing left to record
        return failure is None
    if failure is not None:
        if failure.permanent:
            park(email, failure.reason, now)
        elif email.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            park(email, reasons.tried(email.attempts, failure.reason), now)
        else:
            email.last_error = failure.reason[:1000]
            email.next_attempt_at = now + _retry_delay(email.attempts)
    else:
        email.status = EmailStatus.SENT
        email.sent_at = now
        email.last_error = None
        if not current_app.config.get("DEV_MAILBOX"):
            # Bodies may hold single-use links: keep nothing a database leak could replay.
            email.body_text = email.body_html = None
            email.attachments = []
    db.session.flush()
    return failure is None
