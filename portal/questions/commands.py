"""`flask --app portal questions rebuild-unread`: recount every thread's unread messages."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.extensions import db
from portal.questions import unread

questions_cli = AppGroup("questions", help="Candidates' question threads.")


@questions_cli.command("rebuild-unread")
def rebuild_unread() -> None:
    """Recount, for every thread, the messages its recruiter and backup recruiter have not read
    (the menu badge reads them; after a restore, or SQL run by hand on messages or read marks)."""
    unread.rebuild()
    db.session.commit()
    click.echo("Recounted the unread messages of every thread.")
