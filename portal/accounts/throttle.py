"""Failed sign-in throttling, per account and per client address.

Limits come from configuration as `limits` strings ("5 per minute;20 per hour"): the short one
slows a guesser down, the long one refuses for longer. Storage is in-process by default and Redis
(RATELIMIT_STORAGE_URI=redis://...) when several workers or hosts must share the counts.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal.core import clock

_EXTENSION_KEY = "portal.throttle"


@dataclass
class _Throttle:
    limiter: MovingWindowRateLimiter
    per_account: list[RateLimitItem]
    per_address: list[RateLimitItem]


def init_app(app: Flask) -> None:
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[_EXTENSION_KEY] = _Throttle(
        limiter=MovingWindowRateLimiter(storage),
        per_account=parse_many(app.config["SIGN_IN_LIMITS_PER_ACCOUNT"]),
        per_address=parse_many(app.config["SIGN_IN_LIMITS_PER_ADDRESS"]),
    )


def _state() -> _Throttle:
    return current_app.extensions[_EXTENSION_KEY]


def _keys(email: str, address: str) -> list[tuple[list[RateLimitItem], str]]:
    state = _state()
    # Hash the email so the store never holds addresses, known or unknown.
    account = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    return [
        (state.per_account, f"sign-in:account:{account}"),
        (state.per_address, f"sign-in:ip:{address}"),
    ]


def sign_in_retry_after(email: str, address: str) -> int:
    """Seconds until another attempt is allowed, or 0 if one is allowed now."""
    limiter = _state().limiter
    wait = 0.0
    for items, key in _keys(email, address):
        for item in items:
            if not limiter.test(item, key):
                reset_at, _remaining = limiter.get_window_stats(item, key)
                wait = max(wait, reset_at - clock.timestamp())
    return max(1, math.ceil(wait)) if wait > 0 else 0


def record_sign_in_failure(email: str, address: str) -> None:
    limiter = _state().limiter
    for items, key in _keys(email, address):
        for item in items:
            limiter.hit(item, key)


def clear_account(email: str) -> None:
    """Forget an account's failures after it signs in successfully."""
    state = _state()
    items, key = _keys(email, "")[0]
    for item in items:
        state.limiter.clear(item, key)
