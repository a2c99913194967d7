"""The JSON API: candidates with their engagement status, and their events after a cursor.

Authenticated by bearer token only; a recruiter sees their own candidates, HR everyone. Each
request runs a fixed number of SQL queries, whatever the number of rows. The writes (a `write`
token's) are in `api.write_views`, on this blueprint.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from portal.api import candidate_list, event_feed
from portal.api import tokens as api_tokens
from portal.api.auth import caller, check_rate
from portal.api.openapi import CURSOR_PATTERN, MAX_DB_ID, document
from portal.api.tokens import LiveToken
from portal.core import clock
from portal.core.database import SAFE_METHODS
from portal.core.extensions import csrf, db
from portal.core.problems import ApiProblem, bad_parameter
from portal.engagement import cohort
from portal.engagement import status as engagement
from portal.engagement.models import Status
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import Role

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

EVENT_LIMIT = (1, 500, 100)  # minimum, maximum, default
CANDIDATE_LIMIT = (1, 200, 50)
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
# Plain decimal digits, no sign, no leading zero, never long enough to be slow to convert.
_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
_CURSOR = re.compile(CURSOR_PATTERN)
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def _setup(state: BlueprintSetupState) -> None:
    # Bearer tokens only, never cookies: there is no session for a forged request to ride on.
    csrf.exempt(bp)


bp.record_once(_setup)


def body_limit(setting: str, factor: int = 1) -> Callable[[ViewFunc], ViewFunc]:
    """Mark a view that takes a larger body than MAX_CONTENT_LENGTH: `factor` times the
    setting `setting`, in bytes (a bulk import)."""

    def mark(view: ViewFunc) -> ViewFunc:
        view.api_body_limit = (setting, factor)  # type: ignore[attr-defined]
        return view

    return mark


def _largest_body() -> int:
    view = current_app.view_functions.get(request.endpoint or "")
    setting, factor = getattr(view, "api_body_limit", ("MAX_CONTENT_LENGTH", 1))
    return int(current_app.config[setting]) * factor


@bp.before_request
def _guard() -> None:
    """Size first, then the token, then the rate. A body of unknown length is cut at the same
    size as it is read (413)."""
    limit = _largest_body()
    request.max_content_length = limit
    length = request.content_length
    if length is not None and length > limit:
        abort(413, f"The request is too large: this address takes at most {limit:,} bytes.")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = caller()
    _note_use(token)
    check_rate(token.user_id)


def _note_use(token: LiveToken) -> None:
    """Note the token's use (at most once a minute). A read notes it in a short transaction of
    its own (the request itself only reads), a write in its own transaction: on SQLite a second
    connection would wait for the write lock the request holds. Bookkeeping only, so a busy
    database does not fail the request."""
    statement = api_tokens.note_use(token, clock.now())
    if statement is None:
        return
    if request.method not in SAFE_METHODS:
        db.session.execute(statement)
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError:
        log.warning("Could not note the use of API token %s", token.id, exc_info=True)


def _caller() -> LiveToken:
    token: LiveToken = g.api_token
    return token


def _whole_number(name: str, low: int, high: int, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise bad_parameter(name, f"must be a whole number from {low} to {high}")
    return int(raw)


Choice = TypeVar("Choice", bound=StrEnum)


def _choice(name: str, enum: type[Choice]) -> Choice | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return enum(raw)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise bad_parameter(name, f"must be one of: {choices}") from None


def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def candidate_json(signal: engagement.CandidateSignal) -> dict:
    """A candidate as the API shows them (the OpenAPI document's Candidate)."""
    recruiter = None
    if signal.recruiter_id is not None:
        recruiter = {"id": signal.recruiter_id, "name": signal.recruiter_name or ""}
    return {
        "id": signal.candidate_id,
        "name": signal.name,
        "email": signal.email,
        "job_title": signal.job_title,
        "recruiter": recruiter,
        "joining_at": signal.joining_at.isoformat(),
        "days_to_joining": signal.days_to_joining,
        "has_joined": signal.has_joined,
        "signed_up": signal.signed_up,
        "status": str(signal.status),
        "reasons": [
            {"code": reason.code, "status": str(reason.status), "text": reason.text}
            for reason in signal.reasons
        ],
        "last_seen_at": _instant(signal.last_seen_at),
        "unanswered_questions": signal.unanswered_questions,
        "waiting_since": _instant(signal.waiting_since),
        "last_pulse": signal.last_pulse,
    }


def _event(event: EngagementEvent) -> dict:
    return {
        "id": str(event.id),
        "candidate_id": event.candidate_id,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "subject": event.subject,
        "data": event.data,
    }


def _own_scope(token: LiveToken) -> int | None:
    """The recruiter filter that keeps a caller in scope: their own id, or None for HR."""
    return None if token.role == Role.HR else token.user_id


@bp.get("/candidates")
def candidates() -> ResponseReturnValue:
    """The caller's candidates, riskiest first, then soonest joining, a page at a time (pass
    `next_cursor` back as `after`). The statuses are those the portal stored for its
    dashboards, evaluated at `computed_at` or later."""
    token = _caller()
    recruiter_id = _whole_number("recruiter_id", 1, MAX_DB_ID, None)
    status = _choice("status", Status)
    limit = _whole_number("limit", *CANDIDATE_LIMIT) or CANDIDATE_LIMIT[2]
    raw_after = request.args.get("after")
    after = None
    if raw_after is not None:
        after = cohort.read_cursor(raw_after)
        if after is None:
            raise bad_parameter("after", "must be a next_cursor value from an earlier page")
    scope = _own_scope(token)
    now = clock.now()
    if scope is not None and recruiter_id not in (None, scope):
        # Another recruiter's: none of them are yours.
        found = candidate_list.EMPTY
    else:
        found = candidate_list.page(
            now, recruiter_id=scope or recruiter_id, status=status, after=after, size=limit
        )
    return jsonify(
        data=found.data,
        count=len(found.data),
        next_cursor=found.next_cursor,
        has_more=found.next_cursor is not None,
        computed_at=(found.computed_at or now).isoformat(),
    )


@bp.get("/candidates/<int:candidate_id>")
def candidate(candidate_id: int) -> ResponseReturnValue:
    """One candidate; 404 when out of the caller's scope, exactly as for a missing id."""
    token = _caller()
    rows = []
    if candidate_id <= MAX_DB_ID:
        rows = engagement.signals(
            clock.now(), recruiter_id=_own_scope(token), candidate_ids=[candidate_id]
        )
    if not rows:
        raise ApiProblem(404, f"There is no candidate {candidate_id} among yours.")
    return jsonify(candidate_json(rows[0]))


@bp.get("/events")
def events() -> ResponseReturnValue:
    """Events about the caller's candidates after a cursor, oldest first."""
    token = _caller()
    raw_after = request.args.get("after")
    after = 0
    if raw_after is not None:
        if not _CURSOR.fullmatch(raw_after):
            raise bad_parameter("after", "must be a next_cursor value from an earlier page")
        after = int(raw_after)
    limit = _whole_number("limit", *EVENT_LIMIT) or EVENT_LIMIT[2]
    candidate_id = _whole_number("candidate_id", 1, MAX_DB_ID, None)
    kind = _choice("kind", EventKind)
    scope = _own_scope(token)
    if candidate_id is not None and not event_feed.can_see_candidate(scope, candidate_id):
        raise ApiProblem(404, f"There is no candidate {candidate_id} among yours.")
    result = event_feed.page(
        scope,
        after=after,
        limit=limit,
        now=clock.now(),
        settle=timedelta(seconds=current_app.config["API_EVENTS_SETTLE_SECONDS"]),
        candidate_id=candidate_id,
        kind=kind,
    )
    return jsonify(
        data=[_event(event) for event in result.events],
        next_cursor=str(result.next_cursor),
        has_more=result.has_more,
    )


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of this API (public: it holds no data)."""
    return jsonify(document(current_app.config["BASE_URL"]))
