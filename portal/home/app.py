"""Plugs the candidate's home page (and its pulse form) into the app."""

from __future__ import annotations

from flask import Flask

from portal.home import pulse_views, views

__all__ = ["pulse_views", "views"]  # imported for the pages they add


def init_app(app: Flask) -> None:
    """Nothing to register beyond the pages its modules add to the candidate blueprint."""
