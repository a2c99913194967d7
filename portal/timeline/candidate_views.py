"""One milestone of the candidate's timeline on a page of its own.

A template milestone is addressed by its template's id (the candidate's own version of it, if HR
made one, is what they see), a milestone of theirs only by its own id. Hidden milestones and
anyone else's answer 404. Opening one records a `timeline_viewed` event whose subject names it
the way its address does: "milestone:12" or "milestone:own-40".
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from portal.core import clock
from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.people.access import candidate_bp, signed_in_candidate
from portal.timeline import milestones as timeline


def _show(matches: Callable[[timeline.TimelineItem], bool], subject: str) -> str:
    """The first of the candidate's visible milestones that `matches`, recorded as viewed."""
    candidate = signed_in_candidate()
    now = clock.now()
    item = next(filter(matches, timeline.candidate_timeline(candidate, now)), None)
    if item is None:
        abort(404)
    page = render_template(
        "timeline/milestone.html",
        candidate=candidate,
        profile=candidate.candidate_profile,
        item=item,
    )
    events.record(candidate.id, EventKind.TIMELINE_VIEWED, subject=subject, at=now)
    db.session.commit()
    return page


@candidate_bp.get("/timeline/<int:template_id>")
@writes_on_get("engagement_events", "candidate_summaries")
def milestone(template_id: int) -> ResponseReturnValue:
    """A milestone every candidate has (in this candidate's version), in full."""
    return _show(lambda item: item.template_id == template_id, f"milestone:{template_id}")


@candidate_bp.get("/timeline/own-<int:milestone_id>")
@writes_on_get("engagement_events", "candidate_summaries")
def own_milestone(milestone_id: int) -> ResponseReturnValue:
    """A milestone of this candidate only, in full."""
    return _show(
        lambda item: item.is_own and item.milestone_id == milestone_id,
        f"milestone:own-{milestone_id}",
    )
