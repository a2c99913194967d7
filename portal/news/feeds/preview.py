"""“Test this feed”: the refresh's own pipeline (fetch through core/http with its SSRF guard,
deadline and size cap, then parse and sanitise) run on an address now, storing nothing, and
what a refresh would store: the entries kept, their titles, dates and sanitised summaries, and
every error or warning in HR's words.

It runs while HR waits, so its deadline is shorter than a refresh's (PORTAL_FEEDS_PREVIEW_SECONDS,
10 by default): the page answers well inside the web server's timeout. It touches no database;
the caller ends its transaction before calling it (no lock is held while downloading).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from portal.core.i18n import _, ngettext
from portal.news.feeds import refresh, sanitize, store
from portal.news.feeds.refresh import FeedJob

log = logging.getLogger(__name__)

PREVIEW_SETTING = "PORTAL_FEEDS_PREVIEW_SECONDS"
DEFAULT_PREVIEW_SECONDS = 10.0


@dataclass(frozen=True)
class PreviewEntry:
    """One entry as it would be stored (sanitised: the HTML is safe to show as it is)."""

    title: str
    link: str | None
    author: str
    published: datetime
    dated: bool  # False: the feed gave no date, so it counts from when it is first seen
    summary_html: str


@dataclass(frozen=True)
class FeedPreview:
    """What testing an address found: an error (nothing would be stored) or the entries."""

    url: str  # as asked
    final_url: str  # after redirects
    feed_title: str = ""
    entries: list[PreviewEntry] = field(default_factory=list)
    found: int = 0  # distinct items in the document
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def preview_seconds() -> float:
    """PORTAL_FEEDS_PREVIEW_SECONDS from the app's config, else the environment, else 10; a
    value that is not a positive number is logged and the default used."""
    configured = current_app.config.get(PREVIEW_SETTING) or os.environ.get(PREVIEW_SETTING)
    if configured is None:
        return DEFAULT_PREVIEW_SECONDS
    try:
        seconds = float(configured)
    except (TypeError, ValueError):
        seconds = 0.0
    if not 0 < seconds < 3600:
        log.warning(
            "%s=%r is not a number of seconds: using %g",
            PREVIEW_SETTING,
            configured,
            DEFAULT_PREVIEW_SECONDS,
        )
        return DEFAULT_PREVIEW_SECONDS
    return seconds


def preview_options() -> dict:
    """The refresh's fetch options (refresh.fetch_options), with the preview's shorter deadline."""
    options = refresh.fetch_options()
    deadline = min(float(options["deadline"]), preview_seconds())
    return options | {"deadline": deadline, "timeout": min(float(options["timeout"]), deadline)}


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def preview(
    url: str, max_items: int, options: dict, now: datetime, origins: Collection[str]
) -> FeedPreview:
    """Fetch, parse and sanitise `url` as a refresh would, without storing anything; never
    raises. `options` from preview_options(), read before the caller's transaction ended."""
    done = refresh.download(FeedJob(0, "preview", url, None, None, None), options)
    final_url = done.result.url if done.result is not None else url
    if done.error is not None or done.parsed is None:
        error = refresh.sentence(done.error or "The download failed.")
        return FeedPreview(url, final_url, error=error)
    warnings = []
    if _host(final_url) != _host(url):
        warnings.append(
            _(
                "The address redirects to another site (%(site)s). The portal follows it at "
                "every check; if the feed has moved for good, enter %(address)s instead.",
                site=_host(final_url) or final_url,
                address=final_url,
            )
        )
    parsed = done.parsed
    chosen = store.chosen_entries(parsed, max_items)
    distinct = len(set(store.entry_keys(parsed.entries)))
    warnings.extend(parsed.warnings)
    if not chosen:
        warnings.append(_("The feed has no items at the moment: nothing would be stored yet."))
    elif distinct > len(chosen):
        warnings.append(
            ngettext(
                "The feed holds %(num)d item: only the newest %(kept)d are kept at each check "
                "(“Items kept”).",
                "The feed holds %(num)d items: only the newest %(kept)d are kept at each check "
                "(“Items kept”).",
                distinct,
                kept=len(chosen),
            )
        )
    entries = []
    for entry, _key in chosen:
        clean = store.sanitised(entry, url, origins)  # as stored: against the feed's address
        entries.append(
            PreviewEntry(
                title=clean.title,
                link=clean.link,
                author=clean.author,
                published=store.published_at(entry, now),
                dated=(entry.published or entry.updated) is not None,
                summary_html=clean.summary_html or clean.content_html,
            )
        )
    title = sanitize.plain_text(parsed.title, max_length=store.FEED_TITLE_MAX)
    return FeedPreview(url, final_url, title, entries, distinct, warnings=warnings)
