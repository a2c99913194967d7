"""`flask --app portal ...` commands: accounts, demo data and the mail queue."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import demo
from portal.extensions import db
from portal.feeds.commands import feeds_cli
from portal.forms import time_zone_names
from portal.models import Role
from portal.services import accounts, notifications, passwords
from portal.webhook_commands import webhooks_cli
from portal.worker import worker_command

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying the portal by hand.")
mail_cli = AppGroup("mail", help="The outgoing mail queue.")


def _read_password() -> str:
    """From a hidden prompt on a terminal, else the first line of stdin. Never from argv."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (defaults to the email's local part).")
@click.option("--time-zone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Paris.")
def create_user(role: str, email: str, name: str | None, time_zone: str) -> None:
    """Create an account with a password (read from a prompt or stdin, never the command line)."""
    if time_zone not in set(time_zone_names()):
        raise click.BadParameter(f"unknown time zone {time_zone!r}", param_hint="--time-zone")
    if role == Role.CANDIDATE:
        raise click.BadParameter(
            "candidates need joining details: invite them from the HR pages", param_hint="--role"
        )
    password = _read_password()
    problem = passwords.password_problem(password)
    if problem:
        raise click.ClickException(f"Password not accepted: {problem}")
    try:
        user = accounts.create_user(
            actor=None,
            email=email,
            name=name or email.split("@")[0],
            role=Role(role),
            time_zone=time_zone,
        )
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from error
    user.password_hash = passwords.hash_password(password)
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")


@demo_cli.command("load")
def load_demo() -> None:
    """Load the demo people once, then print how to sign in as each role."""
    if demo.is_loaded():
        click.echo("Demo data is already loaded.")
    else:
        invitations = demo.load()
        db.session.commit()
        notifications.deliver(invitations)
        click.echo("Demo data loaded.")
    click.echo(f"\nSign in at {current_app.config['BASE_URL']} with password: {demo.DEMO_PASSWORD}")
    for role, email in demo.sign_ins():
        click.echo(f"  {role:<30} {email}")
    click.echo(
        "  Invited, not yet signed up:    sofia@example.com — open her invitation from "
        "the development mailbox (/dev/mailbox)"
    )


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


def init_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(feeds_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(worker_command)
