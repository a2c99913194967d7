"""A candidate's news as cards: the feeds' items and HR's announcements in one list.

What a candidate may read is decided where each kind is defined (news.entries.visible_to for
feed items, news.announcements.shown_to for announcements); here both are read in one query
(a UNION ALL of the columns a card needs), pinned first, then newest, and made into cards: the
title, the source (the feed's name, or the company for an announcement), the date, a picture
when one may be shown, an excerpt, and whether it is new (news.visits).

A card's picture: the feed's own picture of the item, else the first picture in its text (an
announcement's too), only from today's NEWS_IMAGE_ORIGINS, which the Content-Security-Policy's
img-src lists: no card ever asks another site for anything. Without one the card has none.

Plain module: no request knowledge, nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import (
    Boolean,
    Row,
    Select,
    String,
    Subquery,
    bindparam,
    cast,
    false,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import contains_eager

from portal.core.extensions import db
from portal.core.i18n import _
from portal.news import announcements, visits
from portal.news.entries import (
    audience_of,
    excerpt,
    render_html,
    visible_to,
    visible_to_audience,
)
from portal.news.feeds import media
from portal.news.feeds.config import image_origins
from portal.news.feeds.sanitize import safe_link
from portal.news.models import Announcement, Feed, FeedEntry
from portal.people.models import User

HOME_LIMIT = 6
ARCHIVE_PAGE_SIZE = 20
ENTRY = "entry"
ANNOUNCEMENT = "announcement"


@dataclass(frozen=True)
class CardImage:
    src: str  # an https address on an allowed origin
    alt: str  # what the picture shows, as its source says ("" when it says nothing)


@dataclass(frozen=True)
class Card:
    """One feed item or announcement as a candidate's pages show it."""

    kind: str  # ENTRY or ANNOUNCEMENT
    id: int
    title: str
    source: str  # the feed's name, or the company for an announcement
    link: str | None  # a feed item's own http(s) link (the pages lead to the reading view)
    published_at: datetime
    pinned: bool
    featured: bool
    is_new: bool
    excerpt: str
    image: CardImage | None
    author: str = ""
    body: Markup = Markup("")  # the whole text, sanitised (the reading view only)

    @property
    def is_announcement(self) -> bool:
        return self.kind == ANNOUNCEMENT


def company() -> str:
    """An announcement's source: the company (COMPANY_NAME), else words that say so."""
    return current_app.config.get("COMPANY_NAME") or _("Company announcement")


def title_of(title: str | None) -> str:
    return title or _("Untitled")


# A card's excerpt and picture come from the item's stored HTML, the same for every candidate
# and every page until the item changes: each process works them out once per text (the texts
# are the keys, so an item fetched again with new words gets new ones).
CARD_CACHE_SIZE = 256


@lru_cache(maxsize=CARD_CACHE_SIZE)
def card_excerpt(html: str) -> str:
    """`entries.excerpt` of an item's text, worked out once per text and process."""
    return excerpt(html)


@lru_cache(maxsize=CARD_CACHE_SIZE)
def card_image(
    image_url: str | None, html: tuple[str, ...], origins: tuple[str, ...]
) -> CardImage | None:
    """The card's picture: `image_url` (the feed's own) when it may be shown, else the first
    picture of the `html` parts that may be; None when there is none."""
    src = media.image_source(image_url, origins)
    if src is not None:
        return CardImage(src, "")
    for part in html:
        found = media.first_image(part, origins)
        if found is not None:
            return CardImage(*found)
    return None


# The moment the news is read at, bound when a query built once (`_page_query`) is run.
_NOW = "news_now"
Audience = tuple[str, str] | None  # news.entries.audience_of


def _rows(audience: Audience) -> Subquery:
    """The UNION ALL of what a candidate of `audience` may read at the moment bound as _NOW,
    as the columns a card needs."""
    entries = (
        select(
            literal(ENTRY, String).label("kind"),
            FeedEntry.id.label("id"),
            FeedEntry.title.label("title"),
            Feed.name.label("source"),
            FeedEntry.link.label("link"),
            FeedEntry.image_url.label("image_url"),
            FeedEntry.summary_html.label("summary"),
            FeedEntry.content_html.label("content"),
            FeedEntry.published_at.label("published_at"),
            FeedEntry.first_seen_at.label("appeared_at"),
            FeedEntry.pinned.label("pinned"),
            FeedEntry.featured.label("featured"),
        )
        .join(FeedEntry.feed)
        .where(visible_to_audience(audience))
    )
    written = select(
        literal(ANNOUNCEMENT, String).label("kind"),
        Announcement.id.label("id"),
        cast(Announcement.title, String).label("title"),
        cast(null(), String).label("source"),
        cast(null(), String).label("link"),
        cast(null(), String).label("image_url"),
        Announcement.body_html.label("summary"),
        literal("", String).label("content"),
        Announcement.published_at.label("published_at"),
        Announcement.published_at.label("appeared_at"),
        Announcement.pinned.label("pinned"),
        cast(false(), Boolean).label("featured"),
    ).where(announcements.shown_to_audience(audience, bindparam(_NOW)))
    return union_all(entries, written).subquery("news")


