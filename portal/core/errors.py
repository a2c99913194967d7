"""Error pages in the site's layout, for every status a person might meet."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from portal.core.problems import for_api

MESSAGES = {
    400: ("The request could not be understood", "Go back, reload the page and try again."),
    403: ("You cannot do that", "Your account does not allow this action."),
    404: ("Page not found", "The page does not exist, or it is not yours to see."),
    405: ("That did not work", "This page cannot be used that way."),
    410: ("This link no longer works", "Ask for a new one."),
    413: ("That is too much to send", "Shorten what you entered and send it again."),
    429: ("Too many attempts", "Please wait a moment before trying again."),
    500: ("Something went wrong on our side", "It has been logged. Please try again shortly."),
}


def _render(status: int, detail: str | None = None) -> tuple[str, int]:
    title, hint = MESSAGES.get(status, (f"Error {status}", ""))
    return render_template(
        "core/error.html", status=status, title=title, hint=detail or hint
    ), status


def _http_error(error: HTTPException) -> ResponseReturnValue:
    if error.code is None or error.code < 400:
        return error
    # A message written for this error (abort(400, "...")) is shown; Werkzeug's generic one not.
    detail = error.description if error.description != type(error).description else None
    return _render(error.code, detail)


def _csrf_error(_error: CSRFError) -> ResponseReturnValue:
    return _render(
        400,
        "This form had expired or did not come from this site. "
        "Reload the page and send it again; nothing was saved.",
    )


def _untrusted_host(_error: SecurityError) -> ResponseReturnValue:
    # The request names a host outside TRUSTED_HOSTS: no URL can be built for it, so no layout.
    return "Bad request: this host name is not served here.", 400, {"Content-Type": "text/plain"}


def _server_error(_error: InternalServerError) -> ResponseReturnValue:
    # Flask has already logged the original exception with its traceback.
    return _render(500)


def init_errors(app: Flask) -> None:
    # Under /api/ every error is problem details (JSON) instead: see portal/api/problems.py.
    app.register_error_handler(CSRFError, for_api(_csrf_error))
    app.register_error_handler(SecurityError, for_api(_untrusted_host))
    app.register_error_handler(InternalServerError, for_api(_server_error))
    app.register_error_handler(HTTPException, for_api(_http_error))
