"""POST /api/v1/inbound/offer-accepted: an applicant tracking system tells the portal that an
offer was accepted, and the candidate is added as HR adds one (`api.inbound` checks the
signature; `api.candidate_writes` does the rest). No token and no session: the signature with
the shared secret INBOUND_OFFERS_SECRET is the credential. Off while that is not set.

Every answer is problem details but the 201 (added) and the 200 (this offer was added before).
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue

from portal.api import candidate_writes as writes
from portal.api import inbound
from portal.core import clock
from portal.core.extensions import csrf, db
from portal.core.problems import ApiProblem

inbound_bp = Blueprint("api_inbound", __name__)


def _setup(state: BlueprintSetupState) -> None:
    csrf.exempt(inbound_bp)  # signed by the sender: no session for a forged request to ride on


inbound_bp.record_once(_setup)


@inbound_bp.before_request
def _size() -> None:
    """A body larger than INBOUND_OFFER_MAX_BYTES is refused before it is read."""
    limit = int(current_app.config["INBOUND_OFFER_MAX_BYTES"])
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"An event is at most {limit:,} bytes.")


def _problem(error: writes.InvalidInput) -> ApiProblem:
    return ApiProblem(
        422, error.detail, members={"errors": [item.as_json() for item in error.errors]}
    )


@inbound_bp.post("/offer-accepted")
def offer_accepted() -> ResponseReturnValue:
    """Add the candidate of an accepted offer, once per offer id, and queue their invitation."""
    secret = current_app.config["INBOUND_OFFERS_SECRET"]
    if not secret:
        raise ApiProblem(404, "This portal takes no offers from other systems.")
    body = request.get_data(cache=True)
    now = clock.now()
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        inbound.verify(secret, headers, body, now)
    except inbound.SignatureError as error:
        raise ApiProblem(
            401, str(error), headers={"WWW-Authenticate": 'webhook-signature realm="portal"'}
        ) from None
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Send the event as JSON ('Content-Type: application/json').")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiProblem(400, "The body is not valid JSON (UTF-8).") from None
    try:
        offer = inbound.read(payload)
        claim = inbound.take(offer.offer_id, now)
        if claim is None:
            return _known(offer.offer_id)
        rows = writes.json_offer_rows([offer.candidate])
        offers = writes.checked_offers(rows, None, now, where=inbound.in_candidate)
        (candidate,) = writes.create(offers, None)
        claim.candidate_id = candidate.id
    except writes.InvalidInput as error:
        db.session.rollback()
        raise _problem(error) from None
    db.session.commit()
    return {"offer_id": offer.offer_id, "candidate_id": candidate.id, "created": True}, 201


def _known(offer_id: str) -> ResponseReturnValue:
    """The answer for an offer sent before: its candidate, not a second one."""
    db.session.rollback()
    found = inbound.taken_before(offer_id)
    if found is None:  # the request that took it failed just now: this one may try again
        raise ApiProblem(409, "This offer is being added right now: send it again shortly.")
    if found.candidate_id is None:
        raise ApiProblem(
            409,
            "This offer was taken before, and its candidate has since been removed under the "
            "portal's retention policy; it is not added again.",
        )
    return {"offer_id": offer_id, "candidate_id": found.candidate_id, "created": False}, 200
