"""The current instant as pages see it: the real clock, or a fixed one that tests set.

Production never sets anything: `now()` is `utcnow()`. A test that needs a page rendered at a
known moment builds its app with `PORTAL_CLOCK` set to an aware datetime, e.g.
`create_app({..., "PORTAL_CLOCK": datetime(2026, 3, 7, 14, 0, tzinfo=UTC)})`. It is read from
the app's config only (never from the environment), so it cannot be switched on by accident.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import current_app


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (the only kind of datetime the models hold)."""
    return datetime.now(UTC)


def timestamp() -> float:
    """The real clock in POSIX seconds, for libraries that count in them (the rate limiters'
    window resets). Never fixed by `PORTAL_CLOCK`: those libraries read the real clock too."""
    return time.time()


def now() -> datetime:
    """The current instant, aware and in UTC; `PORTAL_CLOCK` in the app's config fixes it."""
    fixed = current_app.config.get("PORTAL_CLOCK")
    if fixed is None:
        return utcnow()
    if fixed.tzinfo is None:
        raise RuntimeError("PORTAL_CLOCK must be an aware datetime (with tzinfo).")
    return fixed.astimezone(UTC)
