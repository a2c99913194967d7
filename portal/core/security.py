"""Response headers that keep a strict Content-Security-Policy and private pages private, and
the refusal of characters no request of this site carries (NUL anywhere, line breaks in the
address)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, request

from portal.core.i18n import _, _l

# Only a bare https origin may join img-src: nothing that could end the directive or add one.
_IMAGE_ORIGIN = re.compile(r"https://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?")


@lru_cache(maxsize=8)
def _policy(image_origins: tuple[str, ...]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(["img-src 'self' data:", *image_origins]),
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def content_security_policy(image_origins: Iterable[str] = ()) -> str:
    """The policy: everything from the portal itself, plus images from `image_origins` (the news
    images' NEWS_IMAGE_ORIGINS, https origins in normal form; anything else is left out)."""
    return _policy(tuple(sorted({o for o in image_origins if _IMAGE_ORIGIN.fullmatch(o)})))


CONTENT_SECURITY_POLICY = content_security_policy()

# Translated when refused (`str()`): the JSON API's problem details need a plain string.
NUL_REFUSED = _l("The text sent contains a character that cannot be stored (a NUL byte).")
LINE_BREAK_REFUSED = _l(
    "The address contains a line break, which no link of this site has. "
    "Check the link and try again."
)


def security_headers(*, secure: bool, image_origins: Iterable[str] = ()) -> dict[str, str]:
    """The headers every response carries, error pages and the last-resort 500 included."""
    headers = {
        "Content-Security-Policy": content_security_policy(image_origins),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def _holds_nul(document: Any) -> bool:
    """A NUL in a JSON document: in any string, key or value, however deep (walked with a
    list, not recursion: nesting cannot exhaust the stack)."""
    waiting = [document]
    while waiting:
        value = waiting.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, dict):
            waiting.extend(value.keys())
            waiting.extend(value.values())
        elif isinstance(value, list):
            waiting.extend(value)
    return False


def _refuse_unsafe_characters() -> None:
    """400 before any view runs: PostgreSQL refuses NUL in text, and a line break in the path
    or query string is never in a link the portal made (it would only end up in a header).
    Form fields may hold line breaks (text areas); a NUL nowhere."""
    path = request.path
    query = unquote_to_bytes(request.query_string)
    if "\x00" in path or b"\x00" in query:
        abort(400, str(NUL_REFUSED))
    if any(char in path for char in "\r\n") or b"\r" in query or b"\n" in query:
        abort(400, str(LINE_BREAK_REFUSED))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        try:
            document = request.get_json(silent=True)
        except RecursionError:  # not a ValueError, so `silent` lets it through
            abort(400, _("The JSON document is nested too deeply."))
        if _holds_nul(document):
            abort(400, str(NUL_REFUSED))
        return
    for key, values in request.form.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            abort(400, str(NUL_REFUSED))


def app_security_headers(app: Flask) -> dict[str, str]:
    """security_headers() as `app` is configured. Read when answering, not when the app is built:
    the news feature settles NEWS_IMAGE_ORIGINS after core is set up. Worked out once per
    configuration (every response carries them)."""
    return _headers_for(
        bool(app.config.get("SESSION_COOKIE_SECURE")),
        tuple(app.config.get("NEWS_IMAGE_ORIGINS") or ()),
    )


@lru_cache(maxsize=16)
def _headers_for(secure: bool, image_origins: tuple[str, ...]) -> dict[str, str]:
    # Read-only to callers: the same dict answers every request with this configuration.
    return security_headers(secure=secure, image_origins=image_origins)


def init_security_headers(app: Flask) -> None:
    app.before_request(_refuse_unsafe_characters)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        for name, value in app_security_headers(app).items():
            headers.setdefault(name, value)
        if request.endpoint != "static":
            # Pages carry personal data: no shared or back-button caches keep them.
            headers.setdefault("Cache-Control", "no-store")
        return response
