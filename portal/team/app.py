"""Plugs the team into the app: HR's team list, each candidate's welcome, buddy and team for
the recruiter and HR, the candidate's "Meet your team" page, and the photos."""

from __future__ import annotations

from flask import Flask

from portal.team import candidate_views, hr_views, staff_views
from portal.team.photo_views import bp as photos_bp
from portal.team.photos import photo_url

__all__ = ["candidate_views", "hr_views", "staff_views"]  # imported for the pages they add


def init_app(app: Flask) -> None:
    app.register_blueprint(photos_bp, url_prefix="/team")
    app.jinja_env.globals["photo_url"] = photo_url
