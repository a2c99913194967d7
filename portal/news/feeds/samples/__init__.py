"""Sample feeds shipped with the portal, so the demo shows news offline.

They are ingested from the bundled files through the same parse → sanitise → store path as a
download. Their addresses (on example.com) are the ones feeds.yaml lists: a refresh without
network fails like any unreachable feed would, shown to HR, with the entries kept.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.news.feeds import parse
from portal.news.feeds.config import as_tag_column
from portal.news.feeds.store import StoreReport, store_entries
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed

HERE = Path(__file__).resolve().parent

# (feed as feeds.yaml lists it, bundled file)
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


def load_samples(now: datetime | None = None) -> dict[str, StoreReport]:
    """Add the sample feeds (when missing) and store their bundled entries. Flushes only."""
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
                in_config=True,
                next_check_at=now,
            )
            db.session.add(feed)
            db.session.flush()
        parsed = parse.parse_feed((HERE / filename).read_bytes(), url=config.url)
        reports[config.name] = store_entries(feed, parsed, now)
        feed.ttl_minutes = parsed.ttl_minutes
    return reports
