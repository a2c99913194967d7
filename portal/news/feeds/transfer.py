"""feeds.yaml as a way in and out of the portal: importing a feeds file, and exporting the feeds
as one that an import reads back identically.

The feeds table is the one truth; an import changes it by this rule:

- A feed of the file is the portal's feed at the same address (its URL, in the one form
  `core.inputs.web_address` gives it). No such feed: it is added.
- The same settings: nothing changes.
- Other settings: the portal's feed takes the file's, unless HR changed it in the portal since it
  was last imported (or made it in the portal): then it is a conflict, skipped and reported,
  and `overwrite=True` replaces the portal's settings with the file's.
- A name another feed of the portal already has (at another address) is a conflict, always.
- Feeds of the portal that the file does not list are left alone; `prune=True` turns them off
  (never deletes them: their entries stay).

Everything an import changes is audit-logged (by "the system"). Plain module: flushes only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import yaml
from sqlalchemy import select

from portal.core.extensions import db
from portal.news.feeds import settings
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed
from portal.people import audit

EXPORT_HEADER = (
    "# News feeds exported from the pre-boarding portal. The portal's database is the truth;\n"
    "# `flask --app portal feeds import FILE` reads this file back (see README, “News feeds”).\n"
)


@dataclass(frozen=True)
class Conflict:
    """A feed of the file that was skipped, and why (in words for HR)."""

    name: str
    url: str
    reason: str

    def line(self) -> str:
        return f"“{self.name}” ({self.url}): {self.reason}"


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    turned_off: list[str] = field(default_factory=list)  # missing from the file, with prune
    conflicts: list[Conflict] = field(default_factory=list)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "an unknown time"


def import_feeds(
    configs: list[FeedConfig], now: datetime, *, overwrite: bool = False, prune: bool = False
) -> ImportReport:
    """Bring a checked feeds file (config.load) into the feeds table by the module's rule."""
    report = ImportReport()
    feeds = list(db.session.scalars(select(Feed).order_by(Feed.name, Feed.id)))
    by_url = {settings.same_form(feed.url): feed for feed in feeds}
    by_name = {feed.name.casefold(): feed for feed in feeds}
    in_file: set[int] = set()
    for config in configs:
        feed = by_url.get(config.url)
        named = by_name.get(config.name.casefold())
        if feed is None:
            if named is not None:
                report.conflicts.append(Conflict(config.name, config.url, _name_taken(named)))
                continue
            feed = Feed(**settings.stored_values(config), next_check_at=now, imported_at=now)
            db.session.add(feed)
            db.session.flush()
            audit.record(
                None, "feed.imported", field="url", new=feed.url, subject=settings.subject(feed)
            )
            by_url[config.url] = by_name[config.name.casefold()] = feed
            in_file.add(feed.id)
            report.added.append(config.name)
            continue
        in_file.add(feed.id)
        changes = settings.differences(feed, config)
        if not changes:
            settings.mark_imported(feed, now)
            report.unchanged.append(config.name)
            continue
        if named is not None and named is not feed:
            report.conflicts.append(Conflict(config.name, config.url, _name_taken(named)))
            continue
        if settings.changed_in_portal_since_import(feed) and not overwrite:
            differing = ", ".join(changes)
            reason = (
                f"changed in the portal on {_when(feed.settings_changed_at)}, after it was last "
                f"imported; the file differs in {differing}. Kept as the portal has it "
                "(--overwrite takes the file's settings)."
            )
            report.conflicts.append(Conflict(config.name, config.url, reason))
            continue
        before = settings.subject(feed)
        del by_name[feed.name.casefold()]
        settings.apply(feed, config, now)
        by_name[feed.name.casefold()] = feed
        settings.mark_imported(feed, now)
        audit.record_changes(
            None, None, "feed.import_updated", settings.shown(changes), subject=before
        )
        report.updated.append(config.name)
    if prune:
        for feed in feeds:
            if feed.id in in_file or not feed.enabled:
                continue
            feed.enabled = False
            audit.record(
                None,
                "feed.import_disabled",
                field="enabled",
                old=True,
                new=False,
                subject=settings.subject(feed),
            )
            report.turned_off.append(feed.name)
    db.session.flush()
    return report


def _name_taken(other: Feed) -> str:
    return (
        f"the portal already has a feed called “{other.name}”, at {other.url}. If that feed "
        "moved, change its address in the portal; otherwise rename one of the two."
    )


def export_feeds() -> str:
    """Every feed's settings as a feeds file (by name), which `import_feeds` reads back as the
    same settings: nothing changes when it is imported again."""
    feeds = db.session.scalars(select(Feed).order_by(Feed.name, Feed.id))
    document = {
        "feeds": [
            {
                "name": config.name,
                "url": config.url,
                "departments": list(config.departments),
                "locations": list(config.locations),
                "max_items": config.max_items,
                "enabled": config.enabled,
            }
            for config in map(settings.settings_of, feeds)
        ]
    }
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    return EXPORT_HEADER + body
