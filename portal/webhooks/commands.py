"""`flask --app portal webhooks ...`: delivering the webhook outbox."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal.core.extensions import db
from portal.webhooks import delivery as webhook_delivery

webhooks_cli = AppGroup("webhooks", help="Signed webhook deliveries from the outbox.")


@webhooks_cli.command("deliver")
@click.option(
    "--every",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Keep running, sending what is due every SECONDS (for a service or container).",
)
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
    while True:
        while True:
            summary = webhook_delivery.deliver_pass(limit=limit)
            db.session.remove()
            if summary.sent or every is None:
                click.echo(summary.line())
            if summary.claimed < limit:
                break
        if every is None:
            return
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return
