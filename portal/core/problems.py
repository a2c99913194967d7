"""Errors of the JSON API as problem details (RFC 9457), never HTML.

Every error under /api/ is answered here: those the API raises itself (`ApiProblem`) and those
Flask and Werkzeug raise before or around it (unknown path, wrong method, a request too large,
a crash). The rest of the site keeps its HTML error pages: `for_api` wraps each of the site's
error handlers and only takes over for /api/ paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Response, current_app, has_request_context, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_JSON = "application/problem+json"
API_PATH_PREFIX = "/api/"

# What a client is told when the error itself carries no more precise message.
DETAILS = {
    400: "The request is not valid.",
    401: "Send a valid API token in the Authorization header: Bearer <token>.",
    404: "There is nothing at this address, or it is not yours to see.",
    405: "This address cannot be used with that method.",
    413: "The request is too large.",
    429: "Too many requests. Wait before trying again.",
    500: "Something went wrong on our side. It has been logged; try again shortly.",
}


class ApiProblem(HTTPException):
    """An error the API raises on purpose, with the sentence the client reads. `members` are
    extension members of the problem details, such as `errors` (each value at fault)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        members: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.extra_headers = dict(headers or {})
        self.members = dict(members or {})


def bad_parameter(name: str, rule: str) -> ApiProblem:
    """A 400 naming the query parameter at fault, e.g. "limit must be …"."""
    return ApiProblem(400, f"The query parameter '{name}' {rule}.")


def is_api_request() -> bool:
    return has_request_context() and (request.path + "/").startswith(API_PATH_PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    members: Mapping[str, Any] | None = None,
) -> Response:
    """A problem details response for the current request, with any extension `members`."""
    body = {
        **(members or {}),
        "type": "about:blank",  # the status code says it all; `detail` says the rest
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or DETAILS.get(status) or HTTP_STATUS_CODES.get(status, "Error"),
        "instance": request.path,
    }
    response = current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype=PROBLEM_JSON
    )
    response.headers.update(headers or {})
    return response


def problem_for(error: Exception) -> Response:
    """The problem details for any exception that reached an error handler."""
    if not isinstance(error, HTTPException) or error.code is None:
        # Flask has logged the exception; its text may hold internals, so none of it is shown.
        return problem(500)
    headers: dict[str, str] = {}
    if isinstance(error, ApiProblem):
        headers.update(error.extra_headers)
        return problem(error.code, error.description, headers, error.members)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        allowed = ", ".join(sorted(error.valid_methods))
        headers["Allow"] = allowed
        return problem(405, f"This address only answers {allowed}.", headers)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    # A message written for this error (abort(400, "...")) is passed on; Werkzeug's generic not.
    custom = error.description if error.description != type(error).description else None
    return problem(error.code, custom, headers)


def for_api(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap one of the site's error handlers: problem details under /api/, the page elsewhere."""

    @wraps(handler)
    def dispatch(error: Any) -> Any:
        if is_api_request():
            return problem_for(error)
        return handler(error)

    return dispatch
