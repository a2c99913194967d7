"""Engagement events for other systems, page by page after a cursor, in the caller's scope.

The cursor is the id of the last event read. Ids are handed out in insertion order, but on
PostgreSQL a transaction can commit a lower id after another committed a higher one; a reader
that moved its cursor past the higher one would never see the lower one. So an event is only
handed out once it is `settle` old (by then the transaction that wrote it, and those that wrote
lower ids, have committed), and a page stops at the first event that is younger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from portal.core.extensions import db
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import CandidateProfile, User


@dataclass(frozen=True)
class EventPage:
    events: list[EngagementEvent]
    next_cursor: int  # the last event's id, or the cursor asked with when nothing is new
    has_more: bool  # more events are ready now: ask again at once


def _scoped(query: Select[EngagementEvent], recruiter_id: int | None) -> Select[EngagementEvent]:
    """Only events about active candidates of `recruiter_id` (None: every candidate, for HR)."""
    query = query.join(CandidateProfile, CandidateProfile.user_id == EngagementEvent.candidate_id)
    query = query.join(User, User.id == CandidateProfile.user_id).where(User.is_active.is_(True))
    if recruiter_id is not None:
        query = query.where(CandidateProfile.recruiter_id == recruiter_id)
    return query


def can_see_candidate(recruiter_id: int | None, candidate_id: int) -> bool:
    """True if the candidate exists, is active and is `recruiter_id`'s (None: anyone's)."""
    query = (
        select(User.id)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .where(User.id == candidate_id, User.is_active.is_(True))
    )
    if recruiter_id is not None:
        query = query.where(CandidateProfile.recruiter_id == recruiter_id)
    return db.session.scalar(query) is not None


def page(
    recruiter_id: int | None,
    *,
    after: int,
    limit: int,
    now: datetime,
    settle: timedelta,
    candidate_id: int | None = None,
    kind: EventKind | None = None,
) -> EventPage:
    """Up to `limit` events with an id above `after` about the candidates of `recruiter_id`
    (None: everyone's), oldest first, in one query."""
    query = _scoped(select(EngagementEvent), recruiter_id).where(EngagementEvent.id > after)
    if candidate_id is not None:
        query = query.where(EngagementEvent.candidate_id == candidate_id)
    if kind is not None:
        query = query.where(EngagementEvent.kind == kind)
    rows = list(db.session.scalars(query.order_by(EngagementEvent.id).limit(limit + 1)))
    horizon = now - settle
    ready: list[EngagementEvent] = []
    for event in rows:
        if event.occurred_at > horizon:
            break
        ready.append(event)
    events = ready[:limit]
    return EventPage(
        events=events,
        next_cursor=events[-1].id if events else after,
        has_more=len(ready) > limit,
    )
