"""The development mailbox. Registered only when DEV_MAILBOX is on (never in production)."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from portal.core.extensions import db
from portal.mail.models import OutgoingEmail

bp = Blueprint("dev", __name__)

_LINK = re.compile(r"https?://[^\s<>\"]+")


@bp.get("/mailbox")
def mailbox() -> ResponseReturnValue:
    """Every message the portal has sent or queued, newest first."""
    emails = db.session.scalars(
        select(OutgoingEmail).order_by(OutgoingEmail.id.desc()).limit(200)
    ).all()
    return render_template("mail/mailbox.html", emails=emails)


@bp.get("/mailbox/<int:email_id>")
def message(email_id: int) -> ResponseReturnValue:
    """One message as its recipient would read it, with its links made clickable."""
    email = db.session.get(OutgoingEmail, email_id)
    if email is None:
        abort(404)
    links = _LINK.findall(email.body_text or "")
    return render_template("mail/mailbox_message.html", email=email, links=links)
