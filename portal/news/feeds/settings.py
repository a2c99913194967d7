"""HR's changes to a feed's settings: add, edit, turn off or on, delete; each audit-logged in
words, with the old and new value.

The feeds table is the one truth for a feed's settings (name, address, audience, max_items,
enabled); an import (portal.news.feeds.transfer) changes them through `apply` too. Plain module:
no request knowledge; functions flush, the caller commits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from portal.core import inputs
from portal.core.extensions import db
from portal.core.i18n import _
from portal.news.feeds.config import as_tag_column, tags_of_column
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed, FeedEntry
from portal.people import audit
from portal.people.models import User

AUDIENCE = ("departments", "locations")


class FeedSettingsError(ValueError):
    """Settings that cannot be saved, with the form field they concern and words for HR."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def settings_of(feed: Feed) -> FeedConfig:
    """A stored feed's settings."""
    return FeedConfig(
        name=feed.name,
        url=feed.url,
        departments=tags_of_column(feed.departments),
        locations=tags_of_column(feed.locations),
        max_items=feed.max_items,
        enabled=feed.enabled,
    )


def stored_values(config: FeedConfig) -> dict[str, Any]:
    """Settings as the feeds table stores them, by column."""
    return {
        "name": config.name,
        "url": config.url,
        "departments": as_tag_column(config.departments),
        "locations": as_tag_column(config.locations),
        "max_items": config.max_items,
        "enabled": config.enabled,
    }


def same_form(url: str) -> str:
    """An address in the one form the validator writes (an address stored before the validator
    did is compared in that form too; one it refuses is left as it is)."""
    try:
        return inputs.web_address(url)
    except inputs.InputError:
        return url


def differences(feed: Feed, config: FeedConfig) -> dict[str, tuple[Any, Any]]:
    """The settings `config` would change on `feed`: {column: (stored, new)}."""
    changes = {}
    for column, value in stored_values(config).items():
        stored = getattr(feed, column)
        if column == "url" and same_form(stored) == value:
            continue
        if stored != value:
            changes[column] = (stored, value)
    return changes


def changed_in_portal_since_import(feed: Feed) -> bool:
    """True when HR changed the feed in the portal after it was last imported (or made it in
    the portal and no import has confirmed it since): an import leaves it alone."""
    return feed.settings_changed_at is not None


def mark_imported(feed: Feed, now: datetime) -> None:
    """An import wrote or confirmed the feed's settings: HR's changes are settled."""
    feed.imported_at = now
    feed.settings_changed_at = None


def clash(config: FeedConfig, feed: Feed | None = None) -> FeedSettingsError | None:
    """Another feed already called that (in any case) or at that address: one query."""
    query = select(Feed).where(
        or_(func.lower(Feed.name) == config.name.lower(), Feed.url == config.url)
    )
    if feed is not None:
        query = query.where(Feed.id != feed.id)
    for other in db.session.scalars(query.limit(2)):
        if other.url == config.url:
            return FeedSettingsError(
                "url", _("This address is already the feed “%(name)s”.", name=other.name)
            )
        return FeedSettingsError(
            "name", _("Another feed is already called “%(name)s”.", name=other.name)
        )
    return None


def apply(feed: Feed, config: FeedConfig, now: datetime) -> dict[str, tuple[Any, Any]]:
    """Set `config` on `feed` and return what changed. A new address starts its fetch state
    afresh (validators, back-off and the last error were the old address's) and is checked at
    once; a feed turned on is checked at once too."""
    changes = differences(feed, config)
    if "url" in changes:
        feed.etag = feed.last_modified = feed.body_hash = None
        feed.error_count = 0
        feed.last_error = feed.last_warning = None
        feed.last_error_at = None
        feed.next_check_at = now
    if changes.get("enabled", (None, False))[1] is True:
        feed.next_check_at = min(feed.next_check_at, now)
    for column, (_old, value) in changes.items():
        setattr(feed, column, value)
    return changes


def subject(feed: Feed) -> str:
    """How the audit log names a feed."""
    return f"News feed “{feed.name}”"


def shown(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """Changes as the audit log shows them: audiences as "a, b" (or "everyone")."""

    def words(column: str, value: Any) -> Any:
        if column in AUDIENCE:
            return ", ".join(tags_of_column(value)) or "everyone"
        return value

    return {
        column: (words(column, old), words(column, new)) for column, (old, new) in changes.items()
    }


def add(actor: User, config: FeedConfig, now: datetime) -> Feed:
    """A new feed from HR's form, checked first at once; FeedSettingsError when its name or
    address is another feed's."""
    problem = clash(config)
    if problem is not None:
        raise problem
    feed = Feed(**stored_values(config), next_check_at=now, settings_changed_at=now)
    db.session.add(feed)
    db.session.flush()
    audit.record(actor, "feed.created", field="url", new=feed.url, subject=subject(feed))
    return feed


def change(
    actor: User, feed: Feed, config: FeedConfig, now: datetime
) -> dict[str, tuple[Any, Any]]:
    """HR's edit of a feed; returns what changed. FeedSettingsError when the new name or
    address is another feed's."""
    problem = clash(config, feed)
    if problem is not None:
        raise problem
    before = subject(feed)
    changes = apply(feed, config, now)
    if changes:
        feed.settings_changed_at = now
        audit.record_changes(actor, None, "feed.updated", shown(changes), subject=before)
    db.session.flush()
    return changes


def turn_off(actor: User, feed: Feed, now: datetime) -> bool:
    """Stop fetching a feed and showing its news (its entries are kept); False if it was off."""
    if not feed.enabled:
        return False
    feed.enabled = False
    feed.settings_changed_at = now
    audit.record(
        actor, "feed.disabled", field="enabled", old=True, new=False, subject=subject(feed)
    )
    db.session.flush()
    return True


def turn_on(actor: User, feed: Feed, now: datetime) -> bool:
    """Fetch a feed again (at once) and show its news; False if it was on."""
    if feed.enabled:
        return False
    apply(feed, replace(settings_of(feed), enabled=True), now)
    feed.settings_changed_at = now
    audit.record(actor, "feed.enabled", field="enabled", old=False, new=True, subject=subject(feed))
    db.session.flush()
    return True


def entry_count(feed: Feed) -> int:
    """How many entries a feed holds."""
    query = select(func.count(FeedEntry.id)).where(FeedEntry.feed_id == feed.id)
    return db.session.scalar(query) or 0


def delete(actor: User, feed: Feed) -> None:
    """Delete a feed that holds no entries (a feed with entries is turned off instead: what
    candidates read, and HR's curation of it, stay on record)."""
    held = entry_count(feed)
    if held:
        raise FeedSettingsError(
            "feed",
            _(
                "“%(name)s” holds news entries, so it is turned off rather than deleted.",
                name=feed.name,
            ),
        )
    audit.record(actor, "feed.deleted", field="url", old=feed.url, subject=subject(feed))
    db.session.delete(feed)
    db.session.flush()
