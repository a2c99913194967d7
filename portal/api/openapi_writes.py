"""The OpenAPI description of the API's writes, which `api.openapi.document` merges into the one
document (the tests hold every answer to it). `api.openapi_inbound` uses its helpers."""

from __future__ import annotations

from typing import Any

from portal.api.idempotency import HEADER, KEY_MAX_LENGTH, KEY_PATTERN, REPLAYED_HEADER
from portal.core.i18n import DEFAULT_LANGUAGE
from portal.people.models import RECEPTION_INSTRUCTIONS_MAX
from portal.timeline.joining import JOINING_FIELDS as JOINING_FIELD_SET

JOINING_FIELDS = sorted(JOINING_FIELD_SET)

DESCRIPTION = f"""
**Writes** need a token that may read and write (its person chooses when creating it; a
read-only token gets 403). A token may do what its person may do in the portal: HR's adds and
changes any candidate, a recruiter's only candidates of their own (another's is a 404, as for a
missing one). New candidates are offers with the fields of HR's CSV of offers, checked the same
way; each gets the invitation the portal sends, through the mail queue. Joining details change
as when HR saves them: the calendar event's SEQUENCE rises once per change and the candidate
gets one email for changes made within a few minutes. Values that cannot be used are a 422 whose
`errors` lists each, with a JSON Pointer into the body (`pointer`), the field and, in a list,
the offer's number (`row`; for a CSV file the row as a spreadsheet numbers it).

**Retries.** Send an `{HEADER}` header (up to {KEY_MAX_LENGTH} characters, such as a UUID) with
a write to make retrying it safe for a day: the same key with the same request answers
what the first answered, with `{REPLAYED_HEADER}: true`, and writes nothing again; the same key
with another request is a 422; the same key while the first request still runs is a 409.
"""


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def problem_response(
    description: str, schema: str = "Problem", headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": ref(schema)}},
    }
    if headers:
        response["headers"] = headers
    return response


# Text anywhere in a body: no NUL (the portal refuses it in any request, 400).
NO_NUL = r"^[^\u0000]*$"


def text(description: str, **rules: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, "pattern": NO_NUL, **rules}


def db_id() -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}


DATE = text("YYYY-MM-DD.", format="date", examples=["2027-03-01"])
TIME_OF_DAY = text("HH:MM, 24-hour, at the workplace.", pattern=r"^[0-9]{2}:[0-9]{2}$")
ZONE = text("An IANA time zone name.", examples=["Europe/Paris"])

