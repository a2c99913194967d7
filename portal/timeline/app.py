"""Plugs the timeline into the app: the candidate's milestones and calendar file, HR's editor."""

from __future__ import annotations

from flask import Flask

from portal.timeline import calendar_views, candidate_views, hr_views

__all__ = ["calendar_views", "candidate_views", "hr_views"]  # imported for the pages they add


def init_app(app: Flask) -> None:
    """Nothing to register beyond the pages its modules add to the audience blueprints."""
