"""Plugs engagement into the app: the recruiter's and HR's dashboards and /what-we-record."""

from __future__ import annotations

from flask import Flask

from portal.engagement import hr_views, recruiter_views, summaries
from portal.engagement.commands import engagement_cli
from portal.engagement.public_views import bp as public_bp

# Imported for the pages they add, and for the listeners that keep the summaries current.
__all__ = ["hr_views", "recruiter_views", "summaries"]


def init_app(app: Flask) -> None:
    app.register_blueprint(public_bp)
    app.cli.add_command(engagement_cli)
