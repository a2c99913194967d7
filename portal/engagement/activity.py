"""A candidate's events told in words, grouped by day, newest first, for their recruiter and HR
(a week of days a page, under the 30-day sparkline).

Events store facts, never content ("news:12", a pulse score); the words are made here. The few
things the sentences name (news titles, pulse comments) are fetched in one query each, so the
number of queries stays the same however many events there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel.speaklater import LazyString
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import aliased

from portal.core.extensions import db
from portal.core.i18n import _, _l
from portal.core.pages import instant_cursor
from portal.engagement import reason_words
from portal.engagement.dashboard import ACTIVITY_DAYS
from portal.engagement.models import CandidateSummary, PulseResponse, Status
from portal.engagement.sparkline import Sparkline, day_counts, sparkline, window
from portal.events import log as events
from portal.events.models import EngagementEvent, EventKind
from portal.news.models import FeedEntry
from portal.timeline.models import CandidateMilestone, MilestoneTemplate

# Made once: building an alias costs more than the query it is used in.
_VERSION = aliased(CandidateMilestone, name="version")

LIMIT = 150  # events read for a page of a candidate's activity, at most (and one more)
DAYS_PER_PAGE = 7  # days of activity a page shows, at most

# Sentences for events that need nothing looked up (in the reader's language when shown).
PLAIN: dict[str, LazyString] = {
    EventKind.SIGNED_IN: _l("Signed in"),
    EventKind.HOME_VIEWED: _l("Opened their home page"),
    EventKind.QUESTION_ASKED: _l("Asked a question"),
    EventKind.ANSWER_READ: _l("Read an answer to their question"),
    EventKind.FAQ_SEARCHED: _l("Searched the FAQ"),
    EventKind.CALENDAR_DOWNLOADED: _l("Downloaded the joining-day calendar file"),
    EventKind.TIMELINE_VIEWED: _l("Opened a timeline item"),
    EventKind.QUESTION_OVERDUE: _l("A question waited past the promised answer time"),
    EventKind.JOINED: _l("Joined: their first day began"),
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
class ActivityDay:
    """One day of a candidate's activity, in the reader's zone, newest event first."""

    day: date
    items: list[ActivityItem]
    continued: bool = False  # the day began on the previous (newer) page


@dataclass(frozen=True)
class Activity:
    """A page of a candidate's activity grouped by day, newest first, and the cursor of the
    next, older page (None on the last)."""

    days: list[ActivityDay]
    limit: int
    next_before: str | None = None
    first_page: bool = True

    @property
    def items(self) -> list[ActivityItem]:
        return [item for day in self.days for item in day.items]


def _subject_id(subject: str | None, prefix: str) -> int | None:
    """The id in "news:12" for prefix "news", else None."""
    if not subject or not subject.startswith(prefix + ":"):
        return None
    value = subject[len(prefix) + 1 :]
    return int(value) if value.isdigit() else None


def _status_change(data: dict) -> str:
    """ "Status changed from engaged to quiet: not seen for 7 days", the reasons worded in the
    reader's language from the facts the event kept (else as it recorded them)."""
    before, after = Status.words_for(data.get("from")), Status.words_for(data.get("to"))
    texts = [str(reason) for reason in data.get("reasons") or []]
    reasons = reason_words.said(list(data.get("reason_facts") or []), texts)
    if not reasons:
        return _("Status changed from %(before)s to %(after)s", before=before, after=after)
    return _(
        "Status changed from %(before)s to %(after)s: %(reasons)s",
        before=before,
        after=after,
        reasons="; ".join(reasons),
    )


def _pulse(event: EngagementEvent, by_id: dict, by_time: dict) -> tuple[str, str | None]:
    response = by_id.get(_subject_id(event.subject, "pulse")) or by_time.get(event.occurred_at)
    data = event.data or {}
    score = response.score if response is not None else data.get("score")
    text = (
        _("Pulse: %(score)s of 5", score=score)
        if score is not None
        else _("Answered the pulse check")
    )
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
            text = (
                _("Opened the news item “%(title)s”", title=title)
                if title
                else _("Opened a news item")
            )
        elif event.kind == EventKind.TIMELINE_VIEWED and event.subject in named.milestones:
            text = _("Opened the timeline item “%(title)s”", title=named.milestones[event.subject])
        elif event.kind == EventKind.PULSE_ANSWERED:
            text, comment = _pulse(event, by_id, by_time)
        elif event.kind == EventKind.STATUS_CHANGED:
            text = _status_change(event.data or {})
        else:
            plain = PLAIN.get(event.kind)
            text = str(plain) if plain is not None else event.kind.replace("_", " ").capitalize()
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


