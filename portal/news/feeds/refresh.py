"""Refreshing feeds: which are due, several downloads at once, adaptive intervals and back-off.

Downloads and parsing run in worker threads that never touch the database (`download_all`);
each result is then written back in the calling thread (`write_back`). These steps only flush:
`portal.news.feeds.jobs` runs them, committing once before the downloads start (no transaction,
nor SQLite's write lock, is held while downloading) and once per feed, so one feed's failure (or
a bug) never stops the others nor leaves half a feed written.
"""

from __future__ import annotations

import logging
import random
import statistics
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.http import ssrf
from portal.core.words import plural
from portal.news.feeds import fetch, parse, samples
from portal.news.feeds.store import store_entries
from portal.news.feeds.types import FeedRejected, FetchOutcome, FetchResult, ParsedFeed
from portal.news.models import Feed, FeedEntry

log = logging.getLogger(__name__)

MIN_INTERVAL = timedelta(minutes=15)
MAX_INTERVAL = timedelta(hours=24)
FIRST_BACKOFF = timedelta(minutes=15)
BACKOFF_JITTER = 0.1  # up to 10% later, so feeds failing together do not retry together
RECENT_ENTRIES = 10  # how many of the newest entries the publishing rhythm is read from
INTERNAL_ERROR = "The news could not be saved because of an internal error (see the server log)."
DOWNLOAD_ERROR = "The download stopped because of an internal error (see the server log)."
READ_ERROR = "The document could not be read because of an internal error (see the server log)."


class Status(StrEnum):
    UPDATED = "updated"  # new or edited entries stored
    UNCHANGED = "unchanged"  # not modified, or nothing new in the document
    FAILED = "failed"  # see `error`


@dataclass(frozen=True)
class FeedOutcome:
    feed_id: int
    name: str
    status: Status
    new: int = 0
    updated: int = 0
    error: str | None = None


@dataclass
class RefreshSummary:
    outcomes: list[FeedOutcome] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def new_entries(self) -> int:
        return sum(outcome.new for outcome in self.outcomes)

    def line(self) -> str:
        """E.g. "12 feeds: 9 updated (23 new entries), 2 unchanged, 1 failed"."""
        total = len(self.outcomes)
        new = self.new_entries
        return (
            f"{plural(total, 'feed')}: {self.count(Status.UPDATED)} updated "
            f"({plural(new, 'new entry', 'new entries')}), "
            f"{self.count(Status.UNCHANGED)} unchanged, {self.count(Status.FAILED)} failed"
        )


@dataclass(frozen=True)
class FeedJob:
    """What a download thread needs to know about a feed (no ORM object crosses threads)."""

    feed_id: int
    name: str
    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None

    @classmethod
    def of(cls, feed: Feed) -> FeedJob:
        return cls(feed.id, feed.name, feed.url, feed.etag, feed.last_modified, feed.body_hash)


@dataclass(frozen=True)
class Downloaded:
    """One feed's download and parse, ready to be written back."""

    job: FeedJob
    result: FetchResult | None = None
    parsed: ParsedFeed | None = None
    error: str | None = None  # in plain words, for HR


def due_feeds(now: datetime, *, include_not_due: bool = False) -> list[Feed]:
    """Enabled feeds whose next check has come (or all of them)."""
    query = select(Feed).where(Feed.enabled.is_(True))
    if not include_not_due:
        query = query.where(Feed.next_check_at <= now)
    return list(db.session.scalars(query.order_by(Feed.next_check_at, Feed.id)))


def due_jobs(now: datetime, *, include_not_due: bool = False) -> list[FeedJob]:
    """The due feeds (or all of them) as download jobs."""
    return [FeedJob.of(feed) for feed in due_feeds(now, include_not_due=include_not_due)]


def job_for(feed_id: int) -> FeedJob:
    """One feed as a download job, whether due or not."""
    feed = db.session.get(Feed, feed_id)
    if feed is None:
        raise LookupError(f"no feed with id {feed_id}")
    return FeedJob.of(feed)


