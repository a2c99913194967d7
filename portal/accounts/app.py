"""Plugs accounts into the app: sign-in, password hashing, its pages and commands."""

from __future__ import annotations

from flask import Flask

from portal.accounts import (
    audit_views,
    hr_views,
    language_views,
    offer_import_views,
    oidc,
    oidc_views,
    passwords,
    profile_views,
    search_views,
    views,
)
from portal.accounts.commands import users_cli
from portal.accounts.login import init_login
from portal.people import audit

__all__ = [
    "audit_views",
    "hr_views",
    "language_views",
    "offer_import_views",
    "oidc_views",
    "profile_views",
    "search_views",
    "views",
]  # imported for the pages they add to the audience blueprints


def init_app(app: Flask) -> None:
    init_login(app)
    app.add_template_filter(audit.describe, "action_words")
    app.add_template_filter(audit.describe_field, "field_words")
    passwords.init_app(app)
    app.cli.add_command(users_cli)
    # Staff single sign-on: its settings checked now (half a configuration stops the start).
    oidc.init_app(app)
    app.add_template_global(oidc.provider_name, "sso_provider_name")
