"""The pulse check: "How do you feel about joining?", five steps and an optional comment.

Offered on the candidate home until the first day, at most once every PULSE_EVERY_DAYS days, and
only once the candidate has used the portal for a while: PULSE_AFTER_DAYS since they first
signed in, on PULSE_AFTER_VISITS different days (a question minutes after sign-up would measure
nothing). Both come from the candidate's summary (portal.engagement.summaries). An answer is
stored, recorded as a `pulse_answered` event and published as the `pulse.answered`
webhook (score only: the comment is for the recruiter and HR, never sent to other systems), all
in the caller's transaction. Plain module: no request knowledge; functions flush, the caller
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel.speaklater import LazyString
from sqlalchemy import ScalarSelect, func, select

from portal.core import inputs
from portal.core.database import OrBound
from portal.core.extensions import db
from portal.core.i18n import _, _l, format_number
from portal.engagement.models import CandidateSummary, PulseResponse
from portal.engagement.summary_facts import day_key
from portal.events import log as events
from portal.events.models import EventKind
from portal.people.models import User
from portal.timeline import joining
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEventType

# The steps of the scale, worst to best, as the candidate reads them (in their language).
SCALE: dict[int, LazyString] = {
    1: _l("Worried"),
    2: _l("Unsure"),
    3: _l("Fine"),
    4: _l("Looking forward to it"),
    5: _l("Can't wait"),
}
COMMENT_MAX = 1000


def choose_a_step() -> str:
    """What to say when no step of the scale was chosen."""
    return _("Choose how you feel, from “%(worst)s” to “%(best)s”.", worst=SCALE[1], best=SCALE[5])


class PulseError(ValueError):
    """An answer that cannot be stored, with the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class AlreadyAnswered(PulseError):
    """The candidate answered less than a period ago."""

    def __init__(self, answered_at: datetime, next_at: datetime) -> None:
        super().__init__("score", _("You have already told us how you feel for now."))
        self.answered_at = answered_at
        self.next_at = next_at


class NotOffered(PulseError):
    """The first day has come: there is nothing left to feel about joining."""

    def __init__(self) -> None:
        super().__init__("score", _("Your first day has begun, so we no longer ask."))


class NotYet(PulseError):
    """The candidate has not used the portal long enough to be asked."""

    def __init__(self) -> None:
        super().__init__(
            "score", _("We ask how you feel once you have been using the portal for a few days.")
        )


@dataclass(frozen=True)
class Use:
    """How the candidate has used the portal, from their summary: when they were first seen
    (their first sign-in, in practice) and the UTC days they did something on."""

    first_seen_at: datetime | None
    days: frozenset[str]  # the summary's window: the five weeks up to their latest action

    @classmethod
    def of(cls, first_seen_at: datetime | None, activity_days: dict[str, int] | None) -> Use:
        return cls(first_seen_at, frozenset(activity_days or ()))

    def enough(self, now: datetime) -> bool:
        """PULSE_AFTER_DAYS since they were first seen, on PULSE_AFTER_VISITS different days:
        the day they were first seen, the days in the summary's window, and today (they are
        here). Days before the window count only through the first one: never too early."""
        config = current_app.config
        if self.first_seen_at is None:
            return False
        since = now - self.first_seen_at >= timedelta(days=config["PULSE_AFTER_DAYS"])
        visits = self.days | {day_key(self.first_seen_at), day_key(now)}
        return since and len(visits) >= config["PULSE_AFTER_VISITS"]


def use_columns(candidate_id: OrBound[int]) -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """When the candidate was first seen and their days of activity, as subqueries to read
    beside others (`Use.of` takes the two values)."""
    summary = select(CandidateSummary).where(CandidateSummary.candidate_id == candidate_id)
    return (
        summary.with_only_columns(CandidateSummary.first_seen_at).scalar_subquery(),
        summary.with_only_columns(CandidateSummary.activity_days).scalar_subquery(),
    )


def use_of(candidate_id: int) -> Use:
    """How the candidate has used the portal (one query)."""
    first, days = db.session.execute(select(*use_columns(candidate_id))).one()
    return Use.of(first, days)


def period() -> timedelta:
    """How long after an answer the pulse is offered again (PULSE_EVERY_DAYS)."""
    return timedelta(days=current_app.config["PULSE_EVERY_DAYS"])