# Built once per audience and page (every candidate's home runs one): building the UNION
# costs more than running it.
@lru_cache(maxsize=512)
def _page_query(audience: Audience, limit: int, offset: int) -> Select[Any]:
    news = _rows(audience)
    return (
        select(news)
        .order_by(
            news.c.pinned.desc(), news.c.published_at.desc(), news.c.kind.desc(), news.c.id.desc()
        )
        .limit(limit)
        .offset(offset)
    )


@lru_cache(maxsize=512)
def _count_query(audience: Audience) -> Select[Any]:
    return select(func.count()).select_from(_rows(audience))


def _cards(rows: list[Row[Any]], since: datetime | None) -> list[Card]:
    origins = image_origins()
    source = company()
    cards = []
    for row in rows:
        text = row.summary or row.content
        cards.append(
            Card(
                kind=row.kind,
                id=row.id,
                title=title_of(row.title),
                source=row.source if row.kind == ENTRY else source,
                link=safe_link(row.link),
                published_at=row.published_at,
                pinned=bool(row.pinned),
                featured=bool(row.featured),
                is_new=visits.is_new(row.appeared_at, since),
                excerpt=card_excerpt(text or ""),
                image=card_image(row.image_url, (row.summary, row.content), origins),
            )
        )
    return cards


def for_candidate(
    candidate: User, now: datetime, since: datetime | None, *, limit: int, offset: int = 0
) -> list[Card]:
    """The cards `candidate` may read at `now`, pinned first then newest, new when they appeared
    after `since` (all, when None): one query."""
    query = _page_query(audience_of(candidate), limit, offset)
    # Plain rows on the session's connection: columns only, nothing to flush before them.
    return _cards(list(db.session.connection().execute(query, {_NOW: now})), since)


def count_for_candidate(candidate: User, now: datetime) -> int:
    """How many items and announcements `candidate` may read at `now`: one query."""
    return db.session.scalar(_count_query(audience_of(candidate)), {_NOW: now}) or 0


def home_news(candidate: User, now: datetime) -> list[Card]:
    """The candidate's home: up to HOME_LIMIT cards, new ones marked (nothing is written)."""
    seen = visits.visit(candidate.profile, now)
    return for_candidate(candidate, now, seen.since, limit=HOME_LIMIT)


@dataclass(frozen=True)
class NewsPage:
    """A page of a candidate's news: the cards, and where it stands in the whole list."""

    cards: list[Card]
    total: int
    page: int
    pages: int


def archive_page(candidate: User, page: int, now: datetime) -> NewsPage | None:
    """Page `page` (from 1) of everything the candidate may read; None past the end. Two
    queries (how many, then the page)."""
    total = count_for_candidate(candidate, now)
    pages = max(1, -(-total // ARCHIVE_PAGE_SIZE))
    if page < 1 or page > pages:
        return None
    seen = visits.visit(candidate.profile, now)
    found = for_candidate(
        candidate,
        now,
        seen.since,
        limit=ARCHIVE_PAGE_SIZE,
        offset=(page - 1) * ARCHIVE_PAGE_SIZE,
    )
    return NewsPage(cards=found, total=total, page=page, pages=pages)


def announcement_card(candidate: User, announcement_id: int, now: datetime) -> Card | None:
    """An announcement to read in the portal, whole; None if it is not shown to the candidate
    (not theirs, not published yet, taken back or deleted): one query."""
    found = db.session.scalar(
        select(Announcement).where(
            Announcement.id == announcement_id, announcements.shown_to(candidate, now)
        )
    )
    if found is None:
        return None
    published_at = found.published_at or now
    return Card(
        kind=ANNOUNCEMENT,
        id=found.id,
        title=title_of(found.title),
        source=company(),
        link=None,
        published_at=published_at,
        pinned=found.pinned,
        featured=False,
        is_new=False,
        excerpt=excerpt(found.body_html),
        image=None,  # its pictures are in its text
        body=render_html(found.body_html),
    )


def entry_card(candidate: User, entry_id: int) -> Card | None:
    """A feed item to read in the portal, its whole content (else its summary); None if it is
    out of the candidate's audience, hidden or missing: one query."""
    found = db.session.scalar(
        select(FeedEntry)
        .join(FeedEntry.feed)
        .options(contains_eager(FeedEntry.feed))
        .where(FeedEntry.id == entry_id, visible_to(candidate))
    )
    if found is None:
        return None
    html = found.content_html or found.summary_html
    body = render_html(html)
    # Above the text: the feed's own picture of the item, when the text does not show it.
    lead = card_image(found.image_url, (), image_origins())
    return Card(
        kind=ENTRY,
        id=found.id,
        title=title_of(found.title),
        source=found.feed.name,
        link=safe_link(found.link),
        published_at=found.published_at,
        pinned=found.pinned,
        featured=found.featured,
        is_new=False,
        excerpt=excerpt(html),
        image=lead if lead is not None and str(escape(lead.src)) not in body else None,
        author=found.author,
        body=body,
    )


def draft_card(draft: announcements.Draft, body_html: str, now: datetime) -> Card:
    """An announcement HR is writing, as candidates will see it (HR's preview)."""
    return Card(
        kind=ANNOUNCEMENT,
        id=0,
        title=title_of(draft.title),
        source=company(),
        link=None,
        published_at=draft.publish_at or now,
        pinned=draft.pinned,
        featured=False,
        is_new=True,
        excerpt=excerpt(body_html),
        image=card_image(None, (body_html,), image_origins()),
        body=render_html(body_html),
    )
