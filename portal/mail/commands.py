"""`flask --app portal mail send`: deliver the queue by hand or as a simple service."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.cli import every_option, run_repeatedly
from portal.mail import jobs

mail_cli = AppGroup("mail", help="The outgoing mail queue.")


@mail_cli.command("send")
@every_option(minimum=5)
def send_mail(every: float | None) -> None:
    """Send every queued message that is due (failed ones back off and are retried)."""

    def send() -> None:
        click.echo(f"Sent {jobs.deliver()} message(s).")

    run_repeatedly(every, send)
