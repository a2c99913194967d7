"""Company news: the feeds HR manages in the portal, their entries, and what candidates read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime
from portal.people.models import User

# Audience tags are kept as ",tag,tag," (lower-case) so one LIKE finds a tag; "" means everyone.


class Feed(Base):
    """A news source. This table is the one truth for its settings (name, address, audience,
    max_items, enabled): HR edits them in the portal, and feeds.yaml is only a way to import and
    export them (news.feeds.transfer). The rest is fetch state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    departments: Mapped[str] = mapped_column(String(500), default="")
    locations: Mapped[str] = mapped_column(String(500), default="")
    max_items: Mapped[int] = mapped_column(Integer, default=20)
    # Off: never fetched, and its entries are shown to no one (they are kept).
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When HR last changed the settings in the portal, since an import last wrote or confirmed
    # them (None: not since); and when that import was. An import does not overwrite a feed HR
    # changed in the portal since (news.feeds.transfer).
    settings_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    # Fetch state
    title: Mapped[str] = mapped_column(String(300), default="")
    etag: Mapped[str | None] = mapped_column(String(500), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    body_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    ttl_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_warning: Mapped[str | None] = mapped_column(Text, default=None)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    entries: Mapped[list[FeedEntry]] = relationship(back_populates="feed")


class FeedEntry(Base):
    """One news item, sanitised on the way in; the raw HTML is kept for re-sanitising later."""

    __tablename__ = "feed_entries"
    __table_args__ = (
        UniqueConstraint("feed_id", "key", name="uq_feed_entries_feed_key"),
        Index("ix_feed_entries_listing", "pinned", "published_at"),
        Index("ix_feed_entries_newest", "published_at", "id"),  # HR's list, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    # Stable per feed: the guid, else the link, else a hash of title and date.
    key: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str | None] = mapped_column(String(1000), default=None)
    link: Mapped[str | None] = mapped_column(String(2000), default=None)  # http(s) only
    title: Mapped[str] = mapped_column(String(500), default="")  # plain text
    author: Mapped[str] = mapped_column(String(200), default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")  # sanitised
    content_html: Mapped[str] = mapped_column(Text, default="")  # sanitised
    raw_summary: Mapped[str] = mapped_column(Text, default="")
    raw_content: Mapped[str] = mapped_column(Text, default="")
    # What relative addresses in the raw HTML were resolved against (xml:base, else the link,
    # else the feed's address): the raw can be sanitised again the same way.
    summary_base: Mapped[str | None] = mapped_column(String(2000), default=None)
    content_base: Mapped[str | None] = mapped_column(String(2000), default=None)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # The picture the feed gives the item (media:thumbnail, media:content, an image
    # enclosure), as given: the cards show it only from today's NEWS_IMAGE_ORIGINS.
    image_url: Mapped[str | None] = mapped_column(String(2000), default=None)

    # Curation by HR
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    # When it may go into candidates' mail, when HR decided it (published now, or un-hidden:
    # the curation delay starts again); None: NEWS_CURATION_DELAY_HOURS after first seen.
    mail_from: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # None: the feed's audience; otherwise this entry's own (",tag," form, "" = everyone).
    departments: Mapped[str | None] = mapped_column(String(500), default=None)
    locations: Mapped[str | None] = mapped_column(String(500), default=None)

    feed: Mapped[Feed] = relationship(back_populates="entries")


class Announcement(Base):
    """HR's own news, written in the portal beside the feeds: a title and a Markdown body
    (rendered and sanitised when saved, news.writing), for departments and locations as a feed
    is (",tag," form, "" for everyone). Candidates see it from `published_at` (None: a draft, or
    taken back); the company is its source. Kept until HR deletes it: it is about no candidate
    (engagement.retention), and its author is kept only while their account is."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_newest", "published_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, as HR wrote it
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised
    departments: Mapped[str] = mapped_column(String(500), default="")
    locations: Mapped[str] = mapped_column(String(500), default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class NewsRead(Base):
    """A candidate opened a news item (through the portal's redirect)."""

    __tablename__ = "news_reads"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("feed_entries.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    first_read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_count: Mapped[int] = mapped_column(Integer, default=1)
