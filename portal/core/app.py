"""The app every feature plugs into: configuration, database, CSRF, error pages, security headers
and the shared template helpers. It knows no feature."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask

from portal.core import config as portal_config
from portal.core import rate_limits
from portal.core.assets import init_assets
from portal.core.database import init_database
from portal.core.errors import init_errors
from portal.core.extensions import csrf, db, migrate
from portal.core.fragments import init_fragments
from portal.core.i18n import init_i18n
from portal.core.ids import IdConverter
from portal.core.security import init_security_headers
from portal.core.site import init_site
from portal.core.templating import init_templating
from portal.core.uploads import init_uploads

log = logging.getLogger("portal")


def build_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A configured Flask app with the shared plumbing and no feature yet."""
    app = Flask(
        "portal",
        instance_path=str(portal_config.INSTANCE_PATH),
        template_folder=str(portal_config.PROJECT_ROOT / "templates"),
        static_folder=str(portal_config.PROJECT_ROOT / "static"),
    )
    app.config.update(portal_config.DEFAULTS)
    app.config.update(portal_config.from_environment())
    if config:
        app.config.update(config)
    check_config(app)
    # Before any route exists: every <int:…> in the app stops at the largest id (404 past it).
    app.url_map.converters["int"] = IdConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(portal_config.PROJECT_ROOT / "migrations"))
    init_uploads(app)  # before anything reads a form: upload views get room for their file
    csrf.init_app(app)
    init_database(app)
    init_errors(app)
    init_security_headers(app)
    init_i18n(app)
    init_templating(app)
    init_assets(app)
    init_site(app)
    init_fragments(app)
    rate_limits.init_app(app)
    return app


def check_config(app: Flask) -> None:
    """Refuse to start without what production needs, rather than fail at the first request."""
    if _only_showing_help():
        return
    if not app.config.get("SECRET_KEY"):
        raise portal_config.ConfigError(
            "SECRET_KEY is not set. Set it in the environment "
            "(or PORTAL_ENV=development for a local, unsafe default)."
        )
    if not app.config.get("BASE_URL"):
        raise portal_config.ConfigError(
            "BASE_URL is not set: links in emails are built from it, never from the request."
        )
    if app.config.get("DEV_MAILBOX") and app.config.get("PORTAL_ENV") == "production":
        # The mailbox shows sign-in links to anyone: it must never be reachable in production.
        raise portal_config.ConfigError(
            "DEV_MAILBOX is for development only; it cannot be on in production."
        )
    _check_secret_key(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        portal_config.INSTANCE_PATH.mkdir(exist_ok=True)


def _only_showing_help() -> bool:
    """`flask … --help` builds the app only to list its commands and their options, and runs
    none: an operator may read the help before there is a SECRET_KEY or a BASE_URL."""
    return click.get_current_context(silent=True) is not None and "--help" in sys.argv[1:]


def _check_secret_key(app: Flask) -> None:
    """Anyone who knows the key can forge a session: outside development and the tests it must
    be a long random one, never the published development key."""
    key = app.config["SECRET_KEY"]
    if app.config.get("PORTAL_ENV") in portal_config.UNSAFE_KEY_ENVIRONMENTS:
        if key == portal_config.DEVELOPMENT_SECRET_KEY:
            log.warning("Using the development SECRET_KEY: never run this in production.")
        return
    raw = key if isinstance(key, bytes) else str(key).encode("utf-8")
    if key == portal_config.DEVELOPMENT_SECRET_KEY:
        problem = "is the development key, which anyone can read"
    elif len(raw) < portal_config.SECRET_KEY_MIN_BYTES:
        problem = (
            f"is {len(raw)} bytes long; PORTAL_ENV={app.config.get('PORTAL_ENV')} needs "
            f"at least {portal_config.SECRET_KEY_MIN_BYTES}"
        )
    else:
        return
    raise portal_config.ConfigError(
        f"SECRET_KEY {problem}. Generate one with: {portal_config.HOW_TO_GENERATE_A_KEY}"
    )
