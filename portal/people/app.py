"""Plugs people into the app: the audience blueprints, once every feature has added its pages."""

from __future__ import annotations

from flask import Flask

from portal.people.access import AUDIENCES


def init_app(app: Flask) -> None:
    for blueprint, prefix in AUDIENCES:
        app.register_blueprint(blueprint, url_prefix=prefix)
