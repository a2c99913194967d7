"""`flask --app portal webhooks ...`: delivering the webhook outbox."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.cli import every_option, run_repeatedly
from portal.core.extensions import db
from portal.webhooks import delivery as webhook_delivery
from portal.webhooks import jobs as webhook_jobs

webhooks_cli = AppGroup("webhooks", help="Signed webhook deliveries from the outbox.")


@webhooks_cli.command("deliver")
@every_option(minimum=0.1)
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Messages taken per pass (a full pass is followed by another at once).",
)
def deliver(every: float | None, limit: int) -> None:
    """Send the webhook messages that are due; failures are retried later with back-off."""
    try:
        webhook_delivery.settings()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None

    def deliver_all_due() -> None:
        while True:  # a full pass is followed by another at once
            summary = webhook_jobs.deliver_pass(limit=limit)
            db.session.remove()
            if summary.sent or every is None:
                click.echo(summary.line())
            if summary.claimed < limit:
                return

    run_repeatedly(every, deliver_all_due)
