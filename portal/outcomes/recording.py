"""Recording what became of an offer: by HR or the candidate's recruiter (`record_outcome`,
`clear_outcome`), or by the portal, which marks a candidate joined once their joining moment
has passed and nobody said otherwise (`mark_joined`, the worker's job). Only flushes.

The facts the reports read (portal.outcomes.history) are worked out when an outcome is first
recorded, up to the earlier of that moment and the joining moment; changing the outcome keeps
them. Who may record is the caller's business (the views, the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import joinedload

from portal.core import clock, inputs
from portal.core.extensions import db
from portal.core.i18n import N_, _
from portal.core.templating import long_date
from portal.outcomes import history
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.people import audit
from portal.people.models import AuditEntry, CandidateProfile, Role, User
from portal.questions.waiting import promise_hours
from portal.timeline import joining

REASON_MAX_LENGTH = 200
# Candidates marked joined per run of the job (each batch reads their history in 3 queries).
BATCH = 200
# How the audit log keeps the portal's own "joined" (in English, like every recorded value;
# `shown_words` translates it).
AUTOMATIC_WORDS = N_("Joined (marked by the portal)")


class OutcomeError(ValueError):
    """An outcome that cannot be recorded, with the field it is about and a message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Recorded:
    row: CandidateOutcome
    changed: bool


def outcome_of(candidate_id: int) -> CandidateOutcome | None:
    """The candidate's outcome, if one was recorded."""
    return db.session.scalar(
        select(CandidateOutcome).where(CandidateOutcome.candidate_id == candidate_id)
    )


def words(row: CandidateOutcome | None) -> str | None:
    """The outcome as the audit log keeps it (in English)."""
    if row is None:
        return None
    return AUTOMATIC_WORDS if row.automatic else row.kind.recorded


_RECORDED_WORDS = frozenset([AUTOMATIC_WORDS, *(outcome.recorded for outcome in Outcome)])


def shown_words(value: str | None) -> str:
    """An outcome as the audit log keeps it, in the reader's language (any other value, such
    as a reason, as recorded)."""
    if value is None:
        return ""
    return _(value) if value in _RECORDED_WORDS else value


def may_say_what_happened(profile: CandidateProfile, now: datetime) -> bool:
    """ "Joined" and "No-show" are for their joining day or later (in the workplace's zone)."""
    starts = joining.candidate_joining(profile)
    return now.astimezone(starts.tzinfo).date() >= profile.joining_date


