"""Plugs the reports into the app: HR's report pages and their CSV files."""

from __future__ import annotations

from flask import Flask

from portal.reports import hr_views

# Imported for the pages it adds to HR's blueprint.
__all__ = ["hr_views"]


def init_app(app: Flask) -> None:
    """Nothing to register beyond the pages (hr_views adds them on import)."""