def allow_private() -> ssrf.AllowPrivate:
    """Which private addresses feeds may live on (tests, an intranet): PORTAL_FEEDS_ALLOW_PRIVATE
    in the app's config (True, or host names and addresses), else the environment's `=1`."""
    configured = current_app.config.get("PORTAL_FEEDS_ALLOW_PRIVATE")
    return ssrf.allow_private_setting(configured) or ssrf.allow_private_from_env()


# The key of fetch_options() that is not fetch.fetch's: read the sample feeds' bundled files.
OFFLINE_SAMPLES = "offline_samples"


def fetch_options() -> dict:
    """Keyword arguments for fetch.fetch from the app's config (read in the calling thread),
    and whether the sample feeds are read offline (PORTAL_FEEDS_OFFLINE_SAMPLES)."""
    config = current_app.config
    return {
        OFFLINE_SAMPLES: bool(config.get("PORTAL_FEEDS_OFFLINE_SAMPLES")),
        "allow_private": allow_private(),
        "deadline": float(config.get("PORTAL_FEEDS_DEADLINE_SECONDS", fetch.DEFAULT_DEADLINE)),
        "timeout": float(config.get("PORTAL_FEEDS_TIMEOUT_SECONDS", fetch.DEFAULT_CONNECT_TIMEOUT)),
        "max_bytes": int(config.get("PORTAL_FEEDS_MAX_BYTES", fetch.DEFAULT_MAX_BYTES)),
        "user_agent": fetch.user_agent(config.get("BASE_URL", "")),
    }


def download_all(jobs: Sequence[FeedJob], options: dict, workers: int = 4) -> Iterator[Downloaded]:
    """Fetch and parse `jobs`, `workers` at a time, yielding each as soon as it is done (in the
    calling thread, where it is written back). Touches no database."""
    if not jobs:
        return
    with ThreadPoolExecutor(max(1, min(workers, len(jobs))), "feed-fetch") as pool:
        futures = [pool.submit(download, job, options) for job in jobs]
        for future in as_completed(futures):
            yield future.result()


def download(job: FeedJob, options: dict) -> Downloaded:
    """Fetch and parse one feed (runs in a download thread; never raises)."""
    fetching = {name: value for name, value in options.items() if name != OFFLINE_SAMPLES}
    try:
        bundled = (
            samples.offline_fetch(job.url, job.body_hash) if options.get(OFFLINE_SAMPLES) else None
        )
        result = bundled or fetch.fetch(
            job.url,
            etag=job.etag,
            last_modified=job.last_modified,
            previous_hash=job.body_hash,
            **fetching,
        )
    except Exception:
        log.exception("Downloading feed %r (%s) failed", job.name, job.url)
        return Downloaded(job, error=DOWNLOAD_ERROR)
    if result.outcome == FetchOutcome.FAILED:
        return Downloaded(job, result, error=result.error or "The download failed.")
    if result.outcome == FetchOutcome.NOT_MODIFIED:
        return Downloaded(job, result)
    try:
        parsed = parse.parse_feed(result.body or b"", url=result.url)
    except FeedRejected as rejected:
        return Downloaded(job, result, error=str(rejected) or "The document is not a feed.")
    except Exception:
        log.exception("Parsing feed %r (%s) failed", job.name, job.url)
        return Downloaded(job, result, error=READ_ERROR)
    return Downloaded(job, result, parsed)


def internal_error(job: FeedJob) -> FeedOutcome:
    """The outcome of a feed whose write-back failed on a bug."""
    return FeedOutcome(job.feed_id, job.name, Status.FAILED, error=INTERNAL_ERROR)


def record_internal_error(job: FeedJob, now: datetime) -> None:
    """After a failed (and rolled back) write-back: count it on the feed, and back off. The
    caller commits."""
    feed = db.session.get(Feed, job.feed_id)
    if feed is not None:
        feed.last_checked_at = now
        _record_failure(feed, INTERNAL_ERROR, None, now)


