"""The OpenAPI description of the inbound "offer accepted" event an applicant tracking system
pushes (`api.inbound`), which `api.openapi.document` merges into the one document."""

from __future__ import annotations

from typing import Any

from portal.api.inbound import EVENT_TYPE, OFFER_ID_MAX
from portal.api.openapi_writes import db_id, json_body, problem_response, ref, response_ref, text

DESCRIPTION = """
**Offers from an applicant tracking system** are pushed to `/inbound/offer-accepted`, signed
as Standard Webhooks says (the portal's own webhooks are signed the same way) with the secret
the portal's operator set: headers `webhook-id`, `webhook-timestamp` (within 5 minutes of the
portal's clock) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
Each offer id adds one candidate: sent again, it answers 200 with that candidate.
"""

SCHEMAS: dict[str, Any] = {
    "OfferAcceptedEvent": {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "data"],
        "description": "A Standard Webhooks payload.",
        "properties": {
            "type": {"const": EVENT_TYPE},
            "timestamp": text("When it happened (ignored: the signed header counts)."),
            "data": {
                "type": "object",
                "additionalProperties": False,
                "required": ["offer_id", "candidate"],
                "properties": {
                    "offer_id": text(
                        "The offer's id in your system: one candidate per id.",
                        minLength=1,
                        maxLength=OFFER_ID_MAX,
                    ),
                    "candidate": ref("Offer"),
                },
            },
        },
    },
    "OfferTaken": {
        "type": "object",
        "additionalProperties": False,
        "required": ["offer_id", "candidate_id", "created"],
        "properties": {
            "offer_id": {"type": "string"},
            "candidate_id": db_id(),
            "created": {"type": "boolean", "description": "False: the offer was sent before."},
        },
    },
}

PATHS: dict[str, Any] = {
    "/inbound/offer-accepted": {
        "post": {
            "operationId": "offerAccepted",
            "summary": "An applicant tracking system: an offer was accepted",
            "security": [{"webhookSignature": []}],
            "parameters": [
                {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
                for name in ("webhook-id", "webhook-timestamp")
            ],
            "requestBody": json_body(ref("OfferAcceptedEvent")),
            "responses": {
                "201": {
                    "description": "The candidate was added; their invitation is queued.",
                    "content": {"application/json": {"schema": ref("OfferTaken")}},
                },
                "200": {
                    "description": "This offer was sent before: its candidate.",
                    "content": {"application/json": {"schema": ref("OfferTaken")}},
                },
                "400": response_ref("BadBody"),
                "401": problem_response(
                    "Not signed with the shared secret, or not within 5 minutes of now.",
                    headers={"WWW-Authenticate": {"schema": {"type": "string"}}},
                ),
                "404": problem_response("This portal takes no offers from other systems."),
                "409": problem_response(
                    "This offer was taken before and its candidate removed (retention), or it "
                    "is being added right now."
                ),
                "413": response_ref("TooLarge"),
                "415": response_ref("UnsupportedMediaType"),
                "422": response_ref("Invalid"),
                "default": response_ref("Problem"),
            },
        }
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    "webhookSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "webhook-signature",
        "description": "v1,<base64 HMAC-SHA256 of 'webhook-id.webhook-timestamp.body'> with "
        "the shared secret (Standard Webhooks).",
    }
}
