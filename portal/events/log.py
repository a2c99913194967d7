"""Recording what candidates do: append-only engagement events.

Callers record in their own unit of work (the request, CLI command or worker job commits).
Events are facts about behaviour, never content: "news:12" is stored, the article's text is not;
"message:40" is stored, the question's text is not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from blinker import Signal
from sqlalchemy import Exists, Integer, Select, String, and_, insert, literal, or_, select

from portal.core import clock
from portal.core.extensions import db
from portal.core.models import UTCDateTime
from portal.events.models import EngagementEvent, EventKind

HOME_VIEW_EVERY = timedelta(hours=1)

# Sent with (candidate_id, kind=, at=) when record_home_view writes its row without the ORM,
# in the same transaction (features that watch EngagementEvent rows being flushed, such as
# portal.engagement.summaries, learn of it so).
event_recorded = Signal("event-recorded")


def record(
    candidate_id: int,
    kind: EventKind,
    *,
    subject: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    flush: bool = True,
) -> EngagementEvent:
    """Append one event about a candidate (flushed, so its id is known). `flush=False` leaves
    it to the caller's next flush (or the commit): one flush less when more rows follow."""
    event = EngagementEvent(
        candidate_id=candidate_id,
        kind=kind,
        subject=subject,
        data=data,
        occurred_at=at or clock.now(),
    )
    db.session.add(event)
    if flush:
        db.session.flush()
    return event


def _home_views_after(candidate_id: Any, since: Any) -> Select[int]:
    return select(EngagementEvent.id).where(
        EngagementEvent.candidate_id == candidate_id,
        EngagementEvent.kind == EventKind.HOME_VIEWED,
        EngagementEvent.occurred_at > since,
    )


def _recent_home_view(candidate_id: int, at: datetime) -> Select[int]:
    return _home_views_after(candidate_id, at - HOME_VIEW_EVERY)


def home_viewed_lately(candidate_id: int, at: datetime) -> Exists:
    """Whether a home view was recorded in the hour before `at`, to read beside others."""
    return _recent_home_view(candidate_id, at).exists()


def home_viewed_since(candidate_id: Any, since: Any) -> Exists:
    """`home_viewed_lately` with `since` = `at` - HOME_VIEW_EVERY, each value or bound
    parameter: for a query built once and run for anyone at any moment."""
    return _home_views_after(candidate_id, since).exists()


def record_home_view(candidate_id: int, at: datetime | None = None) -> bool:
    """Record that the candidate opened their home page, at most once an hour; True if recorded.

    One statement either way (INSERT ... SELECT ... WHERE NOT EXISTS), so the home page costs
    the same number of queries whether or not this visit is the one that counts."""
    at = at or clock.now()
    recent = _recent_home_view(candidate_id, at)
    values = select(
        literal(candidate_id, Integer()),
        literal(str(EventKind.HOME_VIEWED), String()),
        literal(at, UTCDateTime()),
    ).where(~recent.exists())
    statement = insert(EngagementEvent).from_select(
        ["candidate_id", "kind", "occurred_at"], values, include_defaults=False
    )
    # RETURNING says whether the row went in (rowcount is not reliable for INSERT ... SELECT
    # on every driver).
    recorded = db.session.execute(statement.returning(EngagementEvent.id)).first() is not None
    if recorded:
        event_recorded.send(candidate_id, kind=str(EventKind.HOME_VIEWED), at=at)
    return recorded


def timeline(
    candidate_id: int, *, limit: int = 200, before: tuple[datetime, int] | None = None
) -> list[EngagementEvent]:
    """A candidate's events, newest first; given `before` (an event's time and id), only the
    events older than that one (the next page)."""
    query = select(EngagementEvent).where(EngagementEvent.candidate_id == candidate_id)
    if before is not None:
        at, event_id = before
        query = query.where(
            or_(
                EngagementEvent.occurred_at < at,
                and_(EngagementEvent.occurred_at == at, EngagementEvent.id < event_id),
            )
        )
    return list(
        db.session.scalars(
            query.order_by(EngagementEvent.occurred_at.desc(), EngagementEvent.id.desc()).limit(
                limit
            )
        )
    )
