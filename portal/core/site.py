"""What every page shares around its content: which navigation link is the current page, the
theme colour, and the web app manifest that lets a phone add the portal to its home screen."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from flask import Flask, Response, json, request

from portal.core import config as portal_config
from portal.core.assets import asset_url

SITE_NAME = "Pre-boarding portal"
SHORT_NAME = "Pre-boarding"
# The header's background in static/portal.css: the one place the colour is written down.
THEME_VARIABLE = "--primary-dark"
_VARIABLE = re.compile(rf"{re.escape(THEME_VARIABLE)}\s*:\s*(#[0-9a-fA-F]{{3,6}})\s*;")


@cache
def theme_colour() -> str:
    """The header's colour, read from the stylesheet so the phone's toolbar matches it."""
    css = (portal_config.PROJECT_ROOT / "static" / "portal.css").read_text(encoding="utf-8")
    match = _VARIABLE.search(css)
    if match is None:
        raise RuntimeError(f"static/portal.css defines no {THEME_VARIABLE} colour")
    return match.group(1).lower()


def current_link(hrefs: Iterable[str], path: str | None = None) -> str | None:
    """Of the navigation's links, the one the page being shown belongs to: the longest link
    that is the page's path or a folder above it (/hr/news covers /hr/news/entries; /hr/
    covers a person's pages). None when no link covers the page."""
    path = request.path if path is None else path
    best: str | None = None
    for href in hrefs:
        folder = href.rstrip("/") + "/"
        if (path == href or path.startswith(folder)) and (best is None or len(href) > len(best)):
            best = href
    return best


def manifest() -> Response:
    """The web app manifest (served at /manifest.webmanifest to everyone: it holds nothing
    private). start_url is the root, which sends each person to their own home."""
    body = {
        "name": SITE_NAME,
        "short_name": SHORT_NAME,
        "description": "Everything a new colleague needs before their first day.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": theme_colour(),
        "icons": [
            {"src": asset_url("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {
                "src": asset_url("icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "maskable",
            },
        ],
    }
    response = Response(json.dumps(body), mimetype="application/manifest+json")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def init_site(app: Flask) -> None:
    app.add_url_rule("/manifest.webmanifest", "manifest", manifest)
    app.jinja_env.globals.update(
        current_link=current_link, theme_colour=theme_colour, site_name=SITE_NAME
    )
