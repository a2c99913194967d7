"""Engagement status: each candidate is engaged, invited, quiet or at risk, with the reasons in
words.

The facts come from each candidate's summary (portal.engagement.summaries), in one query
whatever the number of candidates or events; the rules and thresholds come from the
ENGAGEMENT_RULES configuration, except what "unanswered" means and how long a question may
wait (RESPONSE_PROMISE_HOURS, counted in the recruiter's working week): those are the
questions package's (portal.questions.waiting).
The rules are applied to each row in Python (plain arithmetic, no further queries).

Every reason is worded from the facts the candidate's pages show beside it ("Last seen", the
questions waiting, the pulses, what they opened), so a reason never contradicts them (kept
with the reason, so that each reader reads it in their language: engagement.reason_words):
tests/engagement/test_status_truth.py drives random histories through the real operations
and checks that.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask import current_app

from portal.engagement import reason_words
from portal.engagement.models import Status
from portal.engagement.status_rows import status_rows
from portal.events.models import EventKind
from portal.questions.waiting import answer_due
from portal.questions.working_hours import WorkingWeek, build_week
from portal.timeline import checklist, joining

# How grave each status is; the status is the gravest of its reasons' (engaged: none). Invited
# sits between engaged and quiet: nothing is wrong yet, but the candidate has not signed in,
# so they come after those needing attention and before those doing well.
SEVERITY = {Status.AT_RISK: 3, Status.QUIET: 2, Status.INVITED: 1, Status.ENGAGED: 0}

# What counts as opening something: reading, asking, downloading (not merely arriving). The
# "joining soon" reason says so in those words: "has signed in but not read, asked or
# downloaded anything".
OPENED_KINDS = (
    EventKind.NEWS_OPENED,
    EventKind.QUESTION_ASKED,
    EventKind.ANSWER_READ,
    EventKind.FAQ_SEARCHED,
    EventKind.CALENDAR_DOWNLOADED,
    EventKind.TIMELINE_VIEWED,
    EventKind.PULSE_ANSWERED,
)


@dataclass(frozen=True)
class Reason:
    """One rule that fired: its severity and the sentence a recruiter reads."""

    code: str  # "no_sign_in", "invitation_pending", "unanswered_question", "pulse_drop",
    # "pulse_low", "silent_before_joining", "overdue_tasks"
    status: Status
    text: str  # in English, as stored and as the API gives it: "not seen for 9 days"
    # What it was worked out from ({"days": 9, "seen": True}); None when not kept.
    facts: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def words(self) -> str:
        """The reason in the reader's language (pages, digests)."""
        return reason_words.in_words(self.code, self.facts, self.text)


def worded(code: str, status: Status, **facts: Any) -> Reason:
    """A reason from its code and facts, its English sentence made from them."""
    return Reason(code, status, reason_words.english(code, facts), facts)


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
    # The oldest unanswered question's id (for "question overdue" notices).
    first_waiting_id: int | None = None
    # When its answer is due (questions.waiting.answer_due): worked out when the rules run,
    # None as the dashboards list stored statuses.
    answer_due: datetime | None = None
    # Their checklist (timeline.checklist): its tasks, how many are ticked off, how many are
    # overdue at the time of the signal.
    tasks_total: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0

    @property
    def reason_texts(self) -> list[str]:
        return [reason.text for reason in self.reasons]

    @property
    def severity(self) -> int:
        return SEVERITY[self.status]


# --- Rules ------------------------------------------------------------------------------------


def _days(since: datetime, now: datetime) -> int:
    return (now - since).days


def _invitation(row: Any, now: datetime, rules: dict[str, int], has_joined: bool) -> Reason:
    """The reason of a candidate who has never signed in: invited, then quiet and at risk as
    the invitation waits (never once they have joined: nothing is left to worry about)."""
    waited = _days(row.created_at, now)
    severity = Status.INVITED
    if not has_joined and waited >= rules["at_risk_after_days_invited"]:
        severity = Status.AT_RISK
    elif not has_joined and waited >= rules["quiet_after_days_invited"]:
        severity = Status.QUIET
    return worded("invitation_pending", severity, days=waited)


