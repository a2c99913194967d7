"""Company news as candidates read it (HR's side, with flags and audiences: news.library).

Who sees an entry: its feed is enabled (turned on by HR), the entry is not hidden, and
the candidate is in its audience. The audience is the entry's own departments and locations
where HR set them (not NULL), else its feed's. Tags are stored as ",tag,tag," in lower case and
"" means everyone; department and location are independent filters that must both match.

Order: pinned first, then newest (published_at), then id. Featured entries are highlighted
where they stand; they do not move. An entry is "new" for a candidate when the portal first
saw it after their previous visit to the home page (news_seen_at), or on their first visit.

Plain module: no request knowledge. Functions flush; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import ColumnElement, and_, func, literal, or_, select, update
from sqlalchemy.orm import contains_eager

from portal.core.database import upsert
from portal.core.extensions import db
from portal.news.feeds import media
from portal.news.feeds.config import image_origins
from portal.news.feeds.sanitize import plain_text, safe_link
from portal.news.models import Feed, FeedEntry, NewsRead
from portal.people.models import CandidateProfile, User

HOME_LIMIT = 10
ARCHIVE_PAGE_SIZE = 20
EXCERPT_LENGTH = 240
TAG_MAX = 80
TAGS_MAX = 500  # the column's size

_LIKE_SPECIAL = re.compile(r"([\\%_])")


class NewsError(ValueError):
    """An audience that cannot be saved, with the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- Tags ----------------------------------------------------------------------------------


