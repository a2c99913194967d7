"""Error pages in the site's layout, for every status a person might meet, and the last resort
when even those fail.

Each error answer carries the security headers of a normal page: the handlers' answers get them
from `after_request` like any page; the last resort (`LastResort`, around the whole WSGI app)
sets them itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from werkzeug.http import HTTP_STATUS_CODES

from portal.core.extensions import db
from portal.core.i18n import _, _l, in_language, language_without_database
from portal.core.problems import API_PATH_PREFIX, DETAILS, PROBLEM_JSON, for_api
from portal.core.security import app_security_headers

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("portal.errors")

# Each status's title and hint, in the reader's language when the page is made.
MESSAGES = {
    400: (_l("The request could not be understood"), _l("Go back, reload the page and try again.")),
    403: (_l("You cannot do that"), _l("Your account does not allow this action.")),
    404: (_l("Page not found"), _l("The page does not exist, or it is not yours to see.")),
    405: (_l("That did not work"), _l("This page cannot be used that way.")),
    410: (_l("This link no longer works"), _l("Ask for a new one.")),
    413: (_l("That is too much to send"), _l("Shorten what you entered and send it again.")),
    429: (_l("Too many attempts"), _l("Please wait a moment before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("It has been logged. Please try again shortly."),
    ),
}

# What is left when nothing else can be rendered: no template, no database, no url_for, and no
# language but English (the reader's is unknown without the database).
_TITLE, _HINT = "Something went wrong on our side", "It has been logged. Please try again shortly."
STATIC_SERVER_ERROR_PAGE = (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    f"<title>{_TITLE} · Pre-boarding portal</title></head>\n"
    f'<body><main><h1>{_TITLE}</h1><p>{_HINT}</p><p class="muted">Error 500</p>'
    '<p><a href="/">Go to your home page</a></p></main></body>\n</html>\n'
)
STATIC_SERVER_ERROR_PROBLEM = json.dumps(
    {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES[500],
        "status": 500,
        "detail": DETAILS[500],
    }
)
_HTML = "text/html; charset=utf-8"


def _render(status: int, detail: str | None = None) -> tuple[str, int]:
    if status in MESSAGES:
        title, hint = (str(text) for text in MESSAGES[status])
    else:
        title, hint = _("Error %(status)s", status=status), ""
    return render_template(
        "core/error.html", status=status, title=title, hint=detail or hint
    ), status


def _http_error(error: HTTPException) -> ResponseReturnValue:
    if error.code is None or error.code < 400:
        return error
    # A message written for this error (abort(400, "...")) is shown; Werkzeug's generic one not.
    detail = error.description if error.description != type(error).description else None
    return _render(error.code, None if detail is None else str(detail))


def _csrf_error(_error: CSRFError) -> ResponseReturnValue:
    return _render(
        400,
        _(
            "This form had expired or did not come from this site. "
            "Reload the page and send it again; nothing was saved."
        ),
    )


def _untrusted_host(_error: SecurityError) -> ResponseReturnValue:
    # The request names a host outside TRUSTED_HOSTS: no URL can be built for it, so no layout.
    return "Bad request: this host name is not served here.", 400, {"Content-Type": "text/plain"}


def _roll_back() -> None:
    """A failed statement leaves PostgreSQL refusing every other until the transaction ends:
    end it, so nothing after the error (the session's own clean-up included) fails again."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the page must still be answered
        log.warning("Could not roll back after an error", exc_info=True)


def _server_error(_error: InternalServerError) -> ResponseReturnValue:
    # Flask has already logged the original exception with its traceback. The page asks
    # nothing of the database (it may be why we are here): no signed-in header, no counts, and
    # no context processors (Flask-Login's loads the signed-in user).
    try:
        # In the language the request had settled on, else the visitor's (cookie, browser):
        # finding the signed-in person's own choice would ask the database.
        with in_language(language_without_database()):
            title, hint = (str(text) for text in MESSAGES[500])
            page = current_app.jinja_env.get_template("core/server_error.html")
            return page.render(title=title, hint=hint), 500
    except Exception:
        log.exception("The 500 page could not be rendered; answering the static one")
        return STATIC_SERVER_ERROR_PAGE, 500, {"Content-Type": _HTML}


def _rolled_back(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def answer(error: Any) -> Any:
        _roll_back()
        return handler(error)

    return answer


class LastResort:
    """Around the whole WSGI app: whatever escapes Flask's own handling (an error handler that
    fails, a teardown that raises) is answered with a static 500 carrying the security headers,
    never with the server's bare page or a traceback.

    Exceptions propagate instead where Flask would propagate them (PROPAGATE_EXCEPTIONS, or
    testing and debug when it is unset), so tests and the debugger still see them."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def _propagates(self) -> bool:
        propagate = self.app.config.get("PROPAGATE_EXCEPTIONS")
        if propagate is None:
            return self.app.testing or self.app.debug
        return bool(propagate)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # The status and headers wait here until the app has returned: an exception raised
        # after Flask called start_response (in a teardown) can still become a clean 500.
        started: list[tuple[str, list[tuple[str, str]]]] = []
        writers: list[Callable[[bytes], object]] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None and writers:  # too late: the server has the headers
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [(status, headers)]

            def write(data: bytes) -> None:  # the legacy write(); Flask never calls it
                if not writers:
                    writers.append(start_response(*started[0]))
                writers[0](data)

            return write

        try:
            body = self.wsgi_app(environ, hold)
        except Exception:
            if self._propagates():
                raise
            log.exception("An error escaped every error handler; answering the static 500")
            if writers:
                raise  # part of the answer is gone already: nothing clean is left to send
            return self._static_500(environ, start_response)
        if not writers:
            start_response(*started[0])
        return body

    def _static_500(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        api = (environ.get("PATH_INFO", "") + "/").startswith(API_PATH_PREFIX)
        body = (STATIC_SERVER_ERROR_PROBLEM if api else STATIC_SERVER_ERROR_PAGE).encode()
        headers = {
            **app_security_headers(self.app),
            "Cache-Control": "no-store",
            "Content-Type": PROBLEM_JSON if api else _HTML,
            "Content-Length": str(len(body)),
        }
        start_response("500 INTERNAL SERVER ERROR", list(headers.items()))
        return [body]


def init_errors(app: Flask) -> None:
    # Under /api/ every error is problem details (JSON) instead: see portal/core/problems.py.
    app.register_error_handler(CSRFError, for_api(_csrf_error))
    app.register_error_handler(SecurityError, for_api(_untrusted_host))
    app.register_error_handler(InternalServerError, _rolled_back(for_api(_server_error)))
    app.register_error_handler(HTTPException, for_api(_http_error))
    app.wsgi_app = LastResort(app, app.wsgi_app)  # type: ignore[method-assign]