def _reasons(
    row: Any, now: datetime, days_to_joining: int, last_seen: datetime | None, has_joined: bool
) -> list[Reason]:
    """The rules, each worded from the facts the pages show: "Last seen" (`last_seen`), the
    oldest question waiting, the last two pulses, whether anything was opened."""
    rules = current_app.config["ENGAGEMENT_RULES"]
    if not row.signed_up:
        # Never signed in: the invitation's reason. Visits and opening things cannot have
        # happened; a question or a pulse recorded some other way still counts.
        first = _invitation(row, now, rules, has_joined)
        return [first, *([] if has_joined else _feelings_and_questions(row, now, rules))]
    if has_joined:
        return []
    reasons: list[Reason] = []
    # "Last seen" as the pages show it; a candidate with a password but nothing recorded is
    # counted from their invitation, and said so.
    unseen = _days(last_seen or row.created_at, now)
    if unseen >= rules["quiet_after_days_unseen"]:
        severity = Status.AT_RISK if unseen >= rules["at_risk_after_days_unseen"] else Status.QUIET
        reasons.append(worded("no_sign_in", severity, days=unseen, seen=last_seen is not None))
    reasons += _feelings_and_questions(row, now, rules)
    overdue = checklist.overdue_count(row.task_dues, now)
    if overdue:
        # The tasks their checklist shows as overdue (the same due moments).
        severity = Status.AT_RISK if overdue >= rules["at_risk_overdue_tasks"] else Status.QUIET
        reasons.append(worded("overdue_tasks", severity, tasks=overdue))
    if (
        row.opened == 0
        and not row.tasks_done
        and 0 <= days_to_joining <= rules["at_risk_silent_days_before_joining"]
    ):
        # Said in the words of what was counted: they may well have signed in and looked at
        # their home page ("Last seen" says when), but opened nothing and ticked nothing off.
        reasons.append(worded("silent_before_joining", Status.AT_RISK, days=days_to_joining))
    return reasons


def promise_week(row: Any) -> WorkingWeek:
    """The week a row's answer promise is counted in: its active recruiter's working week (the
    `recruiter_zone` and `work_*` facts of `_rows`), else the default week where they join."""
    if row.recruiter_zone is None:
        return build_week(row.joining_time_zone)
    return build_week(
        row.recruiter_zone, row.work_weekdays, row.work_starts, row.work_ends, row.work_holidays
    )


