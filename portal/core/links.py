"""Links: absolute ones for email, built from BASE_URL and never from the request's Host header,
and the only check a redirect target taken from the request goes through."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import current_app

# What a browser removes before it parses a URL (WHATWG URL standard): ASCII tab and newlines
# anywhere, C0 controls and spaces at either end. Other controls are never in a link we made.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_EDGES = "".join(chr(code) for code in range(0x21))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_MAX_REDIRECT_LENGTH = 2000


def absolute_url(endpoint: str, **values: object) -> str:
    """The full address of `endpoint`, valid in a request, a CLI command or a worker job."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _as_browsers_read(value: str) -> str:
    return _TAB_OR_NEWLINE.sub("", value).strip(_EDGES).replace("\\", "/")


def _is_own_path(value: str) -> bool:
    """A path on this site: one leading slash, no scheme, no host, nothing a browser or a
    proxy that decodes %-escapes once more could read as another site."""
    for reading in (value, _as_browsers_read(unquote(value))):
        if not reading.startswith("/") or reading.startswith("//"):
            return False
        if _SCHEME.match(reading) or _CONTROL.search(reading):
            return False
        parts = urlsplit(reading)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_redirect_path(value: str | None) -> str | None:
    """`value` as the browser would follow it, if that is a path on this site; else None.

    For every redirect whose target comes from the request (sign-in's `next`): `/%09/x.example`,
    `/\\x.example`, ` //x.example`, `https:x.example` and the like all lead off the site once a
    browser has dropped the tab, turned the backslash or trimmed the space, so they are refused.
    """
    if not value or len(value) > _MAX_REDIRECT_LENGTH:
        return None
    target = _as_browsers_read(value)
    return target if _is_own_path(target) else None
