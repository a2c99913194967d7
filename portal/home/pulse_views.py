"""The candidate's answer to the pulse check on their home page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from portal.core import clock
from portal.core.extensions import db
from portal.core.i18n import _
from portal.core.templating import long_date
from portal.engagement import pulse
from portal.home.forms import PulseForm
from portal.home.views import render_home
from portal.people.access import candidate_bp, signed_in_candidate


def _home() -> str:
    # The form is posted to /candidate/pulse#pulse so that errors show in view; browsers keep
    # that fragment across a redirect without one, so name the place to land: the flash.
    return url_for("candidate.home", _anchor="main")


@candidate_bp.post("/pulse")
def answer_pulse() -> ResponseReturnValue:
    """Store how the candidate feels about joining, then back home with a thank-you."""
    candidate = signed_in_candidate()
    form = PulseForm()
    if not form.validate_on_submit():
        page, _news, _facts = render_home(candidate, clock.now().replace(microsecond=0), form)
        return page, 422
    try:
        pulse.answer(candidate, form.score.data, form.comment.data, clock.now())
    except pulse.AlreadyAnswered as refused:
        db.session.rollback()
        zone = ZoneInfo(candidate.time_zone)
        flash(
            _(
                "You have already told us how you feel, on %(answered)s. We will ask again "
                "from %(next)s.",
                answered=long_date(refused.answered_at.astimezone(zone)),
                next=long_date(refused.next_at.astimezone(zone)),
            ),
            "info",
        )
        return redirect(_home())
    except pulse.PulseError as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(_home())
    db.session.commit()
    flash(_("Thank you for telling us how you feel. Your recruiter will see it."), "success")
    return redirect(_home())
