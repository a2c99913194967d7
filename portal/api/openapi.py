"""The OpenAPI 3.1 description of /api/v1, written by hand and checked against the responses
by the tests (every response they see is validated against it, and schemathesis explores it)."""

from __future__ import annotations

from typing import Any

from portal.api import openapi_inbound as inbound
from portal.api import openapi_writes as writes
from portal.engagement.models import Status
from portal.events.models import EventKind

MAX_DB_ID = 2_147_483_647  # ids of people: a 32-bit integer column
# Event ids are 64-bit; a cursor is an id of at most 18 digits, so always within range.
CURSOR_PATTERN = r"^(0|[1-9][0-9]{0,17})$"
CANDIDATE_CURSOR_PATTERN = r"^[0-4]\.[0-9]{1,6}\.[0-9]{1,10}$"

DESCRIPTION = """\
Engagement signals for recruiters' other systems: each candidate's status (engaged; invited,
for a candidate who has never signed in; quiet; at risk) with the reasons in words, and the
events it is computed from. Every status but engaged comes with at least one reason.

**Authentication.** Every call except this document (and the signed inbound offers) needs a
personal API token, sent as `Authorization: Bearer <token>`. Recruiters and HR create and
revoke tokens in the portal (API tokens, in the menu); a token is shown once and may read, or
read and write. A recruiter's token sees only the candidates assigned to them, HR's sees every
candidate; candidates cannot have tokens. Session cookies are never accepted here.

**Candidates** come as one list, riskiest first and then soonest joining, with no paging:
their statuses are computed together, and a list in risk order would shift between pages.

**Events** are read with a cursor: start without `after`, then pass each page's `next_cursor`
as `after`. Cursors are opaque strings. When nothing is new, `next_cursor` is the cursor you
sent, so a client can poll with it; `has_more` says another page is ready at once. Events are
listed once they are a few seconds old, in the order they were recorded, each exactly once.

**Errors** are problem details (RFC 9457, `application/problem+json`) for every status,
including unknown addresses under `/api/v1`. Calls are limited per person (429 with
`Retry-After` beyond that).
"""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _problem_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _id_schema() -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_DB_ID}


def _timestamp(description: str, nullable: bool = False) -> dict[str, Any]:
    schema = {"type": "string", "format": "date-time"}
    return {**(_nullable(schema) if nullable else schema), "description": description}


SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "Problem details (RFC 9457).",
        "required": ["type", "title", "status", "detail", "instance"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string", "description": "The HTTP status phrase."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "What went wrong, in words."},
            "instance": {"type": "string", "description": "The path that was asked for."},
        },
    },
    "Status": {
        "type": "string",
        "enum": [status.value for status in Status],
        "description": (
            "engaged: nothing needs attention; invited: has never signed in (the invitation "
            "is recent); quiet; at_risk. Lists come riskiest first: at_risk, quiet, invited, "
            "engaged, then those who have joined."
        ),
    },
    "Reason": {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "status", "text"],
        "properties": {
            "code": {"type": "string", "examples": ["no_sign_in", "unanswered_question"]},
            "status": {
                **_ref("Status"),
                "description": "The status this reason alone leads to.",
            },
            "text": {"type": "string", "examples": ["not seen for 9 days"]},
        },
    },
    "RecruiterRef": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name"],
        "properties": {"id": _id_schema(), "name": {"type": "string"}},
    },
    "Candidate": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "name",
            "email",
            "job_title",
            "recruiter",
            "joining_at",
            "days_to_joining",
            "has_joined",
            "signed_up",
            "status",
            "reasons",
            "last_seen_at",
            "unanswered_questions",
            "waiting_since",
            "last_pulse",
        ],
        "properties": {
            "id": _id_schema(),
            "name": {"type": "string"},
            "email": {"type": "string"},
            "job_title": {"type": "string"},
            "recruiter": _nullable(_ref("RecruiterRef")),
            "joining_at": _timestamp("The first day's start, with the workplace's UTC offset."),
            "days_to_joining": {
                "type": "integer",
                "description": "Calendar days in the workplace's zone; negative once joined.",
            },
            "has_joined": {"type": "boolean"},
            "signed_up": {
                "type": "boolean",
                "description": "Whether the candidate has accepted their invitation.",
            },
            "status": _ref("Status"),
            "reasons": {"type": "array", "items": _ref("Reason")},
            "last_seen_at": _timestamp(
                "When the candidate last signed in or did anything (the reasons' \"not seen "
                'for N days" counts from it).',
                nullable=True,
            ),
            "unanswered_questions": {"type": "integer", "minimum": 0},
            "waiting_since": _timestamp(
                "When the oldest unanswered question was asked.", nullable=True
            ),
            "last_pulse": {
                **_nullable({"type": "integer", "minimum": 1, "maximum": 5}),
                "description": "The last answer to 'How do you feel about joining?' (1 to 5).",
            },
        },
    },
    "CandidateList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["data", "count", "next_cursor", "has_more", "computed_at"],
        "properties": {
            "data": {"type": "array", "items": _ref("Candidate")},
            "count": {"type": "integer", "minimum": 0},
            "next_cursor": {
                "oneOf": [_ref("CandidateCursor"), {"type": "null"}],
                "description": "Pass it back as `after` for the next page; null on the last.",
            },
            "has_more": {"type": "boolean"},
            "computed_at": _timestamp(
                "The statuses on this page were evaluated at this moment or later."
            ),
        },
    },
    "CandidateCursor": {
        "type": "string",
        "pattern": CANDIDATE_CURSOR_PATTERN,
        "description": "Opaque: pass it back as `after`, do not compute with it.",
    },
    "EventKind": {"type": "string", "enum": [kind.value for kind in EventKind]},
    "Cursor": {
        "type": "string",
        "pattern": CURSOR_PATTERN,
        "description": "Opaque: pass it back as `after`, do not compute with it.",
    },
    "Event": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "candidate_id", "kind", "occurred_at", "subject", "data"],
        "properties": {
            "id": {**_ref("Cursor"), "description": "The event's id, also a cursor."},
            "candidate_id": _id_schema(),
            "kind": _ref("EventKind"),
            "occurred_at": _timestamp("When it happened (UTC)."),
            "subject": {
                **_nullable({"type": "string"}),
                "description": "What it was about, e.g. 'news:12' (never the text itself).",
            },
            "data": {
                **_nullable({"type": "object"}),
                "description": "Small facts, e.g. a pulse score or a status change's reasons.",
            },
        },
    },
    "EventPage": {
        "type": "object",
        "additionalProperties": False,
        "required": ["data", "next_cursor", "has_more"],
        "properties": {
            "data": {"type": "array", "items": _ref("Event")},
            "next_cursor": _ref("Cursor"),
            "has_more": {"type": "boolean"},
        },
    },
}

