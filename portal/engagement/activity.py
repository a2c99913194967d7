"""A candidate's events told in words, newest first, for their recruiter and HR.

Events store facts, never content ("news:12", a pulse score); the words are made here. The few
things the sentences name (news titles, pulse comments) are fetched in one query each, so the
number of queries stays the same however many events there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import aliased

from portal.core.extensions import db
from portal.engagement.models import PulseResponse, Status
from portal.events import log as events
from portal.events.models import EngagementEvent, EventKind
from portal.news.models import FeedEntry
from portal.timeline.models import CandidateMilestone, MilestoneTemplate

# Made once: building an alias costs more than the query it is used in.
_VERSION = aliased(CandidateMilestone, name="version")

LIMIT = 100  # the latest events shown on a candidate page

# Sentences for events that need nothing looked up.
PLAIN: dict[str, str] = {
    EventKind.SIGNED_IN: "Signed in",
    EventKind.HOME_VIEWED: "Opened their home page",
    EventKind.QUESTION_ASKED: "Asked a question",
    EventKind.ANSWER_READ: "Read an answer to their question",
    EventKind.FAQ_SEARCHED: "Searched the FAQ",
    EventKind.CALENDAR_DOWNLOADED: "Downloaded the joining-day calendar file",
    EventKind.TIMELINE_VIEWED: "Opened a timeline item",
    EventKind.QUESTION_OVERDUE: "A question waited past the promised answer time",
    EventKind.JOINED: "Joined: their first day began",
}
# Written by the portal, not done by the candidate.
BY_THE_PORTAL = (EventKind.STATUS_CHANGED, EventKind.QUESTION_OVERDUE, EventKind.JOINED)


@dataclass(frozen=True)
class ActivityItem:
    """One event as the recruiter reads it."""

    at: datetime
    kind: str
    text: str
    comment: str | None = None  # a pulse's comment, shown as the candidate wrote it
    by_portal: bool = False


@dataclass(frozen=True)
class Activity:
    items: list[ActivityItem]
    limit: int
    more: bool  # older events exist beyond `limit`


def _subject_id(subject: str | None, prefix: str) -> int | None:
    """The id in "news:12" for prefix "news", else None."""
    if not subject or not subject.startswith(prefix + ":"):
        return None
    value = subject[len(prefix) + 1 :]
    return int(value) if value.isdigit() else None


def _status_change(data: dict) -> str:
    before, after = Status.words_for(data.get("from")), Status.words_for(data.get("to"))
    text = f"Status changed from {before} to {after}"
    reasons = [str(reason) for reason in data.get("reasons") or []]
    return text + (": " + "; ".join(reasons) if reasons else "")


def _pulse(event: EngagementEvent, by_id: dict, by_time: dict) -> tuple[str, str | None]:
    response = by_id.get(_subject_id(event.subject, "pulse")) or by_time.get(event.occurred_at)
    data = event.data or {}
    score = response.score if response is not None else data.get("score")
    text = f"Pulse: {score} of 5" if score is not None else "Answered the pulse check"
    comment = response.comment if response is not None else None
    return text, (comment or None)


@dataclass(frozen=True)
class Named:
    """What events refer to, looked up once for a page of events."""

    news: dict[int, str]  # news entry id -> title
    milestones: dict[str, str]  # event subject ("milestone:3", "milestone:own-7") -> title
    pulses: list[PulseResponse]


def describe(found: list[EngagementEvent], named: Named) -> list[ActivityItem]:
    """Events in words; what they name is passed in (no queries here)."""
    pulses = named.pulses
    by_id = {pulse.id: pulse for pulse in pulses}
    by_time = {pulse.answered_at: pulse for pulse in pulses}
    items = []
    for event in found:
        comment = None
        if event.kind == EventKind.NEWS_OPENED:
            news_id = _subject_id(event.subject, "news")
            title = named.news.get(news_id) if news_id is not None else None
            text = f"Opened the news item “{title}”" if title else "Opened a news item"
        elif event.kind == EventKind.TIMELINE_VIEWED and event.subject in named.milestones:
            text = f"Opened the timeline item “{named.milestones[event.subject]}”"
        elif event.kind == EventKind.PULSE_ANSWERED:
            text, comment = _pulse(event, by_id, by_time)
        elif event.kind == EventKind.STATUS_CHANGED:
            text = _status_change(event.data or {})
        else:
            text = PLAIN.get(event.kind, event.kind.replace("_", " ").capitalize())
        items.append(
            ActivityItem(
                at=event.occurred_at,
                kind=event.kind,
                text=text,
                comment=comment,
                by_portal=event.kind in BY_THE_PORTAL,
            )
        )
    return items


def _milestone_titles(candidate_id: int, subjects: set[str]) -> dict[str, str]:
    """Titles of the milestones the subjects name, as this candidate saw them (one query: the
    template's title or the candidate's own version of it, and their own milestones)."""
    template_ids = {i for s in subjects if (i := _subject_id(s, "milestone")) is not None}
    own_ids = {
        int(s.removeprefix("milestone:own-"))
        for s in subjects
        if s.startswith("milestone:own-") and s.removeprefix("milestone:own-").isdigit()
    }
    if not template_ids and not own_ids:
        return {}
    version = _VERSION
    templates = (
        select(
            literal("milestone:").label("prefix"),
            MilestoneTemplate.id.label("id"),
            func.coalesce(version.title, MilestoneTemplate.title).label("title"),
        )
        .outerjoin(
            version,
            (version.template_id == MilestoneTemplate.id) & (version.candidate_id == candidate_id),
        )
        .where(MilestoneTemplate.id.in_(template_ids))
    )
    own = select(
        literal("milestone:own-").label("prefix"),
        CandidateMilestone.id.label("id"),
        CandidateMilestone.title.label("title"),
    ).where(
        CandidateMilestone.candidate_id == candidate_id,
        CandidateMilestone.template_id.is_(None),
        CandidateMilestone.id.in_(own_ids),
    )
    return {
        f"{prefix}{found_id}": title
        for prefix, found_id, title in db.session.execute(union_all(templates, own))
    }


def candidate_activity(candidate_id: int, *, limit: int = LIMIT) -> Activity:
    """The candidate's latest events in words, newest first, in at most four queries."""
    found = events.timeline(candidate_id, limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    news_ids = {
        news_id
        for event in found
        if event.kind == EventKind.NEWS_OPENED
        and (news_id := _subject_id(event.subject, "news")) is not None
    }
    news: dict[int, str] = {}
    if news_ids:
        found_titles = db.session.execute(
            select(FeedEntry.id, FeedEntry.title).where(FeedEntry.id.in_(news_ids))
        )
        news = {row.id: row.title for row in found_titles}
    milestone_subjects = {
        event.subject
        for event in found
        if event.kind == EventKind.TIMELINE_VIEWED and event.subject
    }
    pulses: list[PulseResponse] = []
    if any(event.kind == EventKind.PULSE_ANSWERED for event in found):
        pulses = list(
            db.session.scalars(
                select(PulseResponse).where(PulseResponse.candidate_id == candidate_id)
            )
        )
    named = Named(
        news=news, milestones=_milestone_titles(candidate_id, milestone_subjects), pulses=pulses
    )
    return Activity(items=describe(found, named), limit=limit, more=more)