def write_back(done: Downloaded, now: datetime) -> FeedOutcome:
    """Record one download on its feed: its entries, validators, next check or back-off. The
    caller commits (or rolls back if this raises)."""
    job, result = done.job, done.result
    # Locked for the write on PostgreSQL: two overlapping refreshes cannot interleave.
    feed = db.session.get(Feed, job.feed_id, with_for_update=True, populate_existing=True)
    if feed is None:
        return FeedOutcome(job.feed_id, job.name, Status.FAILED, error="The feed was removed.")
    feed.last_checked_at = now
    if done.error is not None or result is None:
        _record_failure(feed, done.error or "", result.retry_after if result else None, now)
        return FeedOutcome(feed.id, feed.name, Status.FAILED, error=feed.last_error)
    new = updated = 0
    if done.parsed is not None:
        report = store_entries(feed, done.parsed, now)
        new, updated = report.new, report.updated
        feed.ttl_minutes = done.parsed.ttl_minutes
        feed.last_warning = "; ".join(done.parsed.warnings) or None
    # Validators are kept only once the document was stored: a rejected body is fetched again.
    feed.etag = result.etag or (feed.etag if result.outcome == FetchOutcome.NOT_MODIFIED else None)
    feed.last_modified = result.last_modified or (
        feed.last_modified if result.outcome == FetchOutcome.NOT_MODIFIED else None
    )
    feed.body_hash = result.body_hash or feed.body_hash
    feed.error_count = 0
    feed.last_success_at = now
    feed.interval_seconds = int(_interval(feed, now).total_seconds())
    feed.next_check_at = now + timedelta(seconds=feed.interval_seconds)
    status = Status.UPDATED if new or updated else Status.UNCHANGED
    return FeedOutcome(feed.id, feed.name, status, new=new, updated=updated)


def _interval(feed: Feed, now: datetime) -> timedelta:
    published = db.session.scalars(
        select(FeedEntry.published_at)
        .where(FeedEntry.feed_id == feed.id)
        .order_by(FeedEntry.published_at.desc())
        .limit(RECENT_ENTRIES)
    ).all()
    return adaptive_interval(
        published, now, ttl_minutes=feed.ttl_minutes, current=feed.interval_seconds
    )


def adaptive_interval(
    published: Sequence[datetime], now: datetime, *, ttl_minutes: int | None, current: int
) -> timedelta:
    """How long to wait before the next check, from how often the feed publishes.

    Half the typical gap between recent entries, or half the time since the newest one when
    that is longer (a feed gone quiet is checked less often), kept within 15 minutes and
    24 hours and never sooner than the feed's TTL asks."""
    times = sorted(set(published), reverse=True)
    if len(times) >= 2:
        gaps = [
            (newer - older).total_seconds() for newer, older in zip(times, times[1:], strict=False)
        ]
        quiet = max(0.0, (now - times[0]).total_seconds())
        seconds = max(statistics.median(gaps), quiet) / 2
    else:
        seconds = float(current)
    interval = min(MAX_INTERVAL, max(MIN_INTERVAL, timedelta(seconds=seconds)))
    if ttl_minutes:
        interval = max(interval, min(MAX_INTERVAL, timedelta(minutes=ttl_minutes)))
    return timedelta(seconds=int(interval.total_seconds()))


def backoff(error_count: int) -> timedelta:
    """The wait after `error_count` failures in a row: 15 min, 30 min, 1 h ... at most 24 h,
    plus up to 10% jitter (still at most 24 h)."""
    base = min(MAX_INTERVAL, FIRST_BACKOFF * 2 ** min(max(error_count, 1) - 1, 16))
    jitter = 1 + random.uniform(0, BACKOFF_JITTER)  # noqa: S311 - spreading retries, not security
    return min(MAX_INTERVAL, base * jitter)


def sentence(error: str) -> str:
    """An error as HR reads it: a capitalised sentence ("the server answered 500" → "The
    server answered 500.")."""
    error = " ".join(error.split()) or "The download failed."
    error = error[0].upper() + error[1:]
    return error if error.endswith((".", "!", "?")) else error + "."


def _record_failure(feed: Feed, error: str, retry_after: datetime | None, now: datetime) -> None:
    """Count the failure and back off; a feed is never disabled for failing."""
    feed.error_count += 1
    feed.last_error = sentence(error)
    feed.last_error_at = now
    next_check = now + backoff(feed.error_count)
    if retry_after is not None and retry_after > next_check:
        next_check = min(retry_after, now + MAX_INTERVAL)
    feed.next_check_at = next_check
