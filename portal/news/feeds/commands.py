"""`flask --app portal feeds ...`: import and export feeds files, refresh, list entries, load
samples."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.core import clock
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.core.words import plural
from portal.news.feeds import config, refresh, transfer
from portal.news.feeds import jobs as feed_jobs
from portal.news.feeds.samples import load_samples
from portal.news.models import Feed, FeedEntry

feeds_cli = AppGroup("feeds", help="Company news feeds: import, export, refreshing, entries.")


@feeds_cli.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--overwrite", is_flag=True, help="Also replace the settings of feeds HR changed in the portal."
)
@click.option("--prune", is_flag=True, help="Turn off the feeds the file does not list.")
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
def import_feeds(file: Path | None, overwrite: bool, prune: bool, dry_run: bool) -> None:
    """Import a feeds file (default: PORTAL_FEEDS_FILE, else feeds.yaml). A feed is matched by
    its address; one HR changed in the portal since it was last imported is skipped and listed
    unless --overwrite; feeds missing from the file are left alone unless --prune."""
    path = file or config.feeds_file_path(current_app)
    try:
        configs = config.load(path)
    except config.FeedsFileError as error:
        raise click.ClickException(f"{error}\nNothing was changed.") from None
    report = transfer.import_feeds(configs, clock.now(), overwrite=overwrite, prune=prune)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    done = "would be" if dry_run else "were"
    click.echo(f"Read {plural(len(configs), 'feed')} from {path}{' (dry run)' if dry_run else ''}.")
    for label, names in (
        ("Added", report.added),
        ("Updated", report.updated),
        ("Already as in the file", report.unchanged),
        ("Turned off (not in the file; kept with their entries)", report.turned_off),
    ):
        if names:
            click.echo(f"  {label}: {', '.join(names)}")
    if report.conflicts:
        skipped = plural(len(report.conflicts), "conflict")
        click.echo(f"  Skipped ({skipped}; they {done} not changed):")
        for conflict in report.conflicts:
            click.echo(f"    {conflict.line()}")
    if not (report.added or report.updated or report.turned_off or report.conflicts):
        click.echo("  Nothing to change.")


@feeds_cli.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def export_feeds(file: Path | None) -> None:
    """Write every feed's settings as a feeds file (to FILE, or to the screen), which `feeds
    import` reads back as the same settings."""
    text = transfer.export_feeds()
    if file is None:
        click.echo(text, nl=False)
        return
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as error:
        problem = error.strerror or error
        raise click.ClickException(f"{file} cannot be written ({problem}).") from None
    count = db.session.scalar(select(func.count(Feed.id))) or 0
    click.echo(f"Wrote {plural(count, 'feed')} to {file}.")


@feeds_cli.command("refresh")
@click.option("--all", "everything", is_flag=True, help="Refresh every feed, even if not due.")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True)
def refresh_feeds(everything: bool, workers: int) -> None:
    """Fetch the feeds that are due, several at once, and print a summary."""
    now = utcnow()
    jobs = refresh.due_jobs(now, include_not_due=everything)
    if sys.stdout.isatty():
        with click.progressbar(length=len(jobs), label="Refreshing feeds") as bar:
            summary = feed_jobs.refresh_jobs(
                jobs, now, workers=workers, progress=lambda _outcome: bar.update(1)
            )
    else:
        summary = feed_jobs.refresh_jobs(jobs, now, workers=workers)
    click.echo(summary.line())
    for outcome in summary.outcomes:
        if outcome.status == refresh.Status.FAILED:
            click.echo(f"  {outcome.name}: {outcome.error}")


@feeds_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Every stored entry as JSON, for audit.")
@click.option("--feed", "feed_name", default=None, help="Only this feed's entries.")
def list_entries(as_json: bool, feed_name: str | None) -> None:
    """The stored entries, newest first (with --json: feed, title, link, published, HTML)."""
    query = select(FeedEntry, Feed.name).join(Feed, FeedEntry.feed_id == Feed.id)
    if feed_name is not None:
        query = query.where(Feed.name == feed_name)
    rows = db.session.execute(
        query.order_by(FeedEntry.published_at.desc(), FeedEntry.id.desc())
    ).all()
    if as_json:
        click.echo(json.dumps([_as_dict(entry, name) for entry, name in rows], indent=2))
        return
    for entry, name in rows:
        click.echo(f"{entry.published_at:%Y-%m-%d %H:%M}  {name}: {entry.title}")
    click.echo(f"{plural(len(rows), 'entry', 'entries')}.")


def _as_dict(entry: FeedEntry, feed_name: str) -> dict:
    return {
        "feed": feed_name,
        "title": entry.title,
        "link": entry.link,
        "published": entry.published_at.isoformat(),
        "updated": entry.updated_at.isoformat() if entry.updated_at else None,
        "author": entry.author,
        "summary_html": entry.summary_html,
        "content_html": entry.content_html,
        "hidden": entry.hidden,
        "pinned": entry.pinned,
    }


@feeds_cli.command("status")
def feed_status() -> None:
    """Each feed's state: last success, last error, error count, next check."""
    for feed in db.session.scalars(select(Feed).order_by(Feed.name)):
        state = "on" if feed.enabled else "off"
        click.echo(f"{feed.name} [{state}] {feed.url}")
        click.echo(
            f"  last success: {_when(feed.last_success_at)}; errors in a row: "
            f"{feed.error_count}; next check: {_when(feed.next_check_at)}"
        )
        if feed.last_error:
            click.echo(f"  last error ({_when(feed.last_error_at)}): {feed.last_error}")


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


@feeds_cli.command("load-samples")
def load_sample_feeds() -> None:
    """Store the bundled sample feeds' entries (no network), as the demo does."""
    reports = load_samples(utcnow())
    db.session.commit()
    for name, report in reports.items():
        click.echo(f"{name}: {report.new} new, {report.updated} updated")
