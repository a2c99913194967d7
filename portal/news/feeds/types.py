"""The data passed between the steps of the news pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FetchOutcome(StrEnum):
    OK = "ok"  # a body to parse
    NOT_MODIFIED = "not_modified"  # 304, or the same body as last time
    FAILED = "failed"  # see `error`; `retry_after` when the server asked us to wait


@dataclass(frozen=True)
class FetchResult:
    outcome: FetchOutcome
    url: str  # the final URL after redirects
    status: int | None = None  # the last HTTP status, when there was one
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # SHA-256 of the body, to spot unchanged content
    retry_after: datetime | None = None
    error: str | None = None  # in plain words, for HR


class FeedRejected(Exception):
    """A document that will not be parsed, with the reason in plain words for HR."""


@dataclass(frozen=True)
class ParsedEntry:
    guid: str | None
    link: str | None  # as given; checked by sanitize.safe_link before storing
    title: str  # raw (may contain markup); stored as plain text
    author: str
    summary: str  # raw HTML
    content: str  # raw HTML
    published: datetime | None
    updated: datetime | None
    # The xml:base in scope of the summary and of the content (feed, entry or the element
    # itself), made absolute against the feed's address; None when the document sets none.
    summary_base: str | None = None
    content_base: str | None = None
    # The item's own picture (media:thumbnail, media:content, an image enclosure), absolute.
    image_url: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str | None
    ttl_minutes: int | None
    entries: list[ParsedEntry]
    warnings: list[str] = field(default_factory=list)  # bozo and the like, for HR


@dataclass(frozen=True)
class FeedConfig:
    """One feed's settings: as a feeds file declares them, as HR's form gives them, as they are
    exported (audience tags lower-cased)."""

    name: str
    url: str
    departments: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    max_items: int = 20
    enabled: bool = True