RESPONSES: dict[str, Any] = {
    "BadRequest": _problem_response("A query parameter is not valid; `detail` names it."),
    "Unauthorized": _problem_response(
        "No token, or one that is not valid (revoked, or its account closed).",
        {
            "WWW-Authenticate": {
                "description": 'Bearer realm="portal"; with error="invalid_token" for a bad one.',
                "schema": {"type": "string"},
            }
        },
    ),
    "NotFound": _problem_response("No such candidate among the caller's."),
    "TooManyRequests": _problem_response(
        "Too many calls from this person for now.",
        {
            "Retry-After": {
                "description": "Seconds to wait.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    ),
    "Problem": _problem_response("Any other error (405, 413, 500...), as problem details."),
}

_ERRORS = {
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
    "default": {"$ref": "#/components/responses/Problem"},
}
_BAD_REQUEST = {"400": {"$ref": "#/components/responses/BadRequest"}}
_NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


PATHS: dict[str, Any] = {
    "/candidates": {
        "get": {
            "operationId": "listCandidates",
            "summary": "The caller's candidates with their status and reasons",
            "description": "A recruiter gets the candidates assigned to them, HR every "
            "candidate. Riskiest first, then soonest joining, a page at a time: pass "
            "`next_cursor` back as `after` until `has_more` is false.",
            "parameters": [
                _query("after", "The `next_cursor` of the previous page.", _ref("CandidateCursor")),
                _query(
                    "limit",
                    "How many candidates at most.",
                    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                ),
                _query("status", "Only candidates with this status.", {**_ref("Status")}),
                _query(
                    "recruiter_id",
                    "Only this recruiter's candidates (for HR; a recruiter naming "
                    "another recruiter gets an empty list).",
                    _id_schema(),
                ),
            ],
            "responses": {
                "200": _json("The candidates.", "CandidateList"),
                **_BAD_REQUEST,
                **_ERRORS,
            },
        }
    },
    "/candidates/{candidate_id}": {
        "get": {
            "operationId": "getCandidate",
            "summary": "One candidate with their status and reasons",
            "parameters": [
                {
                    "name": "candidate_id",
                    "in": "path",
                    "required": True,
                    "schema": _id_schema(),
                }
            ],
            "responses": {
                "200": _json("The candidate.", "Candidate"),
                **_NOT_FOUND,
                **_ERRORS,
            },
        }
    },
    "/events": {
        "get": {
            "operationId": "listEvents",
            "summary": "Events about the caller's candidates, after a cursor",
            "description": "Oldest first. Pass `next_cursor` back as `after` for the next "
            "page; poll with the same cursor when nothing is new.",
            "parameters": [
                _query("after", "The `next_cursor` of the previous page.", _ref("Cursor")),
                _query(
                    "limit",
                    "How many events at most.",
                    {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                ),
                _query("candidate_id", "Only this candidate's events.", _id_schema()),
                _query("kind", "Only events of this kind.", _ref("EventKind")),
            ],
            "responses": {
                "200": _json("A page of events.", "EventPage"),
                **_BAD_REQUEST,
                **_NOT_FOUND,
                **_ERRORS,
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "default": {"$ref": "#/components/responses/Problem"},
            },
        }
    },
}


def _paths() -> dict[str, Any]:
    """The reads, the writes (`api.openapi_writes`) and the inbound offers (`api.openapi_inbound`),
    every method of a shared path kept."""
    paths = {path: dict(item) for path, item in PATHS.items()}
    for more in (writes.PATHS, inbound.PATHS):
        for path, item in more.items():
            paths.setdefault(path, {}).update(item)
    return paths


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI document, with the server address this portal is reached at."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pre-boarding portal API",
            "version": "1.1.0",
            "description": DESCRIPTION + writes.DESCRIPTION + inbound.DESCRIPTION,
        },
        "servers": [{"url": f"{base_url.rstrip('/')}/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (it starts with 'pp_'). Writes need "
                    "one that may read and write (the scope `write`).",
                },
                **inbound.SECURITY_SCHEMES,
            },
            "schemas": {**SCHEMAS, **writes.SCHEMAS, **inbound.SCHEMAS},
            "responses": {**RESPONSES, **writes.RESPONSES},
        },
    }
