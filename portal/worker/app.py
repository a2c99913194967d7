"""Plugs the worker into the app: `flask --app portal worker`."""

from __future__ import annotations

from flask import Flask

from portal.worker.loop import worker_command


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
