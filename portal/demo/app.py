"""Plugs the demo data into the app: `flask --app portal demo load`."""

from __future__ import annotations

from flask import Flask

from portal.demo.commands import demo_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
