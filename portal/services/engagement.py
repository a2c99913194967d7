"""Engagement status: each candidate is engaged, quiet or at risk, with the reasons in words.

Everything is computed from SQL aggregates in a fixed number of queries, whatever the number of
candidates or events; the rules and thresholds come from the ENGAGEMENT_RULES configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal.models import Status

# Riskiest first: the dashboard's order.
SEVERITY = {Status.AT_RISK: 2, Status.QUIET: 1, Status.ENGAGED: 0}


@dataclass(frozen=True)
class Reason:
    """One rule that fired: its severity and the sentence a recruiter reads."""

    code: str  # e.g. "no_sign_in", "unanswered_question", "pulse_drop", "silent_before_joining"
    status: Status
    text: str  # e.g. "no sign-in for 9 days"


@dataclass(frozen=True)
class CandidateSignal:
    """Where one candidate stands, with everything the dashboard and API show."""

    candidate_id: int
    name: str
    email: str
    recruiter_id: int | None
    recruiter_name: str | None
    job_title: str
    joining_at: datetime  # aware, in the workplace's zone
    days_to_joining: int  # calendar days in the workplace's zone; negative once joined
    has_joined: bool
    signed_up: bool
    last_seen_at: datetime | None
    unanswered_questions: int
    waiting_since: datetime | None
    last_pulse: int | None
    previous_pulse: int | None
    status: Status
    reasons: list[Reason] = field(default_factory=list)

    @property
    def reason_texts(self) -> list[str]:
        return [reason.text for reason in self.reasons]


def signals(
    now: datetime,
    *,
    recruiter_id: int | None = None,
    candidate_ids: list[int] | None = None,
    status: Status | None = None,
    search: str | None = None,
) -> list[CandidateSignal]:
    """Active candidates with their status and reasons, riskiest first, then soonest joining."""
    raise NotImplementedError


def activity_by_day(candidate_ids: list[int], now: datetime, days: int = 30) -> dict[int, list[int]]:
    """Per candidate, how many things they did on each of the last `days` UTC days (oldest first)."""
    raise NotImplementedError


def evaluate(now: datetime) -> int:
    """The worker's job: record every status change as an event (and a webhook), and note
    questions that became overdue and candidates who joined. Returns how many changes."""
    raise NotImplementedError
