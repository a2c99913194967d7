"""Storing a parsed document's entries: one row per entry and feed, edits updated in place.

Each entry gets a key that stays the same from one fetch to the next: its guid, else its link,
else its title and date. A feed that repeats a guid (or a link) within one document does not
get its distinct items merged: those items fall back to the next identity that is unique.
Entries are never deleted here, and HR's curation (hidden, pinned, featured, audience) is never
touched by a refresh.

Relative links and images in an entry's HTML are resolved against its base: the xml:base in
scope (feed, entry or element level), else the entry's own link, else the feed's address. The
base used is stored beside the raw HTML, so the raw can be sanitised again the same way.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import select

from portal.core.extensions import db
from portal.news.feeds import media, sanitize
from portal.news.feeds.config import image_origins
from portal.news.feeds.types import ParsedEntry, ParsedFeed
from portal.news.models import Feed, FeedEntry

# Column sizes of FeedEntry / Feed.
TITLE_MAX = 500
AUTHOR_MAX = 200
GUID_MAX = 1000
LINK_MAX = 2000
FEED_TITLE_MAX = 300
BASE_MAX = 2000
# Part of every entry's content hash: bump it when the sanitiser changes what it stores, and each
# entry is sanitised again (from its feed's next full download) instead of being left as it was.
SANITISER_VERSION = "2"  # 2: xml:base honoured, images from NEWS_IMAGE_ORIGINS kept


@dataclass(frozen=True)
class StoreReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def _identities(entry: ParsedEntry) -> list[str]:
    published = entry.published.isoformat() if entry.published else ""
    found = []
    if entry.guid and entry.guid.strip():
        found.append("guid:" + entry.guid.strip())
    if entry.link and entry.link.strip():
        found.append("link:" + entry.link.strip())
    found.append(f"title-date:{entry.title.strip()}\n{published}")
    return found


def entry_keys(entries: list[ParsedEntry]) -> list[str]:
    """The stable key (SHA-256 hex) of each entry of one document, in order.

    The first identity (guid, link, title and date) that no other entry of the document shares
    is used; exact repeats of one item get the same key (and are stored once)."""
    identities = [_identities(entry) for entry in entries]
    counts = Counter(identity for found in identities for identity in found)
    keys = []
    for found in identities:
        chosen = next((identity for identity in found if counts[identity] == 1), found[-1])
        keys.append(hashlib.sha256(chosen.encode("utf-8")).hexdigest())
    return keys


def _content_hash(entry: ParsedEntry) -> str:
    published = entry.published.isoformat() if entry.published else ""
    parts = (
        SANITISER_VERSION,
        entry.title,
        entry.link or "",
        entry.author,
        entry.summary,
        entry.content,
        published,
        entry.summary_base or "",
        entry.content_base or "",
        # Only when there is one: the hash of an item without a picture stays as it was.
        *((entry.image_url,) if entry.image_url else ()),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()


def newest_first(entries: list[ParsedEntry], keys: list[str]) -> list[tuple[ParsedEntry, str]]:
    """Entries with their keys, newest first; undated ones keep document order, after the rest."""
    paired = list(zip(entries, keys, strict=True))
    dated = [pair for pair in paired if pair[0].published is not None]
    undated = [pair for pair in paired if pair[0].published is None]
    dated.sort(key=lambda pair: cast(datetime, pair[0].published), reverse=True)
    return dated + undated


def chosen_entries(parsed: ParsedFeed, max_items: int) -> list[tuple[ParsedEntry, str]]:
    """The entries of a document a store keeps, with their keys: the newest `max_items`, each
    item once."""
    chosen: list[tuple[ParsedEntry, str]] = []
    taken: set[str] = set()
    for entry, key in newest_first(parsed.entries, entry_keys(parsed.entries)):
        if key in taken:
            continue  # the same item twice in one document
        taken.add(key)
        chosen.append((entry, key))
        if len(chosen) >= max_items:
            break
    return chosen


def store_entries(
    feed: Feed, parsed: ParsedFeed, now: datetime, *, images: Collection[str] | None = None
) -> StoreReport:
    """Upsert the newest `feed.max_items` entries of a parsed document, sanitised, keeping
    images from the https origins `images` (default: the app's NEWS_IMAGE_ORIGINS). Flushes
    only."""
    origins = image_origins() if images is None else images
    if parsed.title:
        feed.title = sanitize.plain_text(parsed.title, max_length=FEED_TITLE_MAX)
    chosen = chosen_entries(parsed, feed.max_items)
    if not chosen:
        return StoreReport()
    # One query for every stored entry this document may touch: no SELECT per entry.
    existing = {
        row.key: row
        for row in db.session.scalars(
            select(FeedEntry).where(
                FeedEntry.feed_id == feed.id, FeedEntry.key.in_([key for _, key in chosen])
            )
        )
    }
    new = updated = unchanged = 0
    for entry, key in chosen:
        content_hash = _content_hash(entry)
        row = existing.get(key)
        if row is not None and row.content_hash == content_hash:
            row.last_seen_at = now
            unchanged += 1
            continue
        if row is None:
            row = FeedEntry(feed_id=feed.id, key=key, first_seen_at=now)
            db.session.add(row)
            new += 1
        else:
            row.updated_at = now
            updated += 1
        _fill(row, sanitised(entry, feed.url, origins), entry, now)
        row.content_hash = content_hash
        row.last_seen_at = now
    db.session.flush()
    return StoreReport(new=new, updated=updated, unchanged=unchanged)


def html_base(xml_base: str | None, link: str | None, feed_url: str) -> str | None:
    """What relative addresses in an entry's HTML are resolved against: its xml:base, else its
    own link, else the feed's address (the first that is a safe http(s) address)."""
    for candidate in (xml_base, link, feed_url):
        base = sanitize.safe_link(candidate)
        if base is not None and len(base) <= BASE_MAX:
            return base
    return None


@dataclass(frozen=True)
class SanitisedEntry:
    """What is stored of a parsed entry, sanitised: safe to show as it is (the HTML with
    `|safe`, the rest escaped as usual)."""

    guid: str | None
    link: str | None
    title: str
    author: str
    summary_base: str | None
    content_base: str | None
    summary_html: str
    content_html: str
    image_url: str | None = None  # an https address (shown only from NEWS_IMAGE_ORIGINS)


def sanitised(entry: ParsedEntry, feed_url: str, origins: Collection[str]) -> SanitisedEntry:
    """A parsed entry as it would be stored: plain-text title and author, a safe link, HTML
    through the allow-list with relative addresses resolved, images only from `origins`."""
    link = sanitize.safe_link(entry.link, feed_url) if entry.link else None
    link = link if link and len(link) <= LINK_MAX else None
    summary_base = html_base(entry.summary_base, link, feed_url)
    content_base = html_base(entry.content_base, link, feed_url)
    return SanitisedEntry(
        guid=entry.guid[:GUID_MAX] if entry.guid else None,
        link=link,
        title=sanitize.plain_text(entry.title, max_length=TITLE_MAX),
        author=sanitize.plain_text(entry.author, max_length=AUTHOR_MAX) if entry.author else "",
        summary_base=summary_base,
        content_base=content_base,
        summary_html=(
            sanitize.clean_html(entry.summary, base_url=summary_base, image_origins=origins)
            if entry.summary
            else ""
        ),
        content_html=(
            sanitize.clean_html(entry.content, base_url=content_base, image_origins=origins)
            if entry.content
            else ""
        ),
        image_url=(
            entry.image_url
            if entry.image_url
            and len(entry.image_url) <= LINK_MAX
            and media.https_origin(entry.image_url) is not None
            and sanitize.safe_link(entry.image_url) == entry.image_url
            else None
        ),
    )


def published_at(entry: ParsedEntry, now: datetime, stored: datetime | None = None) -> datetime:
    """When an entry counts as published: its date, else its update's, else the one stored,
    else now; never later than now (a date in the future would keep it on top of the list)."""
    published = entry.published or entry.updated or stored or now
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return min(published, now)


def _fill(row: FeedEntry, clean: SanitisedEntry, entry: ParsedEntry, now: datetime) -> None:
    """Copy a sanitised entry onto its row; the raw HTML and its bases beside it."""
    row.guid = clean.guid
    row.link = clean.link
    row.title = clean.title
    row.author = clean.author
    row.summary_base = clean.summary_base
    row.content_base = clean.content_base
    row.summary_html = clean.summary_html
    row.content_html = clean.content_html
    row.image_url = clean.image_url
    row.raw_summary = entry.summary
    row.raw_content = entry.content
    row.published_at = published_at(entry, now, row.published_at)
