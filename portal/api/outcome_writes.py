"""The API's outcome write: what became of an offer (joined, reneged before start, no-show),
recorded through outcomes.recording as HR's and the recruiter's Outcome page records it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.api.candidate_writes import FieldError, InvalidInput
from portal.outcomes import recording
from portal.outcomes.models import Outcome
from portal.people.models import User

OUTCOME = "outcome"
REASON = "reason"
CHOICES = tuple(str(choice) for choice in Outcome)


def _refused(detail: str, field: str, message: str) -> InvalidInput:
    return InvalidInput(detail, [FieldError(message, field, f"#/{field}")])


def record(candidate: User, body: dict[str, Any], actor: User, *, now: datetime) -> dict[str, Any]:
    """Record the body's outcome (and reason) for the candidate; the outcome as it now stands.
    InvalidInput for anything the Outcome page would refuse, each beside its field."""
    unknown = sorted(name for name in body if name not in (OUTCOME, REASON))
    if unknown:
        raise _refused(
            f"Unknown fields: {', '.join(unknown)}. Send outcome and, if you like, reason.",
            unknown[0],
            "This field is not one of outcome, reason.",
        )
    value = body.get(OUTCOME)
    if not isinstance(value, str) or value not in CHOICES:
        raise _refused(
            "The outcome cannot be recorded: see `errors`. Nothing changed.",
            OUTCOME,
            f"Give one of {', '.join(CHOICES)}.",
        )
    reason = body.get(REASON)
    if REASON in body and not isinstance(reason, str):  # null too: the document says text
        raise _refused("The reason is text.", REASON, "Give the reason as text, or leave it out.")
    try:
        recorded = recording.record_outcome(
            candidate, Outcome(value), actor, reason=reason, now=now
        )
    except recording.OutcomeError as error:
        raise _refused(
            "The outcome cannot be recorded: see `errors`. Nothing changed.",
            error.field if error.field in (OUTCOME, REASON) else OUTCOME,
            error.message,
        ) from None
    row = recorded.row
    return {
        "candidate_id": candidate.id,
        OUTCOME: row.outcome,
        "automatic": row.automatic,
        "recorded_at": row.recorded_at.isoformat() if row.recorded_at else None,
        "changed": recorded.changed,
    }
