"""Response headers that keep a strict Content-Security-Policy and private pages private, and
the refusal of characters no request of this site carries (NUL anywhere, line breaks in the
address)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

NUL_REFUSED = "The text sent contains a character that cannot be stored (a NUL byte)."
LINE_BREAK_REFUSED = (
    "The address contains a line break, which no link of this site has. "
    "Check the link and try again."
)


def security_headers(*, secure: bool) -> dict[str, str]:
    """The headers every response carries, error pages and the last-resort 500 included."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def _holds_nul(value: Any) -> bool:
    """A NUL in a JSON document: in any string, key or value, however deep."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _refuse_unsafe_characters() -> None:
    """400 before any view runs: PostgreSQL refuses NUL in text, and a line break in the path
    or query string is never in a link the portal made (it would only end up in a header).
    Form fields may hold line breaks (text areas); a NUL nowhere."""
    path = request.path
    query = unquote_to_bytes(request.query_string)
    if "\x00" in path or b"\x00" in query:
        abort(400, NUL_REFUSED)
    if any(char in path for char in "\r\n") or b"\r" in query or b"\n" in query:
        abort(400, LINE_BREAK_REFUSED)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        if _holds_nul(request.get_json(silent=True)):
            abort(400, NUL_REFUSED)
        return
    for key, values in request.form.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            abort(400, NUL_REFUSED)


def init_security_headers(app: Flask) -> None:
    headers_for_all = security_headers(secure=bool(app.config.get("SESSION_COOKIE_SECURE")))
    app.before_request(_refuse_unsafe_characters)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        for name, value in headers_for_all.items():
            headers.setdefault(name, value)
        if request.endpoint != "static":
            # Pages carry personal data: no shared or back-button caches keep them.
            headers.setdefault("Cache-Control", "no-store")
        return response
