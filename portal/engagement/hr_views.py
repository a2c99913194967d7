"""HR's engagement pages: everyone's candidates by risk, and any candidate's activity."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.core import clock
from portal.core.pages import read_instant_cursor
from portal.core.templating import local_today, reader_zone
from portal.engagement import activity, cohort, dashboard
from portal.engagement import status as engagement
from portal.engagement.status import CandidateSignal
from portal.people import directory as people
from portal.people.access import candidate_or_404, hr_bp


def _links(signal: CandidateSignal) -> tuple[str, str]:
    return (
        url_for("hr.candidate_activity", user_id=signal.candidate_id),
        url_for("hr.thread", user_id=signal.candidate_id),
    )


@hr_bp.get("/engagement")
def engagement_board() -> ResponseReturnValue:
    """Everyone's candidates, riskiest first; filters by recruiter, status and name."""
    recruiters = people.active_recruiters()
    filters = cohort.read_filters(request.args, {recruiter.id for recruiter in recruiters})
    now = clock.now()
    board = dashboard.build(now, filters, links=_links, today=local_today(now))
    return render_template("engagement/hr_board.html", board=board, recruiters=recruiters)


@hr_bp.get("/people/<int:user_id>/activity")
def candidate_activity(user_id: int) -> ResponseReturnValue:
    """One candidate's status, reasons and events in words."""
    found = candidate_or_404(user_id)
    now = clock.now()
    signal = next(iter(engagement.signals(now, candidate_ids=[found.id])), None)
    before = read_instant_cursor(request.args.get("before"))
    return render_template(
        "engagement/hr_activity.html",
        person=found,
        signal=signal,
        activity=activity.candidate_activity(found.id, ZoneInfo(reader_zone()), before=before),
        spark=activity.activity_sparkline(found.id, now),
    )
