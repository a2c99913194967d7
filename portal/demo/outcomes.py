"""The offers of the past year as the reports count them, so that a fresh demo has reports
worth reading: outcomes of candidates whose records retention has already removed (their rows
point at nobody, as every outcome does once its candidate is forgotten), spread over the demo's
departments, locations and recruiters. Drawn from a fixed seed: the same on every load.

The draw follows a plain story: offers that were lost went quiet first (longer silences, fewer
active weeks near the end, warned about more often), and one recruiter answers more slowly.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.outcomes.models import WEEKS_KEPT, CandidateOutcome, Outcome
from portal.people.models import User
from portal.questions.waiting import promise_hours
from portal.timeline import joining

PAST_OFFERS = 160
SEED = 15


def load(offers: list[tuple[str, str, str]], recruiters: dict[str, User], hr: User) -> None:
    """`offers`: (department, location, recruiter's email) of the demo's candidates, whose
    like the past offers were."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, the same on every load
    now = utcnow()
    rows = []
    for n in range(PAST_OFFERS):
        department, location, recruiter_email = offers[n % len(offers)]
        recruiter = recruiters[recruiter_email]
        zone = ZoneInfo(recruiter.time_zone)
        day = now.astimezone(zone).date() - timedelta(days=rng.randint(95, 365))
        starts = joining.joining_instant(day, time(9, 0), recruiter.time_zone)
        offered_at = starts - timedelta(days=rng.randint(18, 60), hours=rng.randint(0, 9))
        lost = rng.random() < 0.16
        outcome = Outcome.JOINED
        known_at = starts
        if lost and rng.random() < 0.7:
            outcome = Outcome.RENEGED
            known_at = starts - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 20))
        elif lost:
            outcome = Outcome.NO_SHOW
        until = max(offered_at + timedelta(days=3), min(known_at, starts))
        row = CandidateOutcome(
            candidate_id=None,
            outcome=str(outcome),
            automatic=outcome is Outcome.JOINED and rng.random() < 0.9,
            recorded_at=max(known_at, until),
            offered_at=offered_at,
            joining_date=day,
            joining_at=starts,
            department=department,
            location=location,
            recruiter_id=recruiter.id,
            facts_until=until,
            promise_hours=promise_hours(),
        )
        if not row.automatic:
            row.recorded_by_id = (recruiter if rng.random() < 0.6 else hr).id
        _engagement(row, rng, lost, offered_at, until)
        _answers(row, rng, slow=recruiter_email.startswith("ravi"))
        rows.append(row)
    db.session.add_all(rows)


def _engagement(
    row: CandidateOutcome, rng: random.Random, lost: bool, offered_at: datetime, until: datetime
) -> None:
    span = until - offered_at
    row.offered_weeks = min(WEEKS_KEPT, ceil(span / timedelta(days=7)))
    silence = rng.randint(4, 20) if lost else rng.choice([1, 2, 2, 3, 3, 4, 5, 6, 8, 9, 11])
    row.longest_silence_days = min(silence, span.days)
    bits = 0
    for week in range(row.offered_weeks):
        chance = 0.15 + 0.09 * week if lost else 0.85 - 0.02 * week
        if rng.random() < chance:
            bits |= 1 << week
    row.active_weeks = bits
    if rng.random() < (0.65 if lost else 0.12) or row.longest_silence_days >= 14:
        row.first_at_risk_at = until - timedelta(days=rng.randint(1, max(1, span.days - 1)))
    if rng.random() < (0.8 if lost else 0.3) or row.longest_silence_days >= 7:
        row.first_quiet_at = until - timedelta(days=rng.randint(1, max(1, span.days - 1)))


def _answers(row: CandidateOutcome, rng: random.Random, *, slow: bool) -> None:
    """A few waits each, in the bands of the promise (a slower recruiter's later)."""
    bands = [0, 0, 0, 0, 0]
    weights = [2, 3, 3, 3, 1] if slow else [5, 3, 2, 1, 0.3]
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
        bands[rng.choices(range(5), weights=weights)[0]] += 1
    (
        row.answers_within_quarter,
        row.answers_within_half,
        row.answers_within_promise,
        row.answers_late,
        row.questions_unanswered,
    ) = bands
