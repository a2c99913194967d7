"""The recruiter's pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from portal import clock, dashboard
from portal.auth.loader import require_role
from portal.models import Role
from portal.services import activity, engagement, joining, people
from portal.services.engagement import CandidateSignal

bp = Blueprint("recruiter", __name__)


@bp.before_request
def _only_recruiters() -> None:
    require_role(Role.RECRUITER)


def _links(signal: CandidateSignal) -> tuple[str, str]:
    return (
        url_for("recruiter.candidate", candidate_id=signal.candidate_id),
        url_for("recruiter.thread", candidate_id=signal.candidate_id),
    )


@bp.get("/")
def home():
    """The recruiter's dashboard: their candidates, riskiest first, then soonest joining."""
    filters = dashboard.read_filters(request.args)  # no recruiter filter: always their own
    board = dashboard.build(clock.now(), filters, links=_links, recruiter_id=current_user.id)
    return render_template("recruiter/home.html", board=board)


@bp.get("/candidates/<int:candidate_id>")
def candidate(candidate_id: int):
    """One of the recruiter's candidates, their status and what they did; anyone else's: 404."""
    found = people.candidate_of_recruiter(current_user, candidate_id)
    if found is None:
        abort(404)
    now = clock.now()
    (row,) = joining.joining_rows([found], now)
    signal = next(iter(engagement.signals(now, candidate_ids=[found.id])), None)
    return render_template(
        "recruiter/candidate.html",
        row=row,
        profile=found.candidate_profile,
        signal=signal,
        activity=activity.candidate_activity(found.id),
    )
