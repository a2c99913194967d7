"""The candidate's "Add to your calendar": their joining day as an .ics file."""

from __future__ import annotations

from flask import Response, abort
from flask_login import current_user

from portal.candidate.views import bp
from portal.services import calendar, people


@bp.get("/calendar.ics")
def joining_calendar():
    """Download the joining day as an iCalendar event (the same UID every time)."""
    candidate = people.person(current_user.id)
    if candidate is None or candidate.candidate_profile is None:
        abort(404)
    return Response(
        calendar.joining_event(candidate),
        mimetype="text/calendar",  # Flask adds "; charset=utf-8" to text types
        headers={"Content-Disposition": f'attachment; filename="{calendar.FILENAME}"'},
    )
