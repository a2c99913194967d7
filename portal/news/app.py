"""Plugs company news into the app: the candidate's news, HR's feeds, curation and
announcements, the feeds command and the origins news images may come from."""

from __future__ import annotations

from flask import Flask

from portal.mail import rechecks
from portal.news import announcement_views, candidate_views, feed_views, hr_views, updates
from portal.news.feeds.commands import feeds_cli
from portal.news.feeds.config import resolve_image_origins

# Imported for the pages they add.
__all__ = ["announcement_views", "candidate_views", "feed_views", "hr_views"]


def init_app(app: Flask) -> None:
    # In normal form for the sanitiser, the pages and the Content-Security-Policy's img-src.
    app.config["NEWS_IMAGE_ORIGINS"] = resolve_image_origins(app)
    app.cli.add_command(feeds_cli)
    # The update emails are gathered again when they are sent: news hidden meanwhile is left out.
    rechecks.register(updates.UPDATE_KIND, updates.recheck, app)
    rechecks.register(updates.SUMMARY_KIND, updates.recheck, app)