SCHEMAS: dict[str, Any] = {
    "FieldError": {
        "type": "object",
        "additionalProperties": False,
        "required": ["detail"],
        "properties": {
            "detail": {"type": "string", "description": "What is wrong, in words."},
            "field": {"type": "string", "description": "The field (CSV column) at fault."},
            "pointer": {
                "type": "string",
                "description": "A JSON Pointer (RFC 6901) to the value, as a URI fragment.",
                "examples": ["#/joining_date", "#/3/email"],
            },
            "row": {
                "type": "integer",
                "minimum": 1,
                "description": "The offer's number in a list (from 1), or its row in a CSV "
                "file as a spreadsheet numbers it (the header is row 1).",
            },
        },
    },
    "ValidationProblem": {
        "allOf": [
            ref("Problem"),
            {
                "type": "object",
                "required": ["errors"],
                "properties": {"errors": {"type": "array", "items": ref("FieldError")}},
            },
        ]
    },
    "Offer": {
        "type": "object",
        "additionalProperties": False,
        "description": "A new candidate: the columns of HR's CSV of offers, with the same checks.",
        "required": ["name", "email", "job_title", "joining_date", "joining_time"],
        "properties": {
            "name": text("Their full name.", minLength=1),
            "email": text("Their email address: the invitation goes there.", format="email"),
            "job_title": text("Up to 120 characters.", minLength=1),
            "joining_date": {**DATE, "description": "The first day; not passed, within 2 years."},
            "joining_time": TIME_OF_DAY,
            "location": text("Where they start; up to 80 characters."),
            "department": text("Chooses the company news they see; up to 80 characters."),
            "recruiter": text(
                "The email address of an active recruiter. A recruiter's token may leave it out "
                "(the candidate is theirs) or give their own.",
                format="email",
            ),
            "time_zone": {
                **ZONE,
                "description": "Their zone and the workplace's; by default the token's "
                "person's (for an inbound offer, the recruiter's).",
            },
            "language": text(
                "The language of their invitation and of the portal until they choose their "
                "own: a code of a language the portal speaks (any other is a 422 naming them). "
                f"By default the portal's default language, {DEFAULT_LANGUAGE}.",
                examples=["de", "en"],
            ),
        },
    },
    "CreatedCandidate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "email"],
        "properties": {"id": db_id(), "name": {"type": "string"}, "email": {"type": "string"}},
    },
    "ImportResult": {
        "type": "object",
        "additionalProperties": False,
        "required": ["created", "data"],
        "properties": {
            "created": {"type": "integer", "minimum": 1},
            "data": {"type": "array", "items": ref("CreatedCandidate")},
        },
    },
    "JoiningChange": {
        "type": "object",
        "additionalProperties": False,
        "description": "The joining details to change; those left out stay as they are.",
        "properties": {
            "joining_date": DATE,
            "joining_time": TIME_OF_DAY,
            "joining_time_zone": ZONE,
            "location": text("Up to 80 characters; empty for none."),
            "reception_instructions": text(
                f"What to do on arrival; plain text, up to {RECEPTION_INSTRUCTIONS_MAX} "
                "characters; empty for none."
            ),
            "backdated": {
                "type": "boolean",
                "default": False,
                "description": "True saves a joining moment that has passed (someone who has "
                "already joined): nothing is emailed.",
            },
        },
    },
    "JoiningDetails": {
        "type": "object",
        "additionalProperties": False,
        "required": ["candidate_id", *JOINING_FIELDS, "changed", "calendar_sequence"],
        "properties": {
            "candidate_id": db_id(),
            "joining_date": DATE,
            "joining_time": TIME_OF_DAY,
            "joining_time_zone": ZONE,
            "location": {"type": "string"},
            "reception_instructions": {"type": "string"},
            "changed": {
                "type": "array",
                "items": {"type": "string", "enum": list(JOINING_FIELDS)},
                "description": "What this request changed (empty: nothing; no email).",
            },
            "calendar_sequence": {
                "type": "integer",
                "minimum": 0,
                "description": "The calendar event's SEQUENCE, raised once per change.",
            },
        },
    },
    "RecruiterChange": {
        "type": "object",
        "additionalProperties": False,
        "required": ["recruiter_id"],
        "properties": {
            "recruiter_id": {
                "anyOf": [db_id(), {"type": "null"}],
                "description": "An active recruiter's id; null for none.",
            }
        },
    },
    "OutcomeChange": {
        "type": "object",
        "additionalProperties": False,
        "required": ["outcome"],
        "properties": {
            "outcome": {
                "type": "string",
                "enum": ["joined", "reneged", "no_show"],
                "description": "joined and no_show from the joining day on; reneged any time.",
            },
            "reason": text("Why, in one line: kept in the audit log.", maxLength=200),
        },
    },
    "RecordedOutcome": {
        "type": "object",
        "required": ["candidate_id", "outcome", "automatic", "recorded_at", "changed"],
        "properties": {
            "candidate_id": db_id(),
            "outcome": {"type": "string", "enum": ["joined", "reneged", "no_show"]},
            "automatic": {
                "type": "boolean",
                "description": "true when the portal marked it (joined once the day passed).",
            },
            "recorded_at": {"type": ["string", "null"], "format": "date-time"},
            "changed": {"type": "boolean", "description": "false when it was already so."},
        },
    },
}

