"""The recruiter's pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from portal.auth.loader import require_role
from portal.models import Role, utcnow
from portal.services import joining, people

bp = Blueprint("recruiter", __name__)


@bp.before_request
def _only_recruiters() -> None:
    require_role(Role.RECRUITER)


@bp.get("/")
def home():
    """The recruiter's candidates, soonest joining first."""
    candidates = people.candidates_of_recruiter(current_user)
    return render_template("recruiter/home.html", rows=joining.joining_rows(candidates, utcnow()))


@bp.get("/candidates/<int:candidate_id>")
def candidate(candidate_id: int):
    """One of the recruiter's candidates; anyone else's answers 404."""
    found = people.candidate_of_recruiter(current_user, candidate_id)
    if found is None:
        abort(404)
    (row,) = joining.joining_rows([found], utcnow())
    return render_template("recruiter/candidate.html", row=row, profile=found.candidate_profile)
