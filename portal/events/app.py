"""Plugs events into the app: nothing to register; features record through `portal.events.log`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Events have no pages or commands of their own."""
