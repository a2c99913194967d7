"""feeds.yaml: reading and checking it, and the https origins news images may come from.

The feeds table is the one truth for the feeds; a feeds file is how they are imported and
exported (portal.news.feeds.transfer). It holds a list of feeds under `feeds:` (a bare list is
accepted too):

    feeds:
      - name: Company news
        url: https://news.example.com/feed.xml
        departments: [engineering]     # optional audience tags; none means everyone
        locations: [paris, london]
        max_items: 20                  # optional, 1 to 100
        enabled: true                  # optional

Names and addresses are checked by the same validators as HR's form (portal.core.inputs). A
wrong file raises FeedsFileError naming the feed and the field, before anything is changed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, TypeGuard

import yaml
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.core import inputs
from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.news.feeds.media import https_origin, origin_setting
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed

log = logging.getLogger(__name__)

DEFAULT_FEEDS_FILE = PROJECT_ROOT / "feeds.yaml"
MAX_ITEMS_LIMIT = 100
DEFAULT_MAX_ITEMS = 20
FIELDS = frozenset({"name", "url", "departments", "locations", "max_items", "enabled"})
NAME_MAX = 120  # Feed.name
TAGS_MAX = 500  # Feed.departments / Feed.locations, in ",tag," form


class FeedsFileError(Exception):
    """feeds.yaml cannot be used; the message names the feed and the field."""


def feeds_file_path(app: Flask) -> Path:
    """The feeds file `feeds import` reads when given none: app config PORTAL_FEEDS_FILE, else
    that environment variable, else feeds.yaml at the top of the project."""
    named = app.config.get("PORTAL_FEEDS_FILE") or os.environ.get("PORTAL_FEEDS_FILE")
    return Path(named) if named else DEFAULT_FEEDS_FILE


def resolve_image_origins(app: Flask) -> tuple[str, ...]:
    """NEWS_IMAGE_ORIGINS checked and in normal form; when it is not set, the https origins of
    the feeds in the database (read once, as the app starts). Raises RuntimeError naming a
    value that is not an https origin."""
    configured = app.config.get("NEWS_IMAGE_ORIGINS")
    if configured is None:
        return feed_origins(app)
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


def feed_origins(app: Flask) -> tuple[str, ...]:
    """The https origins of the feeds in the database, in one read-only query; none (with a
    warning) when the database cannot be read yet, e.g. before `flask db upgrade`."""
    with app.app_context():
        try:
            # A plain BEGIN on SQLite: starting an app never takes the write lock.
            with db.engine.connect() as connection:
                connection.execution_options(sqlite_begin="DEFERRED")
                urls = list(connection.scalars(select(Feed.url)))
        except SQLAlchemyError as error:
            log.warning("News images: no feed origins to allow, feeds not readable: %s", error)
            return ()
        finally:
            # No connection opened while the app is built stays in the pool: a server that
            # forks its workers afterwards (gunicorn) must not hand them the same one.
            db.engine.dispose()
    return tuple(sorted({origin for url in urls if (origin := https_origin(url)) is not None}))


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
    names: dict[str, int] = {}
    urls: dict[str, int] = {}
    for position, item in enumerate(document, start=1):
        config = _feed(item, position)
        label = f"feed {config.name!r} (#{position})"
        if config.name.casefold() in names:
            first = names[config.name.casefold()]
            raise FeedsFileError(f"{label}: name is already used by feed #{first}")
        if config.url in urls:
            raise FeedsFileError(f"{label}: url is already used by feed #{urls[config.url]}")
        names[config.name.casefold()] = position
        urls[config.url] = position
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
    try:
        name = inputs.one_line(raw_name, max_length=NAME_MAX, what="the name")
    except inputs.InputError as error:
        raise fail("name", f"cannot be used: {error.message}") from None
    url = item.get("url")
    if not _text(url):
        raise fail("url", "is required (an http or https address)")
    try:
        url = inputs.web_address(url, what="the address")
    except inputs.InputError as error:
        raise fail("url", f"cannot be used: {error.message}") from None
    max_items = item.get("max_items", DEFAULT_MAX_ITEMS)
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


def tags_of_column(stored: str) -> tuple[str, ...]:
    """The tags of a stored ",a,b," value, in order (() for everyone)."""
    return tuple(tag for tag in stored.split(",") if tag)
