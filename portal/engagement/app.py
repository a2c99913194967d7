"""Plugs engagement into the app: the recruiter's and HR's dashboards and /what-we-record."""

from __future__ import annotations

from flask import Flask

from portal.engagement import hr_views, recruiter_views
from portal.engagement.public_views import bp as public_bp

__all__ = ["hr_views", "recruiter_views"]  # imported for the pages they add


def init_app(app: Flask) -> None:
    app.register_blueprint(public_bp)
