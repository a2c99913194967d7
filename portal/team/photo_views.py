"""Photos, served from the database to signed-in people who may see them (team.visibility).

A photo's address holds the digest of its bytes, which never change: the browser keeps it for
a year without asking again (privately: shared caches never do), and asks with If-None-Match
only if it has lost track. Anything else, or a photo one may not see, is not found."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.team import visibility

bp = Blueprint("team", __name__)

CACHE_CONTROL = "private, max-age=31536000, immutable"


@bp.get("/photos/<int:photo_id>/<digest>.webp")
@login_required
def photo(photo_id: int, digest: str) -> ResponseReturnValue:
    """One photo's bytes, if the signed-in person may see it."""
    found = visibility.photo_for(current_user, photo_id, digest)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Cache-Control"] = CACHE_CONTROL
    # Only the portal's own pages may show it (the security headers add nosniff).
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Content-Disposition"] = "inline"
    response.set_etag(found.digest)
    return response.make_conditional(request)
