"""The candidate's "Add to your calendar": their joining day as an .ics file."""

from __future__ import annotations

from flask import Response
from flask.typing import ResponseReturnValue

from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.core.links import absolute_url
from portal.events import log as events
from portal.events.models import EventKind
from portal.people.access import candidate_bp, signed_in_candidate
from portal.timeline import calendar


@candidate_bp.get("/calendar.ics")
@writes_on_get("engagement_events", "candidate_summaries")
def joining_calendar() -> ResponseReturnValue:
    """Download the joining day as an iCalendar event (the same UID every time)."""
    candidate = signed_in_candidate()
    body = calendar.joining_event(candidate, absolute_url("candidate.home"))
    events.record(candidate.id, EventKind.CALENDAR_DOWNLOADED)
    db.session.commit()
    return Response(
        body,
        mimetype="text/calendar",  # Flask adds "; charset=utf-8" to text types
        headers={"Content-Disposition": f'attachment; filename="{calendar.FILENAME}"'},
    )
