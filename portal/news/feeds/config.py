"""feeds.yaml: reading and checking it, and bringing the feeds table in line with it.

The file holds a list of feeds under `feeds:` (a bare list is accepted too):

    feeds:
      - name: Company news
        url: https://news.example.com/feed.xml
        departments: [engineering]     # optional audience tags; none means everyone
        locations: [paris, london]
        max_items: 20                  # optional, 1 to 100
        enabled: true                  # optional

A wrong file raises FeedsFileError naming the feed and the field, before anything is changed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import yaml
from flask import Flask, current_app
from sqlalchemy import select

from portal.core.clock import utcnow
from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.news.feeds.media import https_origin, origin_setting
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed

log = logging.getLogger(__name__)

DEFAULT_FEEDS_FILE = PROJECT_ROOT / "feeds.yaml"
MAX_ITEMS_LIMIT = 100
FIELDS = frozenset({"name", "url", "departments", "locations", "max_items", "enabled"})
NAME_MAX = 120  # Feed.name
URL_MAX = 2000  # Feed.url
TAGS_MAX = 500  # Feed.departments / Feed.locations, in ",tag," form


class FeedsFileError(Exception):
    """feeds.yaml cannot be used; the message names the feed and the field."""


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)  # no longer in the file: kept, not fetched


def feeds_file_path(app: Flask) -> Path:
    """The feeds file: app config PORTAL_FEEDS_FILE, else that environment variable, else
    feeds.yaml at the top of the project."""
    named = app.config.get("PORTAL_FEEDS_FILE") or os.environ.get("PORTAL_FEEDS_FILE")
    return Path(named) if named else DEFAULT_FEEDS_FILE


def resolve_image_origins(app: Flask) -> tuple[str, ...]:
    """NEWS_IMAGE_ORIGINS checked and in normal form; when it is not set, the https origins of
    the feeds in the feeds file (read once, as the app starts). Raises RuntimeError naming a
    value that is not an https origin."""
    configured = app.config.get("NEWS_IMAGE_ORIGINS")
    if configured is None:
        try:
            configs = load(feeds_file_path(app))
        except FeedsFileError as error:
            log.warning("News images: no feed origins to allow, the feeds file failed: %s", error)
            return ()
        return tuple(sorted({o for c in configs if (o := https_origin(c.url)) is not None}))
    values = configured.split(",") if isinstance(configured, str) else list(configured)
    origins = set()
    for value in values:
        if not str(value).strip():
            continue
        origin = origin_setting(str(value))
        if origin is None:
            raise RuntimeError(
                f"NEWS_IMAGE_ORIGINS: {value!r} is not an https origin "
                "(write it as https://images.example.com, with no path)."
            )
        origins.add(origin)
    return tuple(sorted(origins))


def image_origins() -> tuple[str, ...]:
    """The https origins news images may come from (the app's NEWS_IMAGE_ORIGINS)."""
    return tuple(current_app.config.get("NEWS_IMAGE_ORIGINS") or ())


def load(path: str | Path) -> list[FeedConfig]:
    """Read and check a feeds file; raises FeedsFileError on the first problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FeedsFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FeedsFileError(f"{path}: cannot be read ({error})") from None
    return parse(text, source=str(path))


def parse(text: str, *, source: str = "feeds.yaml") -> list[FeedConfig]:
    """Check the YAML text of a feeds file (see the module docstring for its shape)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise FeedsFileError(f"{source}{line}: {problem}") from None
    if document is None:
        return []
    if isinstance(document, dict):
        extra = set(document) - {"feeds"}
        if extra:
            raise FeedsFileError(f"{source}: unknown top-level key {sorted(map(str, extra))[0]!r}")
        document = document.get("feeds") or []
    if not isinstance(document, list):
        raise FeedsFileError(f"{source}: expected a list of feeds")
    configs: list[FeedConfig] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(document, start=1):
        config = _feed(item, position)
        if config.name.casefold() in seen:
            first = seen[config.name.casefold()]
            raise FeedsFileError(
                f"feed {config.name!r} (#{position}): name is already used by feed #{first}"
            )
        seen[config.name.casefold()] = position
        configs.append(config)
    return configs


def _feed(item: Any, position: int) -> FeedConfig:
    if not isinstance(item, dict):
        raise FeedsFileError(f"feed #{position}: expected a mapping with name and url")
    raw_name = item.get("name")
    label = f"feed {raw_name.strip()!r} (#{position})" if _text(raw_name) else f"feed #{position}"

    def fail(field_name: str, problem: str) -> FeedsFileError:
        return FeedsFileError(f"{label}: {field_name} {problem}")

    unknown = sorted(str(key) for key in item if key not in FIELDS)
    if unknown:
        raise fail(unknown[0], f"is not a known field (known: {', '.join(sorted(FIELDS))})")
    if not _text(raw_name):
        raise fail("name", "is required (a non-empty text)")
    name = raw_name.strip()
    if len(name) > NAME_MAX:
        raise fail("name", f"must be at most {NAME_MAX} characters")
    url = item.get("url")
    if not _text(url):
        raise fail("url", "is required (an http or https address)")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise fail("url", "must be an http:// or https:// address with a host name")
    if len(url) > URL_MAX:
        raise fail("url", f"must be at most {URL_MAX} characters")
    max_items = item.get("max_items", 20)
    if isinstance(max_items, bool) or not isinstance(max_items, int):
        raise fail("max_items", f"must be a whole number from 1 to {MAX_ITEMS_LIMIT}")
    if not 1 <= max_items <= MAX_ITEMS_LIMIT:
        raise fail("max_items", f"must be a whole number from 1 to {MAX_ITEMS_LIMIT}")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", "must be true or false")
    return FeedConfig(
        name=name,
        url=url,
        departments=_tags(item.get("departments"), "departments", fail),
        locations=_tags(item.get("locations"), "locations", fail),
        max_items=max_items,
        enabled=enabled,
    )


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _tags(value: Any, field_name: str, fail: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise fail(field_name, "must be a list of names")
    tags: list[str] = []
    for tag in value:
        if not _text(tag) or "," in tag:
            raise fail(field_name, "must be a list of non-empty names without commas")
        tag = " ".join(tag.split()).lower()
        if tag not in tags:
            tags.append(tag)
    if len(as_tag_column(tuple(tags))) > TAGS_MAX:
        raise fail(field_name, f"are too long together (at most {TAGS_MAX} characters)")
    return tuple(tags)


def as_tag_column(tags: tuple[str, ...]) -> str:
    """Tags as stored: ",a,b," so one LIKE '%,a,%' finds a tag; "" means everyone."""
    return f",{','.join(tags)}," if tags else ""


def sync(configs: list[FeedConfig], now: datetime | None = None) -> SyncReport:
    """Bring the feeds table in line with the file: add, update, and mark feeds that left the
    file as no longer configured (they and their entries are kept). Flushes; the caller commits."""
    now = now or utcnow()
    report = SyncReport()
    existing = {feed.name: feed for feed in db.session.scalars(select(Feed))}
    for config in configs:
        values = {
            "url": config.url,
            "departments": as_tag_column(config.departments),
            "locations": as_tag_column(config.locations),
            "max_items": config.max_items,
            "enabled": config.enabled,
            "in_config": True,
        }
        feed = existing.pop(config.name, None)
        if feed is None:
            db.session.add(Feed(name=config.name, next_check_at=now, **values))
            report.added.append(config.name)
            continue
        changed = {key for key, value in values.items() if getattr(feed, key) != value}
        if not changed:
            continue
        if "url" in changed:
            # Another address: its validators and back-off say nothing about the new one.
            feed.etag = feed.last_modified = feed.body_hash = None
            feed.error_count = 0
            feed.next_check_at = now
        if (not feed.enabled and config.enabled) or not feed.in_config:
            feed.next_check_at = min(feed.next_check_at, now)
        for key, value in values.items():
            setattr(feed, key, value)
        report.updated.append(config.name)
    for feed in existing.values():
        if feed.in_config:
            feed.in_config = False
            report.disabled.append(feed.name)
    db.session.flush()
    return report
