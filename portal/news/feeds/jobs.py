"""Refreshing feeds, one committed transaction per step: the job runner of `refresh`.

A commit boundary, like views, CLI commands and the worker's loop. The feeds to fetch are read
and that transaction is committed before any download starts: no transaction (nor SQLite's write
lock) is held while downloading. Each download is then written back in a transaction of its own,
so one feed's failure (or a bug) never stops the others nor leaves half a feed written. Called by
the worker and by `flask --app portal feeds refresh`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from portal.core.extensions import db
from portal.news.feeds import refresh
from portal.news.feeds.refresh import Downloaded, FeedJob, FeedOutcome, RefreshSummary

log = logging.getLogger(__name__)


def refresh_due(
    now: datetime,
    *,
    workers: int = 4,
    include_not_due: bool = False,
    progress: Callable[[FeedOutcome], None] | None = None,
) -> RefreshSummary:
    """Refresh every due feed (or all of them), `workers` downloads at a time; commits per feed."""
    jobs = refresh.due_jobs(now, include_not_due=include_not_due)
    return refresh_jobs(jobs, now, workers=workers, progress=progress)


def refresh_jobs(
    jobs: Sequence[FeedJob],
    now: datetime,
    *,
    workers: int = 4,
    progress: Callable[[FeedOutcome], None] | None = None,
) -> RefreshSummary:
    """Refresh `jobs`, `workers` downloads at a time, committing each feed as it comes back."""
    options = refresh.fetch_options()
    db.session.commit()  # hold no transaction (nor SQLite's write lock) while downloading
    summary = RefreshSummary()
    for done in refresh.download_all(jobs, options, workers):
        outcome = _write_back(done, now)
        summary.outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return summary


def refresh_feed(feed_id: int, now: datetime) -> FeedOutcome:
    """Fetch, parse and store one feed now, whether due or not, and commit."""
    job = refresh.job_for(feed_id)
    options = refresh.fetch_options()
    db.session.commit()
    return _write_back(refresh.download(job, options), now)


def _write_back(done: Downloaded, now: datetime) -> FeedOutcome:
    """Record one download on its feed, in its own transaction; never raises."""
    job = done.job
    try:
        outcome = refresh.write_back(done, now)
        db.session.commit()
        return outcome
    except Exception:
        db.session.rollback()
        log.exception("Storing feed %r (%s) failed", job.name, job.url)
    try:
        refresh.record_internal_error(job, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("Recording the failure of feed %r failed", job.name)
    return refresh.internal_error(job)
