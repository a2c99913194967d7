"""Rate limits shared by every worker and host: how often someone may try something.

One Flask-Limiter per app holds the store (in-process by default, Redis when
RATELIMIT_STORAGE_URI=redis://... so several gunicorn workers and hosts share the counts) and the
moving-window strategy. Views ask here before doing work that costs something (a sign-in guess,
a reset email, a question that emails a recruiter) and answer 429 with their own page, which
keeps what the person typed.

Limits are `limits` strings from configuration, such as "5 per minute;20 per hour": the short
one slows a burst down, the long one refuses for longer. Keys never hold personal data in clear:
pass what identifies someone through `private_key`.

If the store cannot be reached the limit is not applied (said in the log): a Redis outage must
not lock everybody out of the portal.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from functools import cache

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import STRATEGIES, RateLimiter

from portal.core import clock
from portal.core.config import ConfigError
from portal.core.i18n import ngettext

log = logging.getLogger("portal.rate_limits")

_EXTENSION_KEY = "portal.rate_limits"


@dataclass(frozen=True)
class RateLimits:
    """The store of attempts and the strategy that reads it."""

    storage: Storage
    limiter: RateLimiter

    def reset(self) -> None:
        """Forget every count (tests start each case with none)."""
        self.storage.reset()


def init_app(app: Flask) -> None:
    # The `limits` library itself, not an extension: every limit is checked by the code that
    # owns it (the functions below), so no hook runs on requests that have none.
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    if not isinstance(storage, Storage):  # an "async+…" store: sync workers cannot use it
        raise ConfigError("RATELIMIT_STORAGE_URI: use memory:// or redis://, not an async store")
    strategy = STRATEGIES[app.config["RATELIMIT_STRATEGY"]](storage)
    app.extensions[_EXTENSION_KEY] = RateLimits(storage=storage, limiter=strategy)


def limiter() -> RateLimits:
    """The app's store and strategy."""
    found: RateLimits = current_app.extensions[_EXTENSION_KEY]
    return found


def private_key(*parts: str) -> str:
    """A key that names someone without holding their address: a hash of `parts`."""
    joined = "\x1f".join(part.strip().lower() for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@cache
def _items(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def _wait(limits: str, key: str) -> float:
    strategy = limiter().limiter
    wait = 0.0
    for item in _items(limits):
        if not strategy.test(item, key):
            reset_at, _remaining = strategy.get_window_stats(item, key)
            wait = max(wait, reset_at - clock.timestamp())
    return wait


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait)) if wait > 0 else 0


def retry_after(limits: str, key: str) -> int:
    """Seconds until another attempt under `key` is allowed (0: allowed now). Counts nothing."""
    try:
        return _seconds(_wait(limits, key))
    except Exception:  # the store is down: do not lock people out
        log.warning("Rate-limit store unavailable; %s not checked", key, exc_info=True)
        return 0


def record(limits: str, key: str) -> None:
    """Count one attempt under `key` (a failed sign-in, say), whatever the limits say now."""
    strategy = limiter().limiter
    try:
        for item in _items(limits):
            strategy.hit(item, key)
    except Exception:
        log.warning("Rate-limit store unavailable; %s not counted", key, exc_info=True)


def attempt(limits: str, key: str) -> int:
    """Take one attempt under `key`: 0 and counted if every limit has room, else the seconds to
    wait. Each limit is taken in one step of the store (atomic in memory and in Redis), so
    requests racing each other cannot all slip under it."""
    strategy = limiter().limiter
    try:
        for item in _items(limits):
            if not strategy.hit(item, key):
                return max(1, _seconds(_wait(limits, key)))
    except Exception:  # the store is down: do not lock people out
        log.warning("Rate-limit store unavailable; %s not checked", key, exc_info=True)
    return 0


def clear(limits: str, key: str) -> None:
    """Forget the attempts under `key` (an account that has just signed in, say)."""
    strategy = limiter().limiter
    try:
        for item in _items(limits):
            strategy.clear(item, key)
    except Exception:
        log.warning("Rate-limit store unavailable; %s not cleared", key, exc_info=True)


def retry_message(seconds: int) -> str:
    """The sentence a 429 page shows, in minutes once the wait is long."""
    if seconds < 90:
        return ngettext(
            "Too many attempts. Wait %(num)d second, then try again.",
            "Too many attempts. Wait %(num)d seconds, then try again.",
            seconds,
        )
    return ngettext(
        "Too many attempts. Wait %(num)d minute, then try again.",
        "Too many attempts. Wait %(num)d minutes, then try again.",
        math.ceil(seconds / 60),
    )