def record_outcome(
    candidate: User,
    outcome: Outcome,
    by: User,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Record (or change) what became of the candidate's offer, with an optional reason,
    in the audit log. OutcomeError names the field when it cannot be: "joined" or "no-show"
    before their joining day, a reason that is not one line of at most REASON_MAX_LENGTH."""
    now = now or clock.now()
    profile = _profile(candidate)
    if outcome is not Outcome.RENEGED and not may_say_what_happened(profile, now):
        raise OutcomeError(
            "outcome",
            _(
                "%(name)s joins on %(day)s: “%(outcome)s” can be recorded from that day. Before "
                "it, an offer can only be reneged.",
                name=candidate.name,
                day=long_date(profile.joining_date),
                outcome=outcome.label,
            ),
        )
    said = _reason(reason)
    row = outcome_of(candidate.id)
    before = words(row)
    if row is None:
        row = _new_row(candidate, profile, outcome, now)
        db.session.add(row)
    elif row.outcome == outcome and not row.automatic and said is None:
        return Recorded(row, changed=False)
    row.outcome, row.automatic = str(outcome), False
    row.recorded_at, row.recorded_by_id = now, by.id
    _copy_offer(row, candidate, profile)
    changes: dict[str, tuple[str | None, str | None]] = {}
    if before != outcome.recorded:
        changes["outcome"] = (before, outcome.recorded)
    if said is not None:
        changes["reason"] = (None, said)
    if before is None:
        audit.record_changes(by, candidate, "outcome.recorded", changes)
    else:
        audit.record_changes(by, candidate, "outcome.changed", changes)
    db.session.flush()
    return Recorded(row, changed=True)


def clear_outcome(
    candidate: User, by: User, *, reason: str | None = None, now: datetime | None = None
) -> bool:
    """Take the outcome back (it was recorded too soon): only before their joining moment,
    since once it has passed the portal marks them joined. Whether there was one to clear."""
    now = now or clock.now()
    profile = _profile(candidate)
    if joining.candidate_joining(profile) <= now:
        raise OutcomeError(
            "outcome",
            _(
                "%(name)s’s joining moment has passed: choose what happened instead.",
                name=candidate.name,
            ),
        )
    said = _reason(reason)
    row = outcome_of(candidate.id)
    if row is None:
        return False
    changes: dict[str, tuple[str | None, str | None]] = {"outcome": (words(row), None)}
    if said is not None:
        changes["reason"] = (None, said)
    audit.record_changes(by, candidate, "outcome.cleared", changes)
    db.session.delete(row)
    db.session.flush()
    return True


def history_of(candidate: User, limit: int = 20) -> list[AuditEntry]:
    """The outcome's recordings and changes, newest first, from the audit log (one query)."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .options(joinedload(AuditEntry.actor))
            .where(
                AuditEntry.target_user_id == candidate.id,
                AuditEntry.action.like("outcome.%"),
            )
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


def _profile(candidate: User) -> CandidateProfile:
    if candidate.role != Role.CANDIDATE or candidate.candidate_profile is None:
        raise OutcomeError("outcome", _("Only a candidate’s offer has an outcome."))
    return candidate.candidate_profile


def _reason(reason: str | None) -> str | None:
    """The reason as stored (one clean line), None when none was given."""
    if reason is None:
        return None
    try:
        return inputs.one_line(reason, max_length=REASON_MAX_LENGTH, what=_("the reason"))
    except inputs.InputError as error:
        if error.empty:
            return None
        raise OutcomeError("reason", error.message) from None


def _copy_offer(row: CandidateOutcome, candidate: User, profile: CandidateProfile) -> None:
    row.offered_at = candidate.created_at
    row.joining_date = profile.joining_date
    row.joining_at = joining.candidate_joining(profile)
    row.department = profile.department
    row.location = profile.location
    row.recruiter_id = profile.recruiter_id


def _new_row(
    candidate: User, profile: CandidateProfile, outcome: Outcome, now: datetime
) -> CandidateOutcome:
    until = min(now, joining.candidate_joining(profile))
    subject = history.Subject(candidate.id, candidate.created_at, until)
    facts = history.facts_of([subject], _promise())[candidate.id]
    row = CandidateOutcome(candidate_id=candidate.id, outcome=str(outcome), recorded_at=now)
    _copy_offer(row, candidate, profile)
    _fill(row, until, facts)
    return row


def _promise() -> timedelta:
    return timedelta(hours=promise_hours())


def _fill(row: CandidateOutcome, until: datetime, facts: history.Facts) -> None:
    row.facts_until = until
    row.first_quiet_at = facts.first_quiet_at
    row.first_at_risk_at = facts.first_at_risk_at
    row.longest_silence_days = facts.longest_silence_days
    row.active_weeks = facts.active_weeks
    row.offered_weeks = facts.offered_weeks
    row.promise_hours = promise_hours()
    answers = facts.answers
    row.answers_within_quarter = answers.within_quarter
    row.answers_within_half = answers.within_half
    row.answers_within_promise = answers.within_promise
    row.answers_late = answers.late
    row.questions_unanswered = answers.unanswered


# --- The portal's "joined" ------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    joined: int  # candidates marked joined
    more: bool  # others are due too: the next run takes them
    withdrawn: int = 0  # automatic outcomes taken back: their joining moved to the future

    def line(self) -> str | None:
        said = []
        if self.joined:
            said.append(f"{self.joined} candidate(s) marked joined")
        if self.more:
            said.append("more next run")
        if self.withdrawn:
            said.append(f"{self.withdrawn} taken back (joining moved later)")
        return ", ".join(said) or None


def mark_joined(now: datetime, batch: int = BATCH) -> Marked:
    """The worker's job: every active candidate whose joining moment has passed and who has
    no outcome is marked joined, automatically (up to `batch` a run, soonest first), with the
    facts up to that moment; an automatic "joined" whose candidate's joining moment has since
    moved to the future is taken back. Closed accounts are left for HR to record."""
    withdrawn = _withdraw_moved(now)
    # Any zone's day has begun by the next UTC day: a coarse filter, then the exact moment.
    rows = db.session.execute(
        select(User, CandidateProfile)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .where(
            User.role == Role.CANDIDATE,
            User.is_active.is_(True),
            CandidateProfile.joining_date <= (now + timedelta(days=1)).date(),
            ~exists().where(CandidateOutcome.candidate_id == User.id),
        )
        .order_by(CandidateProfile.joining_date, User.id)
    ).all()
    due = [
        (user, profile, starts)
        for user, profile in rows
        if (starts := joining.candidate_joining(profile)) <= now
    ]
    chosen = due[:batch]
    subjects = [history.Subject(user.id, user.created_at, starts) for user, _p, starts in chosen]
    found = history.facts_of(subjects, _promise())
    for user, profile, starts in chosen:
        row = CandidateOutcome(
            candidate_id=user.id, outcome=str(Outcome.JOINED), automatic=True, recorded_at=now
        )
        _copy_offer(row, user, profile)
        _fill(row, starts, found[user.id])
        db.session.add(row)
    db.session.flush()
    return Marked(len(chosen), len(due) > batch, withdrawn)


def _withdraw_moved(now: datetime) -> int:
    """Automatic outcomes whose candidate now joins later than they were marked for."""
    moved = db.session.execute(
        select(CandidateOutcome.id, CandidateProfile)
        .join(CandidateProfile, CandidateProfile.user_id == CandidateOutcome.candidate_id)
        .where(
            CandidateOutcome.automatic.is_(True),
            CandidateProfile.joining_date > CandidateOutcome.joining_date,
        )
    ).all()
    ids = [row_id for row_id, profile in moved if joining.candidate_joining(profile) > now]
    if ids:
        db.session.execute(delete(CandidateOutcome).where(CandidateOutcome.id.in_(ids)))
    return len(ids)
