"""The candidate pre-boarding portal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from portal import config as portal_config

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal. `config` overrides what the environment says (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(portal_config.INSTANCE_PATH),
        template_folder=str(portal_config.PROJECT_ROOT / "templates"),
        static_folder=str(portal_config.PROJECT_ROOT / "static"),
    )
    app.config.update(portal_config.DEFAULTS)
    app.config.update(portal_config.from_environment())
    if config:
        app.config.update(config)
    _check_config(app)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_security_headers(app)
    register_template_helpers(app)
    return app


def _check_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment "
            "(or PORTAL_ENV=development for a local, unsafe default)."
        )
    if not app.config.get("BASE_URL"):
        raise RuntimeError(
            "BASE_URL is not set: links in emails are built from it, never from the request."
        )
    if app.config.get("DEV_MAILBOX") and app.config.get("PORTAL_ENV") == "production":
        # The mailbox shows sign-in links to anyone: it must never be reachable in production.
        raise RuntimeError("DEV_MAILBOX is for development only; it cannot be on in production.")
    if app.config["SECRET_KEY"] == portal_config.DEVELOPMENT_SECRET_KEY:
        log.warning("Using the development SECRET_KEY: never run this configuration in production.")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        portal_config.INSTANCE_PATH.mkdir(exist_ok=True)


def register_extensions(app: Flask) -> None:
    from portal.auth.loader import init_login
    from portal.database import init_database
    from portal.extensions import csrf, db, migrate
    from portal.services import passwords, throttle

    db.init_app(app)
    migrate.init_app(app, db, directory=str(portal_config.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    init_login(app)
    init_database(app)
    passwords.init_app(app)
    throttle.init_app(app)


def register_blueprints(app: Flask) -> None:
    from portal.api import bp as api_bp
    from portal.auth import bp as auth_bp
    from portal.candidate import bp as candidate_bp
    from portal.faq import bp as faq_bp
    from portal.hr import bp as hr_bp
    from portal.info import bp as info_bp
    from portal.recruiter import bp as recruiter_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(candidate_bp, url_prefix="/candidate")
    app.register_blueprint(recruiter_bp, url_prefix="/recruiter")
    app.register_blueprint(hr_bp, url_prefix="/hr")
    app.register_blueprint(faq_bp, url_prefix="/faq")
    app.register_blueprint(info_bp)
    if app.config.get("DEV_MAILBOX"):
        from portal.dev import bp as dev_bp

        app.register_blueprint(dev_bp, url_prefix="/dev")


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import init_errors

    init_errors(app)


def register_commands(app: Flask) -> None:
    from portal.commands import init_commands

    init_commands(app)


def register_security_headers(app: Flask) -> None:
    from portal.security import init_security_headers

    init_security_headers(app)


def register_template_helpers(app: Flask) -> None:
    from portal.templating import init_templating

    init_templating(app)
