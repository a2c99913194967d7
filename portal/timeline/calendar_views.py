"""The candidate's "Add to your calendar": their joining day as an .ics file."""

from __future__ import annotations

from flask import Response, abort
from flask_login import current_user

from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.people import directory as people
from portal.people.access import candidate_bp
from portal.timeline import calendar


@candidate_bp.get("/calendar.ics")
@writes_on_get("engagement_events")
def joining_calendar():
    """Download the joining day as an iCalendar event (the same UID every time)."""
    candidate = people.person(current_user.id)
    if candidate is None or candidate.candidate_profile is None:
        abort(404)
    body = calendar.joining_event(candidate)
    events.record(candidate.id, EventKind.CALENDAR_DOWNLOADED)
    db.session.commit()
    return Response(
        body,
        mimetype="text/calendar",  # Flask adds "; charset=utf-8" to text types
        headers={"Content-Disposition": f'attachment; filename="{calendar.FILENAME}"'},
    )