_REPLAYED = {
    REPLAYED_HEADER: {
        "description": "true when this is the stored answer to an earlier request with the "
        f"same {HEADER}.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}

RESPONSES: dict[str, Any] = {
    "Forbidden": problem_response(
        "The token may only read, or its person may not do this (a recruiter's token adding "
        "another recruiter's candidate)."
    ),
    "Conflict": problem_response(f"A request with the same {HEADER} is still running."),
    "Invalid": problem_response(
        f"Values that cannot be used, each in `errors`; or an {HEADER} used for another request.",
        "ValidationProblem",
    ),
    "UnsupportedMediaType": problem_response("The body is not of a type this address takes."),
    "TooLarge": problem_response("The body is larger than this address takes."),
    "BadBody": problem_response(
        f"The body is not valid JSON, or the {HEADER} header is not valid."
    ),
}

_KEY_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Makes retrying this write safe: see the introduction.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": KEY_MAX_LENGTH,
        "pattern": KEY_PATTERN,
        "examples": ["6f1c2a7e-3b8d-4e15-9a4f-0c2d7e9b5a31"],
    },
}
_WRITE_ERRORS = {
    "400": response_ref("BadBody"),
    "401": response_ref("Unauthorized"),
    "403": response_ref("Forbidden"),
    "409": response_ref("Conflict"),
    "413": response_ref("TooLarge"),
    "415": response_ref("UnsupportedMediaType"),
    "422": response_ref("Invalid"),
    "429": response_ref("TooManyRequests"),
    "default": response_ref("Problem"),
}
_CANDIDATE_ID = {"name": "candidate_id", "in": "path", "required": True, "schema": db_id()}
_WRITE = [{"bearerAuth": ["write"]}]


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answer(description: str, schema: str, **headers: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_REPLAYED, **headers},
        "content": {"application/json": {"schema": ref(schema)}},
    }


PATHS: dict[str, Any] = {
    "/candidates": {
        "post": {
            "operationId": "createCandidate",
            "summary": "Add a candidate and queue their invitation",
            "security": _WRITE,
            "parameters": [_KEY_PARAMETER],
            "requestBody": json_body(ref("Offer")),
            "responses": {
                "201": _answer(
                    "Added: the candidate, as `GET /candidates/{candidate_id}` shows them.",
                    "Candidate",
                    Location={
                        "description": "The candidate's address in this API.",
                        "schema": {"type": "string"},
                    },
                ),
                **_WRITE_ERRORS,
            },
        }
    },
    "/candidates/import": {
        "post": {
            "operationId": "importCandidates",
            "summary": "Add many candidates at once: all of them, or none",
            "description": "A CSV file as HR uploads one (UTF-8, the first row naming the "
            "columns) or a JSON array of offers. Every offer is checked first; if any cannot "
            "be used, nothing is created and `errors` names every problem.",
            "security": _WRITE,
            "parameters": [_KEY_PARAMETER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"type": "array", "minItems": 1, "items": ref("Offer")}
                    },
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "responses": {"201": _answer("All were added.", "ImportResult"), **_WRITE_ERRORS},
        }
    },
    "/candidates/{candidate_id}/joining": {
        "patch": {
            "operationId": "changeJoining",
            "summary": "Change a candidate's joining details",
            "security": _WRITE,
            "parameters": [_CANDIDATE_ID, _KEY_PARAMETER],
            "requestBody": json_body(ref("JoiningChange")),
            "responses": {
                "200": _answer("The joining details as they now stand.", "JoiningDetails"),
                "404": response_ref("NotFound"),
                **_WRITE_ERRORS,
            },
        }
    },
    "/candidates/{candidate_id}/recruiter": {
        "put": {
            "operationId": "changeRecruiter",
            "summary": "Give a candidate (and their questions) to another recruiter",
            "security": _WRITE,
            "parameters": [_CANDIDATE_ID, _KEY_PARAMETER],
            "requestBody": json_body(ref("RecruiterChange")),
            "responses": {
                "200": _answer("The candidate.", "Candidate"),
                "404": response_ref("NotFound"),
                **_WRITE_ERRORS,
            },
        }
    },
    "/candidates/{candidate_id}/outcome": {
        "put": {
            "operationId": "recordOutcome",
            "summary": "Record what became of a candidate's offer",
            "description": "As the Outcome page records it: joined, reneged before start or "
            "no-show, with an optional reason for the audit log. The reports and the "
            "calibration of the at-risk signal count it.",
            "security": _WRITE,
            "parameters": [_CANDIDATE_ID, _KEY_PARAMETER],
            "requestBody": json_body(ref("OutcomeChange")),
            "responses": {
                "200": _answer("The outcome as it now stands.", "RecordedOutcome"),
                "404": response_ref("NotFound"),
                **_WRITE_ERRORS,
            },
        }
    },
}
