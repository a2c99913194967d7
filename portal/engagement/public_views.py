"""The plain-language page "What we record and why", linked from every page's footer."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from portal.engagement import pulse, retention
from portal.events.models import EventKind
from portal.webhooks import outbox

bp = Blueprint("info", __name__)

# Every kind of event the portal records about what a candidate does: what starts it, and what
# is kept. A test checks this covers every activity kind in portal.events.models.
RECORDED: dict[EventKind, tuple[str, str]] = {
    EventKind.SIGNED_IN: (
        "Signing in",
        "That you signed in, and when. This includes the sign-in after you choose a password "
        "from an invitation or a reset link.",
    ),
    EventKind.HOME_VIEWED: (
        "Opening your home page",
        "That you opened it, at most once an hour however often you look.",
    ),
    EventKind.NEWS_OPENED: (
        "Opening a news item",
        "Which item you opened, and when.",
    ),
    EventKind.QUESTION_ASKED: (
        "Asking your recruiter a question",
        "That you asked one, and when. The question itself stays in your conversation, which "
        "only you, your recruiter and HR can read.",
    ),
    EventKind.ANSWER_READ: (
        "Reading an answer",
        "That you opened your questions page when new answers were waiting, and when.",
    ),
    EventKind.FAQ_SEARCHED: (
        "Searching the FAQ",
        "That you searched and how many answers came up. Never the words you searched for.",
    ),
    EventKind.CALENDAR_DOWNLOADED: (
        "Adding your first day to your calendar",
        "That you downloaded the calendar file, and when.",
    ),
    EventKind.TIMELINE_VIEWED: (
        "Opening a step of your timeline",
        "Which step you opened, and when.",
    ),
    EventKind.PULSE_ANSWERED: (
        "Answering “How do you feel about joining?”",
        f"Your answer, from 1 (“{pulse.SCALE[1]}”) to 5 (“{pulse.SCALE[5]}”), and your comment "
        "if you wrote one. We ask at most once every {days} days.",
    ),
}


@bp.get("/what-we-record")
def what_we_record() -> ResponseReturnValue:
    """What the portal records about candidates, why, who sees it and for how long: the
    periods and what becomes of each record come from the retention policy the job follows."""
    days = current_app.config["PULSE_EVERY_DAYS"]
    recorded = [(title, kept.format(days=days)) for title, kept in RECORDED.values()]
    return render_template(
        "engagement/what_we_record.html",
        recorded=recorded,
        policy=retention.policy(),
        personal_receivers=outbox.receivers_of_personal_fields(),
    )