def _titles(candidate_id: int, news_ids: set[int], subjects: set[str]) -> dict[str, str]:
    """Titles of what the events name, by subject ("news:12", "milestone:3",
    "milestone:own-7"), in one query: news items, and milestones as this candidate saw them
    (the template's title or the candidate's own version of it, and their own milestones)."""
    template_ids = {i for s in subjects if (i := _subject_id(s, "milestone")) is not None}
    own_ids = {
        int(s.removeprefix("milestone:own-"))
        for s in subjects
        if s.startswith("milestone:own-") and s.removeprefix("milestone:own-").isdigit()
    }
    parts: list[Select[str, int, str]] = []
    if news_ids:
        parts.append(
            select(
                literal("news:").label("prefix"),
                FeedEntry.id.label("id"),
                FeedEntry.title.label("title"),
            ).where(FeedEntry.id.in_(news_ids))
        )
    if template_ids:
        version = _VERSION
        parts.append(
            select(
                literal("milestone:").label("prefix"),
                MilestoneTemplate.id.label("id"),
                func.coalesce(version.title, MilestoneTemplate.title).label("title"),
            )
            .outerjoin(
                version,
                (version.template_id == MilestoneTemplate.id)
                & (version.candidate_id == candidate_id),
            )
            .where(MilestoneTemplate.id.in_(template_ids))
        )
    if own_ids:
        parts.append(
            select(
                literal("milestone:own-").label("prefix"),
                CandidateMilestone.id.label("id"),
                CandidateMilestone.title.label("title"),
            ).where(
                CandidateMilestone.candidate_id == candidate_id,
                CandidateMilestone.template_id.is_(None),
                CandidateMilestone.id.in_(own_ids),
            )
        )
    if not parts:
        return {}
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    return {f"{prefix}{found_id}": title for prefix, found_id, title in db.session.execute(query)}


def _named(candidate_id: int, found: list[EngagementEvent]) -> Named:
    """What the events name: titles in one query, pulses in another (and none when nothing is
    named)."""
    news_ids = {
        news_id
        for event in found
        if event.kind == EventKind.NEWS_OPENED
        and (news_id := _subject_id(event.subject, "news")) is not None
    }
    milestone_subjects = {
        event.subject
        for event in found
        if event.kind == EventKind.TIMELINE_VIEWED and event.subject
    }
    titles = _titles(candidate_id, news_ids, milestone_subjects)
    pulses: list[PulseResponse] = []
    if any(event.kind == EventKind.PULSE_ANSWERED for event in found):
        pulses = list(
            db.session.scalars(
                select(PulseResponse).where(PulseResponse.candidate_id == candidate_id)
            )
        )
    return Named(
        news={int(key[5:]): title for key, title in titles.items() if key.startswith("news:")},
        milestones={key: title for key, title in titles.items() if key.startswith("milestone:")},
        pulses=pulses,
    )


def candidate_activity(
    candidate_id: int,
    zone: ZoneInfo,
    *,
    before: tuple[datetime, int] | None = None,
    limit: int = LIMIT,
    days: int = DAYS_PER_PAGE,
) -> Activity:
    """A page of the candidate's events in words, grouped by day in `zone` (the reader's),
    newest first: up to `days` whole days older than the event `before` (an event's time and
    id; None for the newest), reading at most `limit` + 1 events. A day with more than `limit`
    events is shown a part at a time. At most five queries."""
    found = events.timeline(candidate_id, limit=limit + 1, before=before)
    cut = len(found) > limit  # something older remains unread
    found = found[:limit]
    grouped: dict[date, list[EngagementEvent]] = {}
    for event in found:
        grouped.setdefault(event.occurred_at.astimezone(zone).date(), []).append(event)
    kept = list(grouped)[:days]
    if cut and len(kept) > 1 and len(kept) == len(grouped):
        kept = kept[:-1]  # the oldest day may go on past what was read: it starts the next page
    cut = cut or len(kept) < len(grouped)
    shown = [event for day in kept for event in grouped[day]]
    described = iter(describe(shown, _named(candidate_id, shown)))
    continued_day = before[0].astimezone(zone).date() if before is not None else None
    pages_days = [
        ActivityDay(day, [next(described) for _ in grouped[day]], continued=day == continued_day)
        for day in kept
    ]
    last = shown[-1] if shown else None
    return Activity(
        days=pages_days,
        limit=limit,
        next_before=instant_cursor(last.occurred_at, last.id) if cut and last else None,
        first_page=before is None,
    )


def activity_sparkline(candidate_id: int, now: datetime) -> Sparkline:
    """The candidate's last ACTIVITY_DAYS days of activity, as the dashboards draw them, from their
    summary (one query; no summary yet reads as no activity)."""
    counts = db.session.scalar(
        select(CandidateSummary.activity_days).where(CandidateSummary.candidate_id == candidate_id)
    )
    return sparkline(day_counts(counts or {}, window(now, ACTIVITY_DAYS)), now)
