"""Response headers that keep a strict Content-Security-Policy and private pages private."""

from __future__ import annotations

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


def _refuse_nul_bytes() -> None:
    """No text the portal stores or searches may hold a NUL byte (PostgreSQL refuses them)."""
    if request.endpoint == "static":
        return
    for values in (request.args, request.form):
        if any("\x00" in value for _key, items in values.lists() for value in items):
            abort(400, "The text sent contains a character that cannot be stored (a NUL byte).")


def init_security_headers(app: Flask) -> None:
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.before_request(_refuse_nul_bytes)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            # Pages carry personal data: no shared or back-button caches keep them.
            headers.setdefault("Cache-Control", "no-store")
        return response
