"""The plain-language page "What we record and why", linked from every page's footer."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from portal.core.i18n import N_, _
from portal.engagement import pulse, retention
from portal.events.models import EventKind
from portal.webhooks import outbox

bp = Blueprint("info", __name__)

# Every kind of event the portal records about what a candidate does: what starts it, and what
# is kept (in English, translated for the page). A test checks this covers every activity kind
# in portal.events.models.
RECORDED: dict[EventKind, tuple[str, str]] = {
    EventKind.SIGNED_IN: (
        N_("Signing in"),
        N_(
            "That you signed in, and when. This includes the sign-in after you choose a password "
            "from an invitation or a reset link."
        ),
    ),
    EventKind.HOME_VIEWED: (
        N_("Opening your home page"),
        N_("That you opened it, at most once an hour however often you look."),
    ),
    EventKind.NEWS_OPENED: (
        N_("Opening a news item"),
        N_("Which item you opened, and when."),
    ),
    EventKind.QUESTION_ASKED: (
        N_("Asking your recruiter a question"),
        N_(
            "That you asked one, and when. The question itself stays in your conversation, which "
            "only you, your recruiter and HR can read."
        ),
    ),
    EventKind.ANSWER_READ: (
        N_("Reading an answer"),
        N_("That you opened your questions page when new answers were waiting, and when."),
    ),
    EventKind.FAQ_SEARCHED: (
        N_("Searching the FAQ"),
        N_("That you searched and how many answers came up. Never the words you searched for."),
    ),
    EventKind.CALENDAR_DOWNLOADED: (
        N_("Adding your first day to your calendar"),
        N_("That you downloaded the calendar file, and when."),
    ),
    EventKind.TIMELINE_VIEWED: (
        N_("Opening a step of your timeline"),
        N_("Which step you opened, and when."),
    ),
    EventKind.PULSE_ANSWERED: (
        N_("Answering “How do you feel about joining?”"),
        N_(
            "Your answer, from 1 (“%(worst)s”) to 5 (“%(best)s”), and your comment if you wrote "
            "one. We ask at most once every %(days)d days."
        ),
    ),
}


@bp.get("/what-we-record")
def what_we_record() -> ResponseReturnValue:
    """What the portal records about candidates, why, who sees it and for how long: the
    periods and what becomes of each record come from the retention policy the job follows."""
    days = current_app.config["PULSE_EVERY_DAYS"]
    said = {"worst": pulse.SCALE[1], "best": pulse.SCALE[5], "days": days}
    recorded = [
        (_(title), _(kept, **said) if "%(" in kept else _(kept))
        for title, kept in RECORDED.values()
    ]
    policy = retention.policy()
    return render_template(
        "engagement/what_we_record.html",
        recorded=recorded,
        policy=policy,
        always_sent=_(policy.webhooks_always_send),
        personal_fields=_(policy.webhooks_personal_fields),
        personal_receivers=outbox.receivers_of_personal_fields(),
    )
