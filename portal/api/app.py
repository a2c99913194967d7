"""Plugs the API into the app: /api/v1 (reads and writes), the inbound offers of an applicant
tracking system, and the pages where staff manage their tokens."""

from __future__ import annotations

from flask import Flask

from portal.api import inbound, token_views, write_views
from portal.api.inbound_views import inbound_bp
from portal.api.views import bp
from portal.core.config import ConfigError

__all__ = ["token_views", "write_views"]  # imported for the routes they add to blueprints


def init_app(app: Flask) -> None:
    secret = app.config.get("INBOUND_OFFERS_SECRET") or ""
    if secret and not inbound.usable_secret(secret):
        raise ConfigError(
            "INBOUND_OFFERS_SECRET must be a Standard Webhooks secret: whsec_ followed by "
            "base64 of at least 24 random bytes (python -c 'import secrets, base64; "
            'print("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())\').'
        )
    app.register_blueprint(bp, url_prefix="/api/v1")
    app.register_blueprint(inbound_bp, url_prefix="/api/v1/inbound")
