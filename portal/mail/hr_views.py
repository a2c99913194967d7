"""HR's page of parked mail: what could not be sent and why, to send again or discard; and
below it, what was decided against when it was due, and why."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ask_first, require_confirmation
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.mail import parking, reasons
from portal.mail.models import OutgoingEmail
from portal.people.access import hr_bp


@hr_bp.get("/mail/parked")
def parked_mail() -> ResponseReturnValue:
    before = request.args.get("before", type=query_id)
    emails, next_before = parking.page(before)
    return render_template(
        "mail/hr_parked.html",
        emails=emails,
        next_before=next_before,
        first_page=before is None,
        total=parking.count(),
        dropped=parking.dropped() if before is None else [],
        reason_words=reasons.reason_words,
    )


def _parked_or_404(email_id: int) -> OutgoingEmail:
    email = parking.find(email_id)
    if email is None:
        abort(404)
    return email


@hr_bp.post("/mail/parked/<int:email_id>/send-again")
def send_parked_again(email_id: int) -> ResponseReturnValue:
    require_confirmation()
    email = _parked_or_404(email_id)
    parking.send_again(email, current_user, clock.now())
    db.session.commit()
    flash(
        _(
            "The message to %(address)s is queued again; the worker sends it next.",
            address=email.to_address,
        ),
        "success",
    )
    return redirect(url_for("hr.parked_mail"))


@hr_bp.post("/mail/parked/<int:email_id>/discard")
def discard_parked(email_id: int) -> ResponseReturnValue:
    require_confirmation()
    email = _parked_or_404(email_id)
    address = email.to_address
    asking = ask_first(
        _("Discard the message to %(address)s?", address=address),
        detail=_("It will not be sent, and it cannot be sent again later."),
        button=_("Yes, discard it"),
        cancel=url_for("hr.parked_mail"),
    )
    if asking is not None:
        return asking
    parking.discard(email, current_user)
    db.session.commit()
    flash(_("The message to %(address)s was discarded.", address=address), "info")
    return redirect(url_for("hr.parked_mail"))
