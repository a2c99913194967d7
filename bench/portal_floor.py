"""The portal's own floor, served beside the portal by bench/web.py: the portal exactly as
`create_app` builds it, plus one page that exists only here, `/bench/portal-floor`, for a
signed-in candidate. It shows what bench/floor.py's page shows (the person's name, email and
time zone, and a count of their engagement events) inside the portal's own layout (base.html:
the head, the candidate's menu with its unread badge, the sign-out and language forms).

So it costs what every candidate page costs before its content: the portal's request set-up
(the server-side sign-in session checked against the database, the reader's language, the
CSRF secret, the security headers, the read-only transaction ended with COMMIT) and its layout.
Between the floor row (bare Flask) and this row is the price of the portal's machinery; between
this row and the candidate home, the price of the home's own content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, render_template
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from portal import create_app as create_portal
from portal.core.extensions import db
from portal.events.models import EngagementEvent
from portal.people.access import require_role
from portal.people.models import Role

PATH = "/bench/portal-floor"

# The floor's second query (its first, the person's row, is the portal's session check here).
_EVENTS = select(func.count()).where(EngagementEvent.candidate_id == bindparam("candidate_id"))

floor_bp = Blueprint("bench_floor", __name__, template_folder="portal_floor_templates")


@floor_bp.before_request
def _only_candidates() -> None:
    require_role(Role.CANDIDATE)


@floor_bp.get(PATH)
def portal_floor() -> str:
    events = db.session.scalar(_EVENTS, {"candidate_id": current_user.id}) or 0
    return render_template("bench_portal_floor.html", person=current_user, events=events)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """The portal with the bench's one page (gunicorn: `bench.portal_floor:create_app(…)`)."""
    app = create_portal(overrides)
    app.register_blueprint(floor_bp)
    return app
