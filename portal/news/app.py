"""Plugs company news into the app: the candidate's news, HR's curation and the feeds command."""

from __future__ import annotations

from flask import Flask

from portal.news import candidate_views, hr_views
from portal.news.feeds.commands import feeds_cli

__all__ = ["candidate_views", "hr_views"]  # imported for the pages they add


def init_app(app: Flask) -> None:
    app.cli.add_command(feeds_cli)
