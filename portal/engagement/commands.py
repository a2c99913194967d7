"""`flask --app portal engagement rebuild-summaries`: recompute every candidate's summary."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.extensions import db
from portal.engagement import summary_rebuild, tiles

engagement_cli = AppGroup("engagement", help="Candidates' engagement summaries.")


@engagement_cli.command("rebuild-summaries")
def rebuild_summaries() -> None:
    """Recompute every candidate's summary from their events, questions and pulses (after an
    upgrade, or a restore; the worker also rebuilds any that are missing)."""
    rebuilt = summary_rebuild.rebuild()
    tiles.fold_changes()  # the tiles' counts brought up to date with what the rebuild moved
    db.session.commit()
    click.echo(f"Rebuilt {rebuilt} candidate summar{'y' if rebuilt == 1 else 'ies'}.")
