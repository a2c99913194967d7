"""The API's writes, for a token that may write: add a candidate, add many at once (a CSV file
or a JSON array, all or nothing), change a candidate's joining details, give a candidate to
another recruiter, record what became of an offer. What each does is `api.candidate_writes` and
`api.outcome_writes` (the portal's own operations and checks); here: the scope, the body, the
Idempotency-Key (`api.idempotency`) and the commit.

A write with an Idempotency-Key runs in two transactions: the key's claim is committed first
(so that a second request with the key, meanwhile, is refused instead of writing twice), then
the write commits together with its answer. A write that fails gives the key back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Response, current_app, g, request, url_for
from flask.typing import ResponseReturnValue

from portal.accounts import offer_import
from portal.api import candidate_writes as writes
from portal.api import idempotency, outcome_writes
from portal.api.auth import api_user, require_write
from portal.api.idempotency import Answer
from portal.api.views import body_limit, bp, candidate_json
from portal.core import clock
from portal.core.extensions import db
from portal.core.links import absolute_url
from portal.core.problems import ApiProblem
from portal.engagement import status as engagement
from portal.people.models import User

JSON = "application/json"
CSV = "text/csv"
# A JSON array of offers says more than the CSV of the same offers: it may be this much larger.
JSON_IMPORT_FACTOR = 3


def _json(body: Any, status: int, location: str | None = None) -> Answer:
    return Answer(status, current_app.json.dumps(body), location)


def _response(answer: Answer, *, replayed: bool = False) -> Response:
    response = current_app.response_class(answer.body, status=answer.status_code, mimetype=JSON)
    if answer.location:
        response.headers["Location"] = answer.location
    if replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response


def _problem(error: writes.InvalidInput) -> ApiProblem:
    return ApiProblem(
        422, error.detail, members={"errors": [item.as_json() for item in error.errors]}
    )


def _body() -> Any:
    """The JSON body, or 415 / 400 problem details saying what is wrong with it."""
    if request.mimetype != JSON:
        raise ApiProblem(415, "Send JSON, with the header 'Content-Type: application/json'.")
    try:
        return json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        raise ApiProblem(400, "The body is not valid JSON (UTF-8).") from None


def _object() -> dict[str, Any]:
    body = _body()
    if not isinstance(body, dict):
        raise ApiProblem(422, "Send a JSON object of fields.", members={"errors": []})
    return body


def _run(write: Callable[[User, datetime], Answer]) -> Answer:
    """The write, in the request's transaction; problem details for what it refuses."""
    try:
        return write(api_user(), clock.now())
    except writes.InvalidInput as error:
        raise _problem(error) from None
    except writes.OutOfScope as error:
        raise ApiProblem(403, str(error)) from None


def _write(write: Callable[[User, datetime], Answer]) -> Response:
    """Scope first, then the Idempotency-Key (if sent), then the write; commits."""
    token = g.api_token
    require_write(token)
    key = request.headers.get(idempotency.HEADER)
    if key is None:
        try:
            answer = _run(write)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return _response(answer)
    if not idempotency.valid_key(key):
        raise ApiProblem(
            400,
            f"The {idempotency.HEADER} header is 1 to {idempotency.KEY_MAX_LENGTH} printable "
            "ASCII characters, such as a UUID.",
        )
    request_print = idempotency.fingerprint(
        request.method, request.path, request.mimetype, request.get_data(cache=True)
    )
    keep = timedelta(hours=current_app.config["API_IDEMPOTENCY_HOURS"])
    try:
        claimed = idempotency.claim(token.id, key, request_print, now=clock.now(), keep=keep)
    except idempotency.KeyInUse:
        db.session.rollback()
        raise ApiProblem(
            409,
            f"A request with this {idempotency.HEADER} is still running. Wait for its answer, "
            "or send it again in a moment to get it.",
        ) from None
    except idempotency.KeyReused:
        db.session.rollback()
        raise ApiProblem(
            422,
            f"This {idempotency.HEADER} was used for another request (another address or body). "
            "Use a new key for each change.",
            members={"errors": []},
        ) from None
    db.session.commit()
    if isinstance(claimed, Answer):
        return _response(claimed, replayed=True)
    try:
        answer = _run(write)
        idempotency.complete(claimed, answer)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        idempotency.release(claimed)
        db.session.commit()
        raise
    return _response(answer)


def _candidate_or_404(caller: User, candidate_id: int) -> User:
    found = writes.candidate_for(caller, candidate_id)  # the route's ids stop at core.ids.MAX_ID
    if found is None:
        raise ApiProblem(404, f"There is no candidate {candidate_id} among yours.")
    return found


