"""Leases for the worker's periodic jobs: each runs once across several workers.

A periodic job (the status evaluation, the digests) has a row in `worker_jobs`. A worker claims
it in one short transaction: the row is locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on
SQLite every non-request transaction already begins IMMEDIATE, which serialises writers), then
skipped if it is not due or another worker's lease is still running, else leased to this worker
and committed. The job runs outside that transaction; `finish` then schedules the next run and
releases the lease. A worker that dies mid-job loses nothing: its lease runs out and another
worker takes the job over.

These functions commit: they are the worker's own transaction boundaries, not part of a unit of
work that a caller might still roll back.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from portal.core.database import upsert
from portal.core.extensions import db
from portal.worker.models import WorkerJob


def holder_name() -> str:
    """Who holds a lease: this host and process, as shown in `worker_jobs.locked_by`."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(name: str, now: datetime, *, holder: str, lease: timedelta) -> bool:
    """Lease the periodic job `name` to `holder` until now + lease, if it is due and free.

    Returns False (and changes nothing) when the job's next run is still to come, another worker
    holds it, or another worker is claiming it at this very moment."""
    # The row exists from the first claim on; ON CONFLICT makes racing first claims harmless.
    db.session.execute(
        upsert(WorkerJob)
        .values(name=name, next_run_at=now)
        .on_conflict_do_nothing(index_elements=[WorkerJob.name])
    )
    job = db.session.scalar(_locked(name, skip_locked=True))
    if job is None or job.next_run_at > now or _held(job, now):
        db.session.rollback()
        return False
    job.locked_until = now + lease
    job.locked_by = holder
    db.session.commit()
    return True


def _locked(name: str, *, skip_locked: bool) -> Select[WorkerJob]:
    # populate_existing: what the locked read returns wins over anything this session holds.
    return (
        select(WorkerJob)
        .where(WorkerJob.name == name)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


def _held(job: WorkerJob, now: datetime) -> bool:
    return job.locked_until is not None and job.locked_until > now


def finish(
    name: str, now: datetime, *, holder: str, every: timedelta, error: str | None = None
) -> bool:
    """Record a run of `name` that started at `now` and release the lease; the next run is due
    `every` later. Returns False when the lease had run out and another worker took the job
    (the outcome is recorded all the same, and that worker's lease is left alone)."""
    job = db.session.scalar(_locked(name, skip_locked=False))
    if job is None:  # removed while running (an operator reset): start afresh
        job = WorkerJob(name=name)
        db.session.add(job)
    ours = job.locked_by in (None, holder)
    job.last_run_at = now
    job.last_error = error
    job.next_run_at = now + every
    if ours:
        job.locked_until = None
        job.locked_by = None
    db.session.commit()
    return ours


def record(name: str, now: datetime, *, error: str | None = None) -> None:
    """Note a run of a job that every worker runs on every pass (no lease): when, and how."""
    statement = upsert(WorkerJob).values(
        name=name, next_run_at=now, last_run_at=now, last_error=error
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[WorkerJob.name],
            set_={"next_run_at": now, "last_run_at": now, "last_error": error},
        )
    )
    db.session.commit()
