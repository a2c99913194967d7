"""`flask --app portal outcomes mark-joined`: what the worker's job does, all at once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core import clock
from portal.core.extensions import db
from portal.outcomes import recording

outcomes_cli = AppGroup("outcomes", help="What became of each offer.")


@outcomes_cli.command("mark-joined")
def mark_joined() -> None:
    """Mark joined every active candidate whose joining moment has passed and who has no
    outcome (after an upgrade, instead of waiting for the worker's batches), a batch per
    transaction."""
    total = 0
    while True:
        marked = recording.mark_joined(clock.now())
        db.session.commit()
        total += marked.joined
        if not marked.more:
            break
    click.echo(f"Marked {total} candidate(s) joined.")
