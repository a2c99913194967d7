"""Plugs the API into the app: /api/v1 and the pages where staff manage their tokens."""

from __future__ import annotations

from flask import Flask

from portal.api import token_views
from portal.api.views import bp

__all__ = ["token_views"]  # imported for the pages it adds to the account blueprint


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/api/v1")
