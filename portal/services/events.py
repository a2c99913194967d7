"""Recording what candidates do: append-only engagement events.

Callers record in their own unit of work (the request, CLI command or worker job commits).
Events are facts about behaviour, never content: "news:12" is stored, the article's text is not;
"message:40" is stored, the question's text is not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import EngagementEvent, EventKind

HOME_VIEW_EVERY = timedelta(hours=1)


def record(
    candidate_id: int,
    kind: EventKind,
    *,
    subject: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> EngagementEvent:
    """Append one event about a candidate (flushed, so its id is known)."""
    event = EngagementEvent(
        candidate_id=candidate_id,
        kind=kind,
        subject=subject,
        data=data,
        occurred_at=at or clock.now(),
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_home_view(candidate_id: int, at: datetime | None = None) -> EngagementEvent | None:
    """Record that the candidate opened their home page, at most once an hour."""
    at = at or clock.now()
    recent = db.session.scalar(
        select(EngagementEvent.id)
        .where(
            EngagementEvent.candidate_id == candidate_id,
            EngagementEvent.kind == EventKind.HOME_VIEWED,
            EngagementEvent.occurred_at > at - HOME_VIEW_EVERY,
        )
        .limit(1)
    )
    if recent is not None:
        return None
    return record(candidate_id, EventKind.HOME_VIEWED, at=at)


def timeline(candidate_id: int, *, limit: int = 200) -> list[EngagementEvent]:
    """A candidate's events, newest first."""
    return list(
        db.session.scalars(
            select(EngagementEvent)
            .where(EngagementEvent.candidate_id == candidate_id)
            .order_by(EngagementEvent.occurred_at.desc(), EngagementEvent.id.desc())
            .limit(limit)
        )
    )