def normalise_tags(text: str | None, *, field: str = "departments") -> str:
    """ "Engineering, sales ,," → ",engineering,sales," as stored; "" (everyone) when empty."""
    tags: list[str] = []
    for part in (text or "").split(","):
        tag = " ".join(part.split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_MAX:
            raise NewsError(field, f"Keep each name to {TAG_MAX} characters or fewer.")
        tags.append(tag)
    stored = f",{','.join(tags)}," if tags else ""
    if len(stored) > TAGS_MAX:
        raise NewsError(field, f"Too many names: keep the list under {TAGS_MAX} characters.")
    return stored


def tag_list(stored: str | None) -> list[str]:
    """The tags of a stored ",a,b," value, in order."""
    return [tag for tag in (stored or "").split(",") if tag]


def tags_text(stored: str | None) -> str:
    """ ",a,b," → "a, b", for a form field."""
    return ", ".join(tag_list(stored))


def _candidate_tag(value: str | None) -> str:
    # A comma cannot be part of a stored tag, so a value holding one matches nothing but "".
    return " ".join((value or "").split()).lower()


def _in_audience(column: ColumnElement[str], value: str) -> ColumnElement[bool]:
    if not value:
        return column == ""
    pattern = "%," + _LIKE_SPECIAL.sub(r"\\\1", value) + ",%"
    return or_(column == "", column.like(pattern, escape="\\"))


def visible_to(candidate: User) -> ColumnElement[bool]:
    """The WHERE clause of everything `candidate` may read (FeedEntry joined to Feed): the one
    definition of who reads what, for the pages and the candidates' update emails alike."""
    profile: CandidateProfile | None = candidate.candidate_profile
    if profile is None:
        return literal(False)
    departments = func.coalesce(FeedEntry.departments, Feed.departments)
    locations = func.coalesce(FeedEntry.locations, Feed.locations)
    return and_(
        Feed.enabled.is_(True),
        FeedEntry.hidden.is_(False),
        _in_audience(departments, _candidate_tag(profile.department)),
        _in_audience(locations, _candidate_tag(profile.location)),
    )


_ORDER = (FeedEntry.pinned.desc(), FeedEntry.published_at.desc(), FeedEntry.id.desc())


# --- What a candidate reads ----------------------------------------------------------------


def for_candidate(candidate: User, *, limit: int = HOME_LIMIT, offset: int = 0) -> list[FeedEntry]:
    """The entries `candidate` may read, pinned first then newest, with their feed: one query."""
    query = (
        select(FeedEntry)
        .join(FeedEntry.feed)
        .options(contains_eager(FeedEntry.feed))
        .where(visible_to(candidate))
        .order_by(*_ORDER)
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(query))


def count_for_candidate(candidate: User) -> int:
    """How many entries `candidate` may read."""
    query = select(func.count(FeedEntry.id)).join(FeedEntry.feed).where(visible_to(candidate))
    return db.session.scalar(query) or 0


def excerpt(html: str, length: int = EXCERPT_LENGTH) -> str:
    """A plain-text excerpt of at most about `length` characters, cut between words."""
    return plain_text(html or "", max_length=length)


def render_html(html: str) -> Markup:
    """Stored feed HTML, sanitised again for the news pages (media.for_reading): links open in
    a new tab, images only from today's NEWS_IMAGE_ORIGINS (what the CSP allows)."""
    return Markup(media.for_reading(html or "", image_origins()))  # noqa: S704 - nh3-cleaned


@dataclass(frozen=True)
class NewsItem:
    """One entry as a candidate's page shows it."""

    entry: FeedEntry
    title: str
    feed_name: str
    link: str | None  # the entry's own http(s) link; pages link to the portal's redirect
    is_new: bool
    excerpt: str
    body: Markup


def items(entries: list[FeedEntry], seen_at: datetime | None) -> list[NewsItem]:
    """Entries ready to display; new when first seen after `seen_at` (all, when None)."""
    return [
        NewsItem(
            entry=entry,
            title=entry.title or "Untitled",
            feed_name=entry.feed.name,
            link=safe_link(entry.link),
            is_new=seen_at is None or entry.first_seen_at > seen_at,
            excerpt=excerpt(entry.summary_html or entry.content_html),
            body=render_html(entry.summary_html or entry.content_html),
        )
        for entry in entries
    ]


@dataclass(frozen=True)
class NewsPage:
    """A page of a candidate's news: the items, and where it stands in the whole list."""

    items: list[NewsItem]
    total: int
    page: int
    pages: int


def home_news(candidate: User) -> list[NewsItem]:
    """The candidate's home: up to HOME_LIMIT items, new ones marked (nothing is written)."""
    profile = candidate.candidate_profile
    seen_at = profile.news_seen_at if profile is not None else None
    return items(for_candidate(candidate, limit=HOME_LIMIT), seen_at)


def archive_page(candidate: User, page: int) -> NewsPage | None:
    """Page `page` (from 1) of everything the candidate may read; None past the end."""
    total = count_for_candidate(candidate)
    pages = max(1, -(-total // ARCHIVE_PAGE_SIZE))
    if page < 1 or page > pages:
        return None
    entries = for_candidate(
        candidate, limit=ARCHIVE_PAGE_SIZE, offset=(page - 1) * ARCHIVE_PAGE_SIZE
    )
    profile = candidate.candidate_profile
    seen_at = profile.news_seen_at if profile is not None else None
    return NewsPage(items=items(entries, seen_at), total=total, page=page, pages=pages)


def mark_seen(candidate_id: int, now: datetime) -> None:
    """The candidate has looked at their news: entries first seen later are the new ones."""
    db.session.execute(
        update(CandidateProfile)
        .where(CandidateProfile.user_id == candidate_id)
        .values(news_seen_at=now)
    )


def any_new(shown: list[NewsItem]) -> bool:
    return any(item.is_new for item in shown)


def _count_read(candidate_id: int, entry_id: int, now: datetime) -> None:
    statement = upsert(NewsRead).values(
        candidate_id=candidate_id, entry_id=entry_id, first_read_at=now, read_count=1
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[NewsRead.candidate_id, NewsRead.entry_id],
            set_={"read_count": NewsRead.read_count + 1},
        )
    )


def record_read(candidate: User, entry_id: int, now: datetime) -> str | None:
    """Count one read of an entry the candidate may see and return its link; None if it is
    out of their audience, hidden, missing or has no http(s) link."""
    link = db.session.scalar(
        select(FeedEntry.link)
        .join(FeedEntry.feed)
        .where(FeedEntry.id == entry_id, visible_to(candidate))
    )
    link = safe_link(link)
    if link is None:
        return None
    _count_read(candidate.id, entry_id, now)
    return link


def read_entry(candidate: User, entry_id: int, now: datetime) -> NewsItem | None:
    """The entry to read in the portal, its whole content (else its summary), with the read
    counted; None if it is out of the candidate's audience, hidden or missing. Two statements."""
    found = db.session.scalar(
        select(FeedEntry)
        .join(FeedEntry.feed)
        .options(contains_eager(FeedEntry.feed))
        .where(FeedEntry.id == entry_id, visible_to(candidate))
    )
    if found is None:
        return None
    _count_read(candidate.id, entry_id, now)
    html = found.content_html or found.summary_html
    return NewsItem(
        entry=found,
        title=found.title or "Untitled",
        feed_name=found.feed.name,
        link=safe_link(found.link),
        is_new=False,
        excerpt=excerpt(html),
        body=render_html(html),
    )
