"""Which news may go into candidates' mail: only what HR has had the chance to curate.

Candidates see news in the portal as soon as it is fetched (unless HR hides it). Their
"What's new" and weekly summary emails carry only curated news: an entry HR published ("publish
now"), or one that has been shown, not hidden, for NEWS_CURATION_DELAY_HOURS, time for HR to
hide what should not go. Each entry has its mail moment, from which it is curated:

- `FeedEntry.mail_from` when HR set it: publishing sets it to now; showing a hidden entry
  again sets it to now + the delay (the delay starts again);
- otherwise its first sighting + the delay.

An email covers the entries whose mail moment falls in its window (since the last one sent), so
every curated entry is in one email, whenever it became curated. What HR's list says about an
entry ("in candidates' email from …") is `mail_moment`, the same rule.

Plain module: functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_

from portal.core.extensions import db
from portal.news.models import FeedEntry
from portal.people import audit
from portal.people.models import User


def delay() -> timedelta:
    """How long an entry is shown before it may go into mail (NEWS_CURATION_DELAY_HOURS)."""
    return timedelta(hours=max(0, current_app.config.get("NEWS_CURATION_DELAY_HOURS") or 0))


def mail_moment(entry: FeedEntry) -> datetime:
    """From when `entry` may go into candidates' mail (if it is not hidden then)."""
    return entry.mail_from if entry.mail_from is not None else entry.first_seen_at + delay()


def curated_between(since: datetime, until: datetime) -> ColumnElement[bool]:
    """The WHERE clause of the entries whose mail moment falls in (since, until]: what an
    email covering that window may say (visibility is `news.entries.visible_to`'s to add)."""
    wait = delay()
    return or_(
        and_(
            FeedEntry.mail_from.is_not(None),
            FeedEntry.mail_from > since,
            FeedEntry.mail_from <= until,
        ),
        and_(
            FeedEntry.mail_from.is_(None),
            FeedEntry.first_seen_at > since - wait,
            FeedEntry.first_seen_at <= until - wait,
        ),
    )


def can_publish(entry: FeedEntry, now: datetime) -> bool:
    """Whether HR may publish `entry` now: shown, and not yet in candidates' mail."""
    return not entry.hidden and mail_moment(entry) > now


def publish(actor: User, entry: FeedEntry, now: datetime) -> bool:
    """Put `entry` into candidates' mail from now on, without waiting for the curation delay;
    False when it cannot be (hidden, or already in their mail)."""
    if not can_publish(entry, now):
        return False
    old = mail_moment(entry)
    entry.mail_from = now
    audit.record(
        actor,
        "news_published",
        field="mail_from",
        old=old,
        new=now,
        subject=f"News “{entry.title or 'Untitled'}”",
    )
    db.session.flush()
    return True


def shown_again(entry: FeedEntry, now: datetime) -> None:
    """A hidden entry is shown again: the curation delay starts again from now."""
    entry.mail_from = now + delay()
    db.session.flush()
