"""The development mailbox. Registered only when DEV_MAILBOX is on (never in production)."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.i18n import _l
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.mail.reasons import reason_words

bp = Blueprint("dev", __name__)

_LINK = re.compile(r"https?://[^\s<>\"]+")
_STATUS_WORDS: dict[str, LazyString] = {
    EmailStatus.PENDING: _l("pending"),
    EmailStatus.SENT: _l("sent"),
    EmailStatus.FAILED: _l("failed"),
    EmailStatus.DROPPED: _l("dropped"),
}


def status_words(status: str) -> str:
    """A message's status in the reader's language ("pending", "sent", …)."""
    return str(_STATUS_WORDS.get(status, status))


@bp.get("/mailbox")
def mailbox() -> ResponseReturnValue:
    """Every message the portal has sent or queued, newest first."""
    emails = db.session.scalars(
        select(OutgoingEmail).order_by(OutgoingEmail.id.desc()).limit(200)
    ).all()
    return render_template(
        "mail/mailbox.html", emails=emails, status_words=status_words, setting_name="SMTP_URL"
    )


@bp.get("/mailbox/<int:email_id>")
def message(email_id: int) -> ResponseReturnValue:
    """One message as its recipient would read it, with its links made clickable."""
    email = db.session.get(OutgoingEmail, email_id)
    if email is None:
        abort(404)
    links = _LINK.findall(email.body_text or "")
    return render_template(
        "mail/mailbox_message.html",
        email=email,
        links=links,
        status_words=status_words,
        reason_words=reason_words,
    )