def _shown(candidate_id: int, now: datetime) -> dict[str, Any]:
    (signal,) = engagement.signals(now, candidate_ids=[candidate_id])
    return candidate_json(signal)


@bp.post("/candidates")
def create_candidate() -> ResponseReturnValue:
    """Add a candidate from an offer (the fields of HR's CSV) and queue their invitation."""

    def write(caller: User, now: datetime) -> Answer:
        rows = writes.json_offer_rows([_object()])
        offers = writes.checked_offers(rows, caller, now, where=lambda _number: "#")
        (created,) = writes.create(offers, caller)
        location = url_for("api.candidate", candidate_id=created.id)
        return _json(_shown(created.id, now), 201, location)

    return _write(write)


def _offer_rows() -> list[offer_import.OfferRow]:
    """The offers of a CSV file or a JSON array, as rows; problem details for a file that
    cannot be read as a whole (the same messages as HR's upload page)."""
    max_bytes = int(current_app.config["OFFER_IMPORT_MAX_BYTES"])
    max_rows = int(current_app.config["OFFER_IMPORT_MAX_ROWS"])
    if request.mimetype == CSV:
        data = request.get_data(cache=True)
        try:
            return offer_import.parse(data, max_bytes=max_bytes, max_rows=max_rows)[1]
        except offer_import.OfferFileError as error:
            raise ApiProblem(422, error.message, members={"errors": []}) from None
    if request.mimetype != JSON:
        raise ApiProblem(
            415, "Send a CSV file ('Content-Type: text/csv') or a JSON array of offers."
        )
    items = _body()
    if not isinstance(items, list) or not items:
        raise ApiProblem(422, "Send a JSON array of one offer or more.", members={"errors": []})
    if len(items) > max_rows:
        raise ApiProblem(
            422,
            f"This holds more than {max_rows:,} offers. Send them in parts of {max_rows:,} or "
            "fewer.",
            members={"errors": []},
        )
    return writes.json_offer_rows(items)


def _in_array(number: int) -> str:
    return f"#/{number - 1}"


@bp.post("/candidates/import")
@body_limit("OFFER_IMPORT_MAX_BYTES", JSON_IMPORT_FACTOR)
def import_candidates() -> ResponseReturnValue:
    """Add many candidates at once, all or none, each with their invitation queued."""

    def write(caller: User, now: datetime) -> Answer:
        rows = _offer_rows()
        where = None if request.mimetype == CSV else _in_array
        offers = writes.checked_offers(rows, caller, now, where=where)
        created = writes.create(offers, caller)
        listed = [{"id": user.id, "name": user.name, "email": user.email} for user in created]
        return _json({"created": len(created), "data": listed}, 201)

    return _write(write)


@bp.patch("/candidates/<int:candidate_id>/joining")
def change_joining(candidate_id: int) -> ResponseReturnValue:
    """Change some of a candidate's joining details; the candidate is emailed as from HR's form."""

    def write(caller: User, now: datetime) -> Answer:
        candidate = _candidate_or_404(caller, candidate_id)
        body = _object()
        changes = writes.change_joining(
            candidate, body, caller, now=now, portal_link=absolute_url("candidate.home")
        )
        profile = candidate.profile
        details = {
            "joining_date": profile.joining_date.isoformat(),
            "joining_time": profile.joining_time.strftime("%H:%M"),
            "joining_time_zone": profile.joining_time_zone,
            "location": profile.location,
            "reception_instructions": profile.reception_instructions,
        }
        return _json(
            {
                "candidate_id": candidate.id,
                **details,
                "changed": sorted(set(changes) & set(writes.JOINING_FIELDS)),
                "calendar_sequence": profile.calendar_sequence,
            },
            200,
        )

    return _write(write)


@bp.put("/candidates/<int:candidate_id>/recruiter")
def change_recruiter(candidate_id: int) -> ResponseReturnValue:
    """Give a candidate (and their question thread) to another recruiter, or to none."""

    def write(caller: User, now: datetime) -> Answer:
        candidate = _candidate_or_404(caller, candidate_id)
        writes.change_recruiter(candidate, _object(), caller)
        return _json(_shown(candidate.id, now), 200)

    return _write(write)


@bp.put("/candidates/<int:candidate_id>/outcome")
def record_outcome(candidate_id: int) -> ResponseReturnValue:
    """Record what became of a candidate's offer (joined, reneged before start, no-show)."""

    def write(caller: User, now: datetime) -> Answer:
        candidate = _candidate_or_404(caller, candidate_id)
        return _json(outcome_writes.record(candidate, _object(), caller, now=now), 200)

    return _write(write)
