"""`flask --app portal demo load`: the demo people, conversations and news, loaded once."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.core.extensions import db
from portal.demo import load as demo
from portal.mail import jobs as mail_jobs

demo_cli = AppGroup("demo", help="Demo data for trying the portal by hand.")


@demo_cli.command("load")
def load_demo() -> None:
    """Load the demo people once, then print how to sign in as each role."""
    if demo.is_loaded():
        click.echo("Demo data is already loaded.")
    else:
        invitations = demo.load()
        db.session.commit()
        mail_jobs.deliver(invitations)
        click.echo("Demo data loaded.")
    click.echo(f"\nSign in at {current_app.config['BASE_URL']} with password: {demo.DEMO_PASSWORD}")
    for role, email in demo.sign_ins():
        click.echo(f"  {role:<30} {email}")
    click.echo(
        "  Invited, not yet signed up:    sofia@example.com — open her invitation from "
        "the development mailbox (/dev/mailbox)"
    )