def clean_score(value: object) -> int:
    """The score as stored (1 to 5), or PulseError."""
    text = str(value).strip() if value is not None else ""
    if not text.isdecimal() or int(text) not in SCALE:
        raise PulseError("score", choose_a_step())
    return int(text)


def clean_comment(text: str | None) -> str | None:
    """The comment as stored: one kind of line break, trimmed; None when blank."""
    text = inputs.plain_text(text or "").strip()
    if len(text) > COMMENT_MAX:
        raise PulseError(
            "comment",
            _(
                "Keep it to %(max)s characters or fewer (%(now)s now).",
                max=format_number(COMMENT_MAX),
                now=format_number(len(text)),
            ),
        )
    return text or None


def last_response(candidate_id: int) -> PulseResponse | None:
    """The candidate's latest answer, if any (one query)."""
    return db.session.scalar(
        select(PulseResponse)
        .where(PulseResponse.candidate_id == candidate_id)
        .order_by(PulseResponse.answered_at.desc(), PulseResponse.id.desc())
        .limit(1)
    )


def last_answered_at(candidate_id: OrBound[int]) -> ScalarSelect[datetime]:
    """When the candidate last answered, as a subquery to read beside others (one query)."""
    return (
        select(func.max(PulseResponse.answered_at))
        .where(PulseResponse.candidate_id == candidate_id)
        .scalar_subquery()
    )


def _before_joining(candidate: User, now: datetime) -> bool:
    profile = candidate.candidate_profile
    return profile is not None and joining.candidate_joining(profile) > now


def due(candidate: User, last_answered: datetime | None, use: Use, now: datetime) -> bool:
    """Whether to ask now, given when they last answered and how they have used the portal:
    not before they have used it for a while, not for a period after an answer, and never
    once their first day has begun."""
    return (
        _before_joining(candidate, now)
        and use.enough(now)
        and (last_answered is None or last_answered + period() <= now)
    )


@dataclass(frozen=True)
class Offer:
    """Whether to ask the candidate now, and when they last answered."""

    due: bool
    last: PulseResponse | None
    next_at: datetime | None  # when it is offered again, if they answered recently
    use: Use


def offer(candidate: User, now: datetime) -> Offer:
    """Ask when the candidate has used the portal for a while and not answered for a period,
    until their first day begins."""
    last = last_response(candidate.id)
    use = use_of(candidate.id)
    next_at = last.answered_at + period() if last is not None else None
    answered = last.answered_at if last is not None else None
    return Offer(due=due(candidate, answered, use, now), last=last, next_at=next_at, use=use)


def _lock(candidate: User) -> None:
    """Serialise one candidate's answers (PostgreSQL row lock; SQLite writes one at a time), so
    two forms sent at once cannot both pass the once-a-period check."""
    db.session.execute(select(User.id).where(User.id == candidate.id).with_for_update())


def answer(candidate: User, score: object, comment: str | None, now: datetime) -> PulseResponse:
    """Store an answer, record the event and publish the webhook; PulseError if refused."""
    score = clean_score(score)
    comment = clean_comment(comment)
    _lock(candidate)
    current = offer(candidate, now)
    if not current.due:
        if current.last is not None and current.next_at is not None and current.next_at > now:
            raise AlreadyAnswered(current.last.answered_at, current.next_at)
        if not _before_joining(candidate, now):
            raise NotOffered()
        raise NotYet()
    response = PulseResponse(
        candidate_id=candidate.id, score=score, comment=comment, answered_at=now
    )
    db.session.add(response)
    db.session.flush()
    events.record(
        candidate.id,
        EventKind.PULSE_ANSWERED,
        subject=f"pulse:{response.id}",
        data={"score": score},
        at=now,
    )
    profile = candidate.candidate_profile
    webhooks.publish(
        WebhookEventType.PULSE_ANSWERED,
        webhook_data(candidate, response, current.last),
        recruiter_id=profile.recruiter_id if profile is not None else None,
        at=now,
    )
    return response


def webhook_data(
    candidate: User, response: PulseResponse, previous: PulseResponse | None
) -> dict[str, Any]:
    """The `pulse.answered` payload: who, the score and the one before it. Never the comment."""
    return {
        "candidate": webhooks.candidate_data(candidate.id, candidate.name, candidate.email),
        "score": response.score,
        "previous_score": previous.score if previous is not None else None,
        "answered_at": webhooks.instant(response.answered_at),
    }
