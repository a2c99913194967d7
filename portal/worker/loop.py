"""The worker: `flask --app portal worker` runs the portal's background jobs in a loop.

Each pass runs every job in turn, each in its own app context and database session:

- periodic jobs that must happen once across all workers (the status evaluation, the digests,
  the candidates' updates, the feed refresh) are leased through `worker_jobs`
  (portal.worker.leases) and run when due;
- the mail and webhook deliveries run on every pass in every worker: they claim their own rows
  (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), so workers share the load
  without sending anything twice.

A job that fails is logged and recorded in `worker_jobs.last_error`; the other jobs and the
loop go on. A job that ran but could not do all of its work (an email or a webhook message that
did not go, a feed that could not be read) says what failed and why, and is logged as a warning.
`worker --once` prints all of it and exits 1 if anything failed. SIGTERM or SIGINT stops the
loop after the job in progress.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.api import idempotency
from portal.core import clock
from portal.core.extensions import db
from portal.engagement import digests, retention, status_changes, tiles
from portal.mail import jobs as mail_jobs
from portal.news import jobs as news_jobs
from portal.news.feeds import jobs as feed_jobs
from portal.outcomes import recording as outcomes
from portal.webhooks import jobs as webhook_jobs
from portal.worker import leases

log = logging.getLogger("portal.worker")

SLEEP_STEP = 0.2  # seconds: how quickly a sleeping worker notices it was asked to stop


@dataclass(frozen=True)
class Done:
    """What a job did: a line saying so (None: nothing), and what failed within it, each with
    its reason (a send that did not go, a feed that could not be read)."""

    summary: str | None = None
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Job:
    """One of the worker's jobs. `run(now)` returns a line saying what it did (or a `Done`, when
    some of its work can fail without the job failing), or None for nothing."""

    name: str
    run: Callable[[datetime], str | Done | None]
    # How often a leased job runs (once across all workers); None: every pass, in every worker.
    every: timedelta | None = None


@dataclass(frozen=True)
class Outcome:
    job: str
    ran: bool  # False: not due, or another worker holds it
    summary: str | None = None
    error: str | None = None  # the job itself failed (and was rolled back)
    failures: tuple[str, ...] = ()  # what failed within a job that ran

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.failures)

    def line(self) -> str:
        """ "mail: 2 message(s) sent", "feeds: failed: RuntimeError: …", for `worker --once`."""
        if self.error:
            state = f"failed: {self.error}"
        elif not self.ran:
            state = "not due (or running in another worker)"
        else:
            state = self.summary or "nothing to do"
        return f"{self.job}: {state}"


def _said(result: Any, what: str) -> str | None:
    """ "3 messages sent" for a count, the text itself for anything else; None for nothing."""
    if isinstance(result, bool) or not result:
        return None
    if isinstance(result, int):
        return f"{result} {what}"
    return str(result)


def _engagement(now: datetime) -> str | None:
    return _said(status_changes.evaluate(now), "event(s) recorded")


def _tile_counts(_now: datetime) -> str | None:
    return _said(tiles.fold_changes(), "change(s) folded into the tiles' counts")


def _outcomes(now: datetime) -> str | None:
    return outcomes.mark_joined(now).line()


def _candidate_updates(now: datetime) -> str | None:
    return _said(news_jobs.queue_candidate_updates(now), "candidate update(s) queued")


def _digests(now: datetime) -> str | None:
    return _said(digests.send_due(now), "digest(s) queued")


def _mail(now: datetime) -> Done:
    done = mail_jobs.deliver_all(now=now)
    if done.failures:
        return Done(
            f"{done.sent} message(s) sent, {len(done.failures)} failed", tuple(done.failures)
        )
    return Done(_said(done.sent, "message(s) sent"))


def _webhooks(now: datetime) -> Done:
    summary = webhook_jobs.deliver_pass(now)
    if summary.failures:
        return Done(summary.line(), summary.failures)
    return Done(_said(summary.delivered, "webhook message(s) delivered"))


def _api_keys(now: datetime) -> str | None:
    keep = timedelta(hours=current_app.config["API_IDEMPOTENCY_HOURS"])
    return _said(idempotency.purge(now, keep), "expired Idempotency-Key(s) forgotten")


def _retention(now: datetime) -> str | None:
    return retention.run(now).line()


def _feeds(now: datetime) -> Done:
    summary = feed_jobs.refresh_due(now)
    failures = tuple(
        f"{outcome.name}: {outcome.error or 'failed'}"
        for outcome in summary.outcomes
        if outcome.error is not None
    )
    return Done(summary.line() if summary.outcomes else None, failures)


# In this order: what the evaluation and the digests queue goes out in the same pass.
JOBS: tuple[Job, ...] = (
    Job("engagement", _engagement, every=timedelta(minutes=5)),
    # After the statuses: a candidate whose joining moment passed is marked joined, with
    # what the portal knew of them until then.
    Job("outcomes", _outcomes, every=timedelta(minutes=5)),
    # After both: what they moved is folded into the tiles' counts in the same pass (the
    # tiles add what is not folded in yet, so they are exact either way; folding keeps them
    # a few rows to read).
    Job("tile_counts", _tile_counts, every=timedelta(minutes=1)),
    Job("candidate_updates", _candidate_updates, every=timedelta(minutes=1)),
    Job("digests", _digests, every=timedelta(minutes=1)),
    Job("mail", _mail),
    Job("webhooks", _webhooks),
    Job("api_keys", _api_keys, every=timedelta(hours=1)),
    Job("retention", _retention, every=timedelta(hours=24)),
    # Last: downloads may take seconds. refresh_due only fetches feeds that are due.
    Job("feeds", _feeds, every=timedelta(minutes=1)),
)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


class Worker:
    """Runs `jobs` for `app`, one pass at a time or in a loop until asked to stop."""

    def __init__(self, app: Flask, job_list: tuple[Job, ...] = JOBS, holder: str | None = None):
        self.app = app
        self.jobs = job_list
        self.holder = holder or leases.holder_name()
        self.stopping = False

    def stop(self) -> None:
        """Finish the job in progress, then stop."""
        self.stopping = True

    def run_pass(self) -> list[Outcome]:
        outcomes = []
        for job in self.jobs:
            if self.stopping:
                break
            outcomes.append(self.run_job(job))
        return outcomes

    def run_forever(self, interval: float) -> None:
        log.info("Worker %s started: a pass every %s s.", self.holder, f"{interval:g}")
        while not self.stopping:
            self.run_pass()
            deadline = time.monotonic() + interval
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(SLEEP_STEP, max(0.0, deadline - time.monotonic())))
        log.info("Worker %s stopped.", self.holder)

    def run_job(self, job: Job) -> Outcome:
        """Claim (if leased), run, commit and record one job, in a fresh session."""
        with self.app.app_context():
            try:
                return self._run_job(job)
            finally:
                db.session.remove()

    def _run_job(self, job: Job) -> Outcome:
        now = clock.now()
        if job.every is not None:
            lease = timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])
            try:
                if not leases.claim(job.name, now, holder=self.holder, lease=lease):
                    return Outcome(job.name, ran=False)
            except Exception as failure:
                db.session.rollback()
                log.exception("Could not claim job %s", job.name)
                return Outcome(job.name, ran=False, error=_error_text(failure))
        done, error = Done(), None
        try:
            result = job.run(now)
            done = result if isinstance(result, Done) else Done(result)
            db.session.commit()
        except Exception as failure:
            db.session.rollback()
            error = _error_text(failure)
            log.exception("Job %s failed", job.name)
        else:
            if done.summary:
                log.info("%s: %s", job.name, done.summary)
            for what in done.failures:
                log.warning("%s: failed: %s", job.name, what)
        try:
            if job.every is None:
                leases.record(job.name, now, error=error)
            elif not leases.finish(job.name, now, holder=self.holder, every=job.every, error=error):
                log.warning(
                    "Job %s outlived its lease: another worker may have run it too.", job.name
                )
        except Exception:
            db.session.rollback()
            log.exception("Could not record the run of job %s", job.name)
        return Outcome(
            job.name, ran=True, summary=done.summary, error=error, failures=done.failures
        )


def once_summary(outcomes: list[Outcome]) -> str:
    """The last line of `worker --once`: whether anything failed, and what."""
    failed = [outcome for outcome in outcomes if outcome.failed]
    if not failed:
        ran = sum(1 for outcome in outcomes if outcome.ran)
        return f"All went well: {ran} of {len(outcomes)} job(s) ran, nothing failed."
    named = ", ".join(
        f"{outcome.job} (the job failed)"
        if outcome.error
        else f"{outcome.job} ({len(outcome.failures)} failed)"
        for outcome in failed
    )
    return f"Something failed in {len(failed)} of {len(outcomes)} job(s): {named}."


def _configure_logging() -> None:
    """One line per message on stderr, unless the host (gunicorn, pytest) set logging up."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )


def _stop_on_signals(worker: Worker) -> None:
    def handle(signum: int, _frame: Any) -> None:
        log.info("%s received: stopping after the current job.", signal.Signals(signum).name)
        worker.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handle)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run each due job once, then exit (for cron).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Seconds between passes (default: WORKER_INTERVAL_SECONDS).",
)
@with_appcontext
def worker_command(once: bool, interval: float | None) -> None:
    """Run the background jobs (feeds, statuses, digests, mail, webhooks) in a loop."""
    _configure_logging()
    worker = Worker(current_app._get_current_object())  # type: ignore[attr-defined]
    if once:
        outcomes = worker.run_pass()
        for outcome in outcomes:
            click.echo(outcome.line())
            for what in outcome.failures:
                click.echo(f"  failed: {what}")
        click.echo(once_summary(outcomes))
        if any(outcome.failed for outcome in outcomes):
            raise SystemExit(1)
        return
    _stop_on_signals(worker)
    worker.run_forever(interval or float(current_app.config["WORKER_INTERVAL_SECONDS"]))
    # Stopped: a second signal (Ctrl+C reaches `make run`'s worker twice) must not turn a clean
    # exit into a kill while the interpreter shuts down.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)
