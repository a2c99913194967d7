"""Who is calling the API: a bearer token, never a session cookie; whether it may write; and how
often they may call."""

from __future__ import annotations

from flask import current_app, g, request

from portal.api import tokens as api_tokens
from portal.api.tokens import LiveToken
from portal.core import rate_limits
from portal.core.extensions import db
from portal.core.problems import ApiProblem
from portal.people.models import User

REALM = 'Bearer realm="portal"'


def _unauthorized(detail: str, error: str | None = None) -> ApiProblem:
    challenge = REALM + (f', error="{error}"' if error else "")
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge})


_NOT_VALID = "This token is not valid: it may have been revoked, or its account closed."


def caller() -> LiveToken:
    """The request's live token (then also `g.api_token`); 401 without one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header or scheme.lower() != "bearer":
        # No credentials at all: no error code in the challenge (RFC 6750, section 3.1).
        raise _unauthorized(
            "This API needs a token: send it as 'Authorization: Bearer <token>'. "
            "Recruiters and HR create tokens on their API tokens page."
        )
    found = api_tokens.authenticate(token.strip())
    if found is None:
        raise _unauthorized(_NOT_VALID, error="invalid_token")
    g.api_token = found
    return found


def api_user() -> User:
    """The person the request's token speaks for, loaded for a write (a read needs only the
    id and role on the token)."""
    token: LiveToken = g.api_token
    user = db.session.get(User, token.user_id)
    if user is None:  # removed in the moment since the token was checked
        raise _unauthorized(_NOT_VALID, error="invalid_token")
    return user


def require_write(token: LiveToken) -> None:
    """403 unless the token may write (its person chose "Read and write" when making it)."""
    if not token.can_write:
        raise ApiProblem(
            403,
            "This token may only read. Create a token that may read and write on your API "
            "tokens page to add or change candidates.",
        )


def check_rate(user_id: int) -> None:
    """429 with Retry-After once a person has used up their calls for now (API_RATE_LIMIT, in
    the portal's one rate-limit store)."""
    wait = rate_limits.attempt(current_app.config["API_RATE_LIMIT"], f"api:user:{user_id}")
    if wait:
        raise ApiProblem(
            429,
            f"Too many requests with this account. Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
