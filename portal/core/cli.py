"""What the portal's CLI commands share: running a step once, or again every N seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from portal.core.extensions import db


def every_option(minimum: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--every SECONDS`: keep running, as a service or in a container, instead of once."""
    return click.option(
        "--every",
        type=click.FloatRange(min=minimum),
        default=None,
        metavar="SECONDS",
        help="Keep running, doing what is due every SECONDS (for a service or container).",
    )


def run_repeatedly(every: float | None, step: Callable[[], None]) -> None:
    """Run `step` once, or every `every` seconds until Ctrl+C. Each run ends with the session
    released, so no transaction or connection is held while the command sleeps."""
    while True:
        step()
        db.session.remove()
        if every is None:
            return
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return