def _feelings_and_questions(row: Any, now: datetime, rules: dict[str, int]) -> list[Reason]:
    """A question waiting past the answer promise; a pulse that fell or is low."""
    reasons: list[Reason] = []
    due = answer_due(row.waiting_since, promise_week(row))
    if due is not None and due <= now:  # past the answer promise
        hours = int((now - row.waiting_since).total_seconds() // 3600)
        reasons.append(worded("unanswered_question", Status.AT_RISK, hours=hours))

    last, previous = row.last_pulse, row.previous_pulse
    if last is not None and previous is not None and previous - last >= rules["at_risk_pulse_drop"]:
        reasons.append(worded("pulse_drop", Status.AT_RISK, before=previous, after=last))
    elif last is not None and last <= rules["at_risk_pulse_at_or_below"]:
        reasons.append(worded("pulse_low", Status.AT_RISK, score=last))
    return reasons


def evaluate_facts(row: Any, now: datetime) -> CandidateSignal:
    """Where one candidate stands, from their facts (a row of `_rows`, or an object with the
    same attributes): the rules, no queries."""
    return _signal(row, now)


def _signal(row: Any, now: datetime) -> CandidateSignal:
    joining_at = joining.joining_instant(row.joining_date, row.joining_time, row.joining_time_zone)
    has_joined = joining_at <= now
    days_to_joining = joining.days_until(joining_at, now)
    last_seen = seen_last(row.last_seen, row.last_sign_in_at)
    reasons = _reasons(row, now, days_to_joining, last_seen, has_joined)
    signal = _assemble(row.id, row, now, joining_at, last_seen, status_of(reasons), reasons)
    return replace(signal, answer_due=answer_due(row.waiting_since, promise_week(row)))


def status_of(reasons: list[Reason]) -> Status:
    """The gravest of the reasons' statuses; engaged when there is none."""
    return max((r.status for r in reasons), key=SEVERITY.__getitem__, default=Status.ENGAGED)


def seen_last(last_event: datetime | None, last_sign_in: datetime | None) -> datetime | None:
    """ "Last seen" as every page shows it: the later of their last event and last sign-in."""
    seen = [moment for moment in (last_event, last_sign_in) if moment is not None]
    return max(seen) if seen else None


def stored_signal(row: Any, now: datetime) -> CandidateSignal:
    """Where one candidate stands as their summary last recorded it (`status` and `reasons`
    columns, the way the dashboards list them), with the joining facts as of `now`."""
    joining_at = joining.joining_instant(row.joining_date, row.joining_time, row.joining_time_zone)
    reasons = [
        Reason(
            str(reason.get("code", "")),
            Status(reason["status"]),
            str(reason["text"]),
            reason.get("facts"),
        )
        for reason in stored_reasons(row.reasons)
    ]
    last_seen = seen_last(row.last_seen_at, row.last_sign_in_at)
    return _assemble(row.candidate_id, row, now, joining_at, last_seen, Status(row.status), reasons)


# A stored reason's status, as the JSON holds it, and how grave it is.
_STORED_SEVERITY = {status.value: severity for status, severity in SEVERITY.items()}


def stored_reasons(stored: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The reasons a summary stored that the pages and the API show, gravest first: those with
    a known status and some text (a reason stored by an older or newer release may lack them)."""
    kept = [
        reason
        for reason in stored or ()
        if reason.get("status") in _STORED_SEVERITY and reason.get("text")
    ]
    kept.sort(key=lambda reason: -_STORED_SEVERITY[reason["status"]])
    return kept


def _assemble(
    candidate_id: int,
    row: Any,
    now: datetime,
    joining_at: datetime,
    last_seen: datetime | None,
    status: Status,
    reasons: list[Reason],
) -> CandidateSignal:
    return CandidateSignal(
        candidate_id=candidate_id,
        name=row.name,
        email=row.email,
        recruiter_id=row.recruiter_id,
        recruiter_name=row.recruiter_name,
        job_title=row.job_title,
        joining_at=joining_at,
        days_to_joining=joining.days_until(joining_at, now),
        has_joined=joining_at <= now,
        signed_up=bool(row.signed_up),
        last_seen_at=last_seen,
        unanswered_questions=row.unanswered,
        waiting_since=row.waiting_since,
        last_pulse=row.last_pulse,
        previous_pulse=row.previous_pulse,
        status=status,
        reasons=sorted(reasons, key=lambda r: -SEVERITY[r.status]),
        first_waiting_id=row.first_waiting_id,
        tasks_total=row.tasks_total or 0,
        tasks_done=row.tasks_done or 0,
        tasks_overdue=checklist.overdue_count(row.task_dues, now),
    )


def signals(
    now: datetime,
    *,
    recruiter_id: int | None = None,
    unassigned: bool = False,
    candidate_ids: list[int] | None = None,
    status: Status | None = None,
    search: str | None = None,
    active_only: bool = True,
) -> list[CandidateSignal]:
    """Active candidates with their status and reasons, riskiest first, then soonest joining
    (those who have joined come last). One SQL query over the summaries, whatever the numbers;
    the rules run here, as of `now` (the dashboards read the status the summaries stored)."""
    rows = status_rows(
        recruiter_id=recruiter_id,
        unassigned=unassigned,
        candidate_ids=candidate_ids,
        search=search,
        active_only=active_only,
    )
    result = [_signal(row, now) for row in rows]
    if status is not None:
        result = [signal for signal in result if signal.status == status]
    result.sort(
        key=lambda s: (s.has_joined, -s.severity, s.days_to_joining, s.name.lower(), s.candidate_id)
    )
    return result


def status_counts(found: list[CandidateSignal]) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    for signal in found:
        counts[signal.status] += 1
    return counts
