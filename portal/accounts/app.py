"""Plugs accounts into the app: sign-in, password hashing, throttles, its pages and commands."""

from __future__ import annotations

from flask import Flask

from portal.accounts import hr_views, passwords, throttle
from portal.accounts.commands import users_cli
from portal.accounts.login import init_login
from portal.accounts.views import bp

__all__ = ["hr_views"]  # imported for the pages it adds to the HR blueprint


def init_app(app: Flask) -> None:
    init_login(app)
    passwords.init_app(app)
    throttle.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
