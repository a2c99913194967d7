"""The candidate's "Meet your team" page: their manager's welcome, their buddy, their team."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from portal.core.ids import query_id
from portal.people.access import candidate_bp, signed_in_candidate
from portal.team import introductions, teams


@candidate_bp.get("/team")
def team() -> ResponseReturnValue:
    """Who the candidate will work with, a page of the team at a time (three queries)."""
    candidate = signed_in_candidate()
    after = request.args.get("after", type=query_id)
    return render_template(
        "team/candidate_team.html",
        candidate=candidate,
        intro=introductions.introductions(candidate.id),
        team=teams.team_page(candidate.profile, after),
        first_page=after is None,
    )
