"""HR's side of the news: feeds with their counts, the entries list, flags and audiences.

Audiences are stored as news.entries defines them (",tag,tag,", "" for everyone, NULL for the
feed's own), and news.entries decides who reads what. Plain module: no request knowledge.
Functions flush; the caller commits. HR's changes are audit-logged (people.audit) with the old
and new value.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import contains_eager

from portal.core import pages
from portal.core.changes import apply_changes
from portal.core.extensions import db
from portal.core.i18n import _l
from portal.news.entries import normalise_tags
from portal.news.models import Feed, FeedEntry
from portal.people import audit
from portal.people.models import User

HR_PAGE_SIZE = 50
FLAGS = ("hidden", "pinned", "featured")


@dataclass(frozen=True)
class FeedRow:
    """A feed on HR's list, with how many entries it holds."""

    feed: Feed
    entries: int
    hidden: int


@dataclass(frozen=True)
class FeedPage:
    """A page of HR's feeds, by name, and the cursor of the next page (None on the last)."""

    rows: list[FeedRow]
    next_after: int | None


_BY_NAME = (pages.Key(Feed.name), pages.Key(Feed.id))


def feeds_page(after: int | None = None, size: int = HR_PAGE_SIZE) -> FeedPage:
    """HR's feeds by name, after the feed `after` (the last of the previous page; None for the
    first), with their entry counts: two queries."""
    position = [pages.value_of(Feed.name, Feed.id, after), after] if after is not None else None
    feeds, last = pages.in_order(select(Feed), _BY_NAME, position, size)
    counts = (
        {
            feed_id: (total, hidden or 0)
            for feed_id, total, hidden in db.session.execute(
                select(
                    FeedEntry.feed_id,
                    func.count(FeedEntry.id),
                    func.sum(case((FeedEntry.hidden.is_(True), 1), else_=0)),
                )
                .where(FeedEntry.feed_id.in_([feed.id for feed in feeds]))
                .group_by(FeedEntry.feed_id)
            )
        }
        if feeds
        else {}
    )
    rows = [FeedRow(feed, *counts.get(feed.id, (0, 0))) for feed in feeds]
    return FeedPage(rows, last.id if last is not None else None)


def all_feeds() -> list[Feed]:
    """Every feed, by name: one query."""
    return list(db.session.scalars(select(Feed).order_by(Feed.name, Feed.id)))


def feed(feed_id: int) -> Feed | None:
    return db.session.get(Feed, feed_id)


def entry(entry_id: int) -> FeedEntry | None:
    return db.session.scalar(
        select(FeedEntry)
        .join(FeedEntry.feed)
        .options(contains_eager(FeedEntry.feed))
        .where(FeedEntry.id == entry_id)
    )


# What HR narrows the entries to, by state: label and condition.
ENTRY_STATES: dict[str, tuple[LazyString, ColumnElement[bool]]] = {
    "shown": (_l("Shown to candidates"), FeedEntry.hidden.is_(False)),
    "hidden": (_l("Hidden"), FeedEntry.hidden.is_(True)),
    "pinned": (_l("Pinned"), FeedEntry.pinned.is_(True)),
    "featured": (_l("Featured"), FeedEntry.featured.is_(True)),
}
_NEWEST = (
    pages.Key(FeedEntry.published_at, descending=True),
    pages.Key(FeedEntry.id, descending=True),
)


@dataclass(frozen=True)
class EntryFilter:
    """What HR narrowed the entries to: one feed, one state (ENTRY_STATES), part of a title."""

    feed_id: int | None = None
    state: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class EntryPage:
    """A page of HR's entries, and the cursor of the next, older page (None on the last)."""

    entries: list[FeedEntry]
    next_before: int | None


def entries_page(
    wanted: EntryFilter, before: int | None = None, size: int = HR_PAGE_SIZE
) -> EntryPage:
    """HR's entries (hidden ones included), newest first, older than the entry `before` (the
    last of the previous page; None for the newest): one query, with their feeds."""
    query = select(FeedEntry).join(FeedEntry.feed).options(contains_eager(FeedEntry.feed))
    if wanted.feed_id is not None:
        query = query.where(FeedEntry.feed_id == wanted.feed_id)
    if wanted.state in ENTRY_STATES:
        query = query.where(ENTRY_STATES[wanted.state][1])
    if wanted.search:
        query = query.where(
            func.lower(FeedEntry.title).like(pages.contains(wanted.search), escape="\\")
        )
    position = (
        [pages.value_of(FeedEntry.published_at, FeedEntry.id, before), before]
        if before is not None
        else None
    )
    rows, last = pages.in_order(query, _NEWEST, position, size)
    return EntryPage(rows, last.id if last is not None else None)


def _subject(target: FeedEntry) -> str:
    return f"News “{target.title or 'Untitled'}”"


def set_flag(actor: User, target: FeedEntry, flag: str, value: bool) -> bool:
    """Hide, pin or feature an entry (or undo it); False when it already was so."""
    if flag not in FLAGS:
        raise ValueError(f"unknown flag {flag!r}")
    old = getattr(target, flag)
    if old == value:
        return False
    setattr(target, flag, value)
    audit.record(actor, "news_flag", field=flag, old=old, new=value, subject=_subject(target))
    db.session.flush()
    return True


def set_audience(
    actor: User, target: FeedEntry, departments: str | None, locations: str | None
) -> dict[str, tuple[str | None, str | None]]:
    """Target an entry at departments and locations (comma-separated text, empty for everyone;
    None for the feed's audience, set on the feed). Returns the changes made."""
    new = {
        "departments": None
        if departments is None
        else normalise_tags(departments, field="departments"),
        "locations": None if locations is None else normalise_tags(locations, field="locations"),
    }
    changes = apply_changes(target, new)
    audit.record_changes(actor, None, "news_audience", changes, subject=_subject(target))
    db.session.flush()
    return changes
