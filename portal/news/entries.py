"""Company news as candidates read it, and HR's curation of it.

Who sees an entry: its feed is enabled and still in feeds.yaml, the entry is not hidden, and
the candidate is in its audience. The audience is the entry's own departments and locations
where HR set them (not NULL), else its feed's. Tags are stored as ",tag,tag," in lower case and
"" means everyone; department and location are independent filters that must both match.

Order: pinned first, then newest (published_at), then id. Featured entries are highlighted
where they stand; they do not move. An entry is "new" for a candidate when the portal first
saw it after their previous visit to the home page (news_seen_at), or on their first visit.

Plain module: no request knowledge. Functions flush; the caller commits. HR's changes are
audit-logged (people.audit) with the old and new value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import nh3
from markupsafe import Markup
from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, update
from sqlalchemy.orm import contains_eager

from portal.core import pages
from portal.core.database import upsert
from portal.core.extensions import db
from portal.news.feeds.sanitize import plain_text, safe_link
from portal.news.models import Feed, FeedEntry, NewsRead
from portal.people import audit
from portal.people.models import CandidateProfile, User

HOME_LIMIT = 10
ARCHIVE_PAGE_SIZE = 20
HR_PAGE_SIZE = 50
EXCERPT_LENGTH = 240
TAG_MAX = 80
TAGS_MAX = 500  # the column's size
FLAGS = ("hidden", "pinned", "featured")

# Re-sanitised at render time (defence in depth): the stored HTML is already clean, so this only
# narrows it. No images (the CSP blocks other sites' images, and they would track readers) and no
# headings (they would break the page's heading outline).
_RENDER_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul", "var",
}  # fmt: skip
_RENDER_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"}}
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
        Feed.in_config.is_(True),
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
    """Stored (already sanitised) feed HTML, narrowed again to what the news pages show."""
    return Markup(  # noqa: S704 - nh3 has just sanitised it
        nh3.clean(
            html or "",
            tags=_RENDER_TAGS,
            attributes=_RENDER_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


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
    statement = upsert(NewsRead).values(
        candidate_id=candidate.id, entry_id=entry_id, first_read_at=now, read_count=1
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[NewsRead.candidate_id, NewsRead.entry_id],
            set_={"read_count": NewsRead.read_count + 1},
        )
    )
    return link


# --- HR ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedRow:
    """A feed on HR's list, with how many entries it holds."""

    feed: Feed
    entries: int
    hidden: int


def feeds_with_counts() -> list[FeedRow]:
    """Every feed (those in feeds.yaml first), by name, with entry counts: two queries."""
    feeds = list(db.session.scalars(select(Feed).order_by(Feed.in_config.desc(), Feed.name)))
    counts = {
        feed_id: (total, hidden or 0)
        for feed_id, total, hidden in db.session.execute(
            select(
                FeedEntry.feed_id,
                func.count(FeedEntry.id),
                func.sum(case((FeedEntry.hidden.is_(True), 1), else_=0)),
            ).group_by(FeedEntry.feed_id)
        )
    }
    return [FeedRow(feed, *counts.get(feed.id, (0, 0))) for feed in feeds]


def all_feeds() -> list[Feed]:
    """Every feed (those in feeds.yaml first), by name: one query."""
    return list(db.session.scalars(select(Feed).order_by(Feed.in_config.desc(), Feed.name)))


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
ENTRY_STATES: dict[str, tuple[str, ColumnElement[bool]]] = {
    "shown": ("Shown to candidates", FeedEntry.hidden.is_(False)),
    "hidden": ("Hidden", FeedEntry.hidden.is_(True)),
    "pinned": ("Pinned", FeedEntry.pinned.is_(True)),
    "featured": ("Featured", FeedEntry.featured.is_(True)),
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
    None for the feed's audience, which feeds.yaml sets). Returns the changes made."""
    new = {
        "departments": None
        if departments is None
        else normalise_tags(departments, field="departments"),
        "locations": None if locations is None else normalise_tags(locations, field="locations"),
    }
    changes = {
        name: (getattr(target, name), value)
        for name, value in new.items()
        if getattr(target, name) != value
    }
    for name, (_old, value) in changes.items():
        setattr(target, name, value)
    audit.record_changes(actor, None, "news_audience", changes, subject=_subject(target))
    db.session.flush()
    return changes
