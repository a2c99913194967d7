"""What is new for a candidate: news they may read and milestones coming within their week,
as the "What's new" and weekly summary emails say it (portal.news.updates queues them).

`gather` is what one email says: only curated news (portal.news.curation). `maybe_new` tells, in
a few queries for any number of candidates, who might have something new at all, so that the
worker (which asks every minute, when most of the time nothing is new) looks closer only at
them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import contains_eager

from portal.core.extensions import db
from portal.news import curation
from portal.news import entries as news
from portal.news.models import FeedEntry
from portal.people.models import User
from portal.timeline import joining, workdays
from portal.timeline import milestones as timeline
from portal.timeline.models import CandidateMilestone, MilestoneTemplate

HORIZON = timedelta(days=7)  # milestones this close are worth a mention
NEWS_LIMIT = 6
EXCERPT_LENGTH = 200
WITH_NEWS_CHUNK = 200  # SQLite allows 500 SELECTs in one UNION


@dataclass(frozen=True)
class NewsLine:
    title: str
    source: str
    excerpt: str
    entry_id: int  # its email links to it through candidate.open_news (counts the read)


@dataclass(frozen=True)
class Update:
    """What one update email says."""

    news: list[NewsLine]
    more_news: bool
    milestones: list[timeline.TimelineItem]
    new_milestones: int
    joins_at: datetime
    days_until: int

    @property
    def is_empty(self) -> bool:
        return not self.news and not self.milestones


def gather(
    candidate: User, since: datetime, now: datetime, *, until: datetime | None = None
) -> Update:
    """News curated after `since` (up to `until`, by default `now`) that the candidate may read
    now, and their milestones due within HORIZON of `now`. (An email gathered when queued
    is gathered again, with the same window, when it is sent: `updates.recheck`.)"""
    entries = list(
        db.session.scalars(
            select(FeedEntry)
            .join(FeedEntry.feed)
            .options(contains_eager(FeedEntry.feed))
            # The one definition of who may read an entry, kept in news.entries; and only news
            # HR has had the chance to curate goes into mail (news.curation).
            .where(news.visible_to(candidate))
            .where(curation.curated_between(since, now if until is None else until))
            .order_by(FeedEntry.first_seen_at.desc(), FeedEntry.id.desc())
            .limit(NEWS_LIMIT + 1)
        )
    )
    lines = [
        NewsLine(
            title=entry.title,  # "Untitled" is for the email to say, in its language
            source=entry.feed.name,
            excerpt=news.excerpt(entry.summary_html or entry.content_html, EXCERPT_LENGTH),
            entry_id=entry.id,
        )
        for entry in entries[:NEWS_LIMIT]
    ]
    upcoming = [
        item
        for item in timeline.candidate_timeline(candidate, now)
        if not item.done and now < item.done_at <= now + HORIZON  # a task overdue is not "coming"
    ]
    joins_at = joining.candidate_joining(candidate.profile)
    return Update(
        news=lines,
        more_news=len(entries) > NEWS_LIMIT,
        milestones=upcoming,
        # Came within the horizon after `since`: not in any earlier update.
        new_milestones=sum(1 for item in upcoming if item.done_at > since + HORIZON),
        joins_at=joins_at,
        days_until=joining.days_until(joins_at, now),
    )


def update_since(covered: datetime | None, now: datetime) -> datetime:
    """What a "What's new" email covers: since the last one they got, a week at most."""
    return max(covered, now - HORIZON) if covered else now - HORIZON


def maybe_new(candidates: list[tuple[User, datetime]], now: datetime) -> set[int]:
    """Which of these candidates (each with the moment their email would cover from) might have
    something new: news for them since then, or a milestone day near the edge of their coming
    week. A few queries, whatever their number."""
    if not candidates:
        return set()
    offsets = {
        (offset, bool(working))
        for offset, working in db.session.execute(
            select(MilestoneTemplate.day_offset, MilestoneTemplate.working_days)
        )
    }
    own: dict[int, set[tuple[int, bool]]] = defaultdict(set)
    for candidate_id, offset, working in db.session.execute(
        select(
            CandidateMilestone.candidate_id,
            CandidateMilestone.day_offset,
            CandidateMilestone.working_days,
        ).where(CandidateMilestone.candidate_id.in_([user.id for user, _ in candidates]))
    ):
        own[candidate_id].add((offset, bool(working)))
    found = _with_news(candidates, now)
    for user, since in candidates:
        if user.id not in found and _milestone_came_near(user, offsets | own[user.id], since, now):
            found.add(user.id)
    return found


def _milestone_came_near(
    user: User, offsets: set[tuple[int, bool]], since: datetime, now: datetime
) -> bool:
    """Whether a milestone day of `user` (these offsets from their joining date, each in
    working days on their location's calendar or in days) may have entered their coming week
    after `since`: a day either side covers the difference between the workplace's calendar
    and UTC."""
    first = (since + HORIZON).date() - timedelta(days=1)
    last = (now + HORIZON).date() + timedelta(days=1)
    joining_date = user.profile.joining_date
    calendar = workdays.calendar_for(user.profile.location)
    return any(
        first
        <= (
            workdays.shift(joining_date, offset, calendar)
            if working
            else joining_date + timedelta(days=offset)
        )
        <= last
        for offset, working in offsets
    )


def _with_news(candidates: list[tuple[User, datetime]], now: datetime) -> set[int]:
    """Which of these candidates have news they may read, curated after their own `since`:
    one query per WITH_NEWS_CHUNK candidates, each one's audience as news.entries defines it."""
    found: set[int] = set()
    for start in range(0, len(candidates), WITH_NEWS_CHUNK):
        checks = [
            select(literal(user.id).label("candidate_id")).where(
                select(FeedEntry.id)
                .join(FeedEntry.feed)
                .where(news.visible_to(user), curation.curated_between(since, now))
                .exists()
            )
            for user, since in candidates[start : start + WITH_NEWS_CHUNK]
        ]
        found.update(db.session.scalars(union_all(*checks)))
    return found
