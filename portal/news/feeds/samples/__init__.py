"""Sample feeds shipped with the portal, so the demo shows news offline.

They are ingested from the bundled files through the same parse → sanitise → store path as a
download. Their addresses (on example.com) are the ones the shipped feeds.yaml lists. With
PORTAL_FEEDS_OFFLINE_SAMPLES (on in development, so in `make run`) a refresh of one of them reads
its bundled file instead of the network (`offline_fetch`), so the demo's feeds stay healthy
offline; elsewhere they are fetched like any feed, and fail like any unreachable one would.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.news.feeds import parse
from portal.news.feeds.config import as_tag_column
from portal.news.feeds.store import StoreReport, store_entries
from portal.news.feeds.types import FeedConfig, FetchOutcome, FetchResult
from portal.news.models import Feed

HERE = Path(__file__).resolve().parent

# (feed as the shipped feeds.yaml lists it, bundled file)
SAMPLES: list[tuple[FeedConfig, str]] = [
    (
        FeedConfig(name="Company news", url="https://news.example.com/feed.xml"),
        "company-news.xml",
    ),
    (
        FeedConfig(
            name="Engineering blog",
            url="https://engineering.example.com/feed.atom",
            departments=("engineering", "analytics"),
        ),
        "engineering-blog.xml",
    ),
    (
        FeedConfig(
            name="London office",
            url="https://news.example.com/london/feed.xml",
            locations=("london",),
            max_items=10,
        ),
        "london-office.xml",
    ),
]


_FILES = {config.url: filename for config, filename in SAMPLES}


def offline_fetch(url: str, previous_hash: str | None = None) -> FetchResult | None:
    """What a download of a sample feed's address returns, read from its bundled file (unchanged
    when it hashes the same as last time); None for any other address."""
    filename = _FILES.get(url)
    if filename is None:
        return None
    body = (HERE / filename).read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    if digest == previous_hash:
        return FetchResult(FetchOutcome.NOT_MODIFIED, url, 200, body_hash=digest)
    return FetchResult(FetchOutcome.OK, url, 200, body=body, body_hash=digest)


def load_samples(now: datetime | None = None) -> dict[str, StoreReport]:
    """Add the sample feeds (when missing) and store their bundled entries, as a successful
    download would (the feed's title, last success, next check). Flushes only."""
    now = now or utcnow()
    reports = {}
    for config, filename in SAMPLES:
        feed = db.session.scalar(select(Feed).where(Feed.name == config.name))
        if feed is None:
            feed = Feed(
                name=config.name,
                url=config.url,
                departments=as_tag_column(config.departments),
                locations=as_tag_column(config.locations),
                max_items=config.max_items,
                enabled=config.enabled,
                next_check_at=now,
            )
            db.session.add(feed)
            db.session.flush()
        body = (HERE / filename).read_bytes()
        parsed = parse.parse_feed(body, url=config.url)
        reports[config.name] = store_entries(feed, parsed, now)
        feed.ttl_minutes = parsed.ttl_minutes
        feed.body_hash = hashlib.sha256(body).hexdigest()
        feed.last_checked_at = feed.last_success_at = now
    return reports
