"""Offers pushed by an applicant tracking system: "offer accepted", signed as the portal signs
its own webhooks (Standard Webhooks, the `standardwebhooks` library): HMAC-SHA256 over
"webhook-id.webhook-timestamp.body" with the shared secret INBOUND_OFFERS_SECRET.

The signature is compared in constant time; a timestamp further than TOLERANCE from the
portal's clock is refused, so a captured request cannot be replayed later. Each offer id is
taken once (a unique column, not a look-up first): sent again, it answers with the candidate
it became instead of adding another. Functions flush; the view commits.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from portal.api import candidate_writes as writes
from portal.api.models import InboundOffer
from portal.core import inputs
from portal.core.database import upsert
from portal.core.extensions import db

EVENT_TYPE = "offer.accepted"
TOLERANCE = timedelta(minutes=5)  # as Standard Webhooks' own verifier allows
OFFER_ID_MAX = 200
SECRET_MIN_BYTES = 24
# Seconds since 1970: ten digits until 2286, eleven within what a date can hold; more is not
# a timestamp.
_TIMESTAMP_DIGITS = 11


class SignatureError(Exception):
    """The request is not signed with the shared secret, or not now: 401."""


def usable_secret(secret: str) -> bool:
    """Whether `secret` is a Standard Webhooks secret worth the name: "whsec_" and the base64
    of at least SECRET_MIN_BYTES bytes."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(key) >= SECRET_MIN_BYTES


def verify(secret: str, headers: dict[str, str], body: bytes, now: datetime) -> None:
    """SignatureError unless one of the request's signatures is the secret's for this body,
    this message id and a timestamp within TOLERANCE of `now`."""
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (message_id and timestamp and signatures):
        raise SignatureError(
            "Sign the request as Standard Webhooks says: the headers webhook-id, "
            "webhook-timestamp and webhook-signature are all needed."
        )
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS):
        raise SignatureError("The webhook-timestamp header is whole seconds since 1970 (UTC).")
    sent = datetime.fromtimestamp(int(timestamp), UTC)
    if abs(now - sent) > TOLERANCE:
        raise SignatureError(
            "The webhook-timestamp is more than 5 minutes from the portal's clock: the request "
            "is refused as too old (or too new) to be this one. Sign it again when sending."
        )
    expected = Webhook(secret).sign(message_id, sent, body).encode()
    if not any(hmac.compare_digest(expected, given.encode()) for given in signatures.split()):
        raise SignatureError(
            "The signature does not match: sign the exact body with the shared secret."
        )


@dataclass(frozen=True)
class AcceptedOffer:
    offer_id: str
    candidate: dict[str, Any]  # the offer's fields, as for POST /candidates


def read(payload: Any) -> AcceptedOffer:
    """The event's offer id and candidate fields, or InvalidInput naming what is wrong."""
    errors: list[writes.FieldError] = []
    if not isinstance(payload, dict):
        raise writes.InvalidInput(
            'Send a JSON object: {"type": "offer.accepted", "data": {...}}.',
            [writes.FieldError("Send a JSON object.", pointer="#")],
        )
    if payload.get("type") != EVENT_TYPE:
        errors.append(writes.FieldError(f'Only "{EVENT_TYPE}" is taken here.', "type", "#/type"))
    data = payload.get("data")
    if not isinstance(data, dict):
        data = {}
        errors.append(writes.FieldError("Send the offer as an object.", "data", "#/data"))
    offer_id = data.get("offer_id")
    if not isinstance(offer_id, str):
        offer_id = ""
        errors.append(
            writes.FieldError(
                "Give the offer's id in your system, as text.", "offer_id", _at("offer_id")
            )
        )
    else:
        try:
            offer_id = inputs.one_line(offer_id, max_length=OFFER_ID_MAX, what="the offer id")
        except inputs.InputError as error:
            errors.append(writes.FieldError(error.message, "offer_id", _at("offer_id")))
    candidate = data.get("candidate")
    if not isinstance(candidate, dict):
        candidate = {}
        errors.append(
            writes.FieldError("Send the candidate as an object.", "candidate", _at("candidate"))
        )
    if errors:
        raise writes.InvalidInput("This event cannot be used: see `errors`.", errors)
    return AcceptedOffer(offer_id, candidate)


def _at(name: str) -> str:
    return f"#/data/{name}"


def in_candidate(_number: int) -> str:
    """Where the candidate's fields are in the event (for their errors)."""
    return _at("candidate")


def take(offer_id: str, now: datetime) -> InboundOffer | None:
    """Take the offer id for this request: its new row (to point at the candidate once made),
    or None when it was taken before. Two requests at once cannot both take it."""
    taken = db.session.scalar(
        upsert(InboundOffer)
        .values(offer_id=offer_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["offer_id"])
        .returning(InboundOffer.id)
    )
    return None if taken is None else db.session.get(InboundOffer, taken)


def taken_before(offer_id: str) -> InboundOffer | None:
    return db.session.scalar(select(InboundOffer).where(InboundOffer.offer_id == offer_id))
