"""`flask --app portal mail send`: deliver the queue by hand or as a simple service."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal.core.extensions import db
from portal.mail import notifications

mail_cli = AppGroup("mail", help="The outgoing mail queue.")


@mail_cli.command("send")
@click.option(
    "--every",
    type=click.IntRange(min=5),
    default=None,
    metavar="SECONDS",
    help="Keep running, sending what is due every SECONDS (for a service or container).",
)
def send_mail(every: int | None) -> None:
    """Send every queued message that is due (failed ones back off and are retried)."""
    while True:
        sent = notifications.deliver()
        click.echo(f"Sent {sent} message(s).")
        db.session.remove()
        if every is None:
            return
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return
