"""The recruiter's pages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.pages import read_instant_cursor
from portal.core.templating import local_today, reader_zone
from portal.engagement import activity, cohort, dashboard
from portal.engagement import status as engagement
from portal.engagement.status import CandidateSignal
from portal.people.access import candidate_or_404, recruiter_bp
from portal.timeline import joining


def _links(signal: CandidateSignal) -> tuple[str, str]:
    return (
        url_for("recruiter.candidate", candidate_id=signal.candidate_id),
        url_for("recruiter.thread", candidate_id=signal.candidate_id),
    )


@recruiter_bp.get("/")
def home() -> ResponseReturnValue:
    """The recruiter's dashboard: their candidates, riskiest first, then soonest joining."""
    filters = cohort.read_filters(request.args)  # no recruiter filter: always their own
    now = clock.now()
    board = dashboard.build(
        now, filters, links=_links, recruiter_id=current_user.id, today=local_today(now)
    )
    return render_template("engagement/recruiter_home.html", board=board)


@recruiter_bp.get("/candidates/<int:candidate_id>")
def candidate(candidate_id: int) -> ResponseReturnValue:
    """One of the recruiter's candidates, their status and what they did; anyone else's: 404."""
    found = candidate_or_404(candidate_id, recruiter=current_user)
    now = clock.now()
    (row,) = joining.joining_rows([found], now)
    signal = next(iter(engagement.signals(now, candidate_ids=[found.id])), None)
    before = read_instant_cursor(request.args.get("before"))
    return render_template(
        "engagement/recruiter_candidate.html",
        row=row,
        profile=found.candidate_profile,
        signal=signal,
        activity=activity.candidate_activity(found.id, ZoneInfo(reader_zone()), before=before),
        spark=activity.activity_sparkline(found.id, now),
    )
