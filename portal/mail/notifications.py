"""The one way mail leaves the portal: the queue.

Callers queue a message in their own transaction (so it is never lost when the change commits,
and never sent when it does not); `portal.mail.jobs.deliver` then hands due messages to the
transport (portal.mail.delivery) and records the outcome. A failed delivery stays pending with
its error and is retried later, with backoff, by the worker (or `flask --app portal mail send`).

Mail to candidates is paced at delivery time by the rules in `portal.mail.cadence` (quiet
hours in their zone, a weekly cap, answers batched, their own mail preference): a message that
may not go yet simply stays pending until the moment it may (`waiting_until` says when).

Every message is written in its recipient's language (users.language): `queue` renders the
subject (pass a lazy `_l(...)`, or a text made inside `written_for(recipient)`) and both parts
in it, and so does `render_bodies` when its context names the `recipient`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Final

from flask import current_app, render_template
from flask_babel.speaklater import LazyString
from sqlalchemy import delete, select, update

from portal.core import clock
from portal.core.extensions import db
from portal.core.i18n import in_language
from portal.core.inputs import single_line
from portal.mail import branding, cadence
from portal.mail.cadence import Category
from portal.mail.models import EmailAttachment, EmailStatus, OutgoingEmail
from portal.people.models import User

SUBJECT_MAX_LENGTH: Final = 200  # OutgoingEmail.subject
FROM_KIND: Final[Any] = object()  # queue(category=...) default: the category follows the kind


def queue(
    *,
    to: User | str,
    kind: str,
    template: str,
    subject: str | LazyString,
    attachments: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    about: str | None = None,
    category: str | None = FROM_KIND,
    wait: timedelta | None = None,
    **context: object,
) -> OutgoingEmail:
    """Render `templates/<template>.txt` and `.html` (e.g. "accounts/email/invitation") and queue.

    `attachments` are (filename, content type, text content) triples. `category` says how the
    cadence rules treat mail to a candidate (cadence.Category); by default it follows `kind`,
    and it is None for staff. An answer joins the candidate's answer email that is still
    waiting, if there is one: that message is rendered again with this context and returned.
    `wait` holds a new message back that long (an answer's default is its batch window).
    The subject and both parts are written in the recipient's language.
    """
    recipient = to if isinstance(to, User) else None
    if category is FROM_KIND:
        category = cadence.category_for(recipient, kind)
    with written_for(recipient):
        subject = str(subject)
        body_text, body_html = render_bodies(template, recipient=recipient, **context)
    now = clock.now()
    email = None
    if category == Category.ANSWER and recipient is not None:
        email = _waiting_answers(recipient, kind)
    if email is None:
        rules = cadence.Rules.from_config(current_app.config)
        if wait is None:
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
    email.subject = subject_line(subject)
    email.body_text = body_text
    email.body_html = body_html
    email.attachments = [
        EmailAttachment(filename=name, content_type=content_type, content=content)
        for name, content_type, content in attachments
    ]
    db.session.flush()
    return email


@contextmanager
def written_for(recipient: object) -> Iterator[None]:
    """Write what follows (a subject, an email's parts) in the language of `recipient` (a
    User); anything else (an address with no account, None) leaves the language as it is."""
    if isinstance(recipient, User):
        with in_language(recipient.language):
            yield
    else:
        yield


def render_bodies(template: str, **context: object) -> tuple[str, str]:
    """The text and HTML parts of `template` ("accounts/email/invitation"): both in the
    company's look (mail.branding), the HTML with its styles inlined for mail apps, and both
    in the language of the context's `recipient` (when it names one)."""
    context = {**branding.template_context(), **context}
    with written_for(context.get("recipient")):
        body_text = render_template(f"{template}.txt", **context)
        body_html = branding.inline_styles(render_template(f"{template}.html", **context))
    return body_text, body_html


def subject_line(subject: str) -> str:
    """One line (names in it may hold any character) that fits the column."""
    line = single_line(subject)
    return line if len(line) <= SUBJECT_MAX_LENGTH else line[: SUBJECT_MAX_LENGTH - 1] + "…"


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
