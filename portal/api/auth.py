"""Who is calling the API: a bearer token, never a session cookie, and how often they may call."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal.api import tokens as api_tokens
from portal.core.problems import ApiProblem
from portal.people.models import User

REALM = 'Bearer realm="portal"'
_LIMITER_KEY = "portal.api_limiter"


def init_rate_limit(app: Flask) -> None:
    """Calls per person and minute (API_RATE_LIMIT), counted in the sign-in throttle's store."""
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[_LIMITER_KEY] = (
        MovingWindowRateLimiter(storage),
        parse_many(app.config["API_RATE_LIMIT"]),
    )


def _unauthorized(detail: str, error: str | None = None) -> ApiProblem:
    challenge = REALM + (f', error="{error}"' if error else "")
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge})


def caller() -> User:
    """The person behind the request's token; 401 without a live one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header or scheme.lower() != "bearer":
        # No credentials at all: no error code in the challenge (RFC 6750, section 3.1).
        raise _unauthorized(
            "This API needs a token: send it as 'Authorization: Bearer <token>'. "
            "Recruiters and HR create tokens on their API tokens page."
        )
    user = api_tokens.authenticate(token.strip())
    if user is None:
        raise _unauthorized(
            "This token is not valid: it may have been revoked, or its account closed.",
            error="invalid_token",
        )
    g.api_user = user
    return user


def check_rate(user: User) -> None:
    """429 with Retry-After once a person has used up their calls for now."""
    limiter, items = current_app.extensions[_LIMITER_KEY]
    key = f"api:user:{user.id}"
    for item in items:
        if not limiter.hit(item, key):
            reset_at, _remaining = limiter.get_window_stats(item, key)
            wait = max(1, math.ceil(reset_at - time.time()))
            raise ApiProblem(
                429,
                f"Too many requests with this account. Try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )
