"""Plugs outcomes into the app: the outcome page for HR and recruiters, and its command."""

from __future__ import annotations

from flask import Flask

from portal.outcomes import views
from portal.outcomes.commands import outcomes_cli

# Imported for the pages it adds to the audience blueprints.
__all__ = ["views"]


def init_app(app: Flask) -> None:
    app.cli.add_command(outcomes_cli)
