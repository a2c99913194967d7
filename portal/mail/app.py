"""Plugs mail into the app: the candidate's email preferences, the queue command and, in
development only, the mailbox that shows what would have been sent."""

from __future__ import annotations

from flask import Flask

from portal.mail import branding, candidate_views, hr_views
from portal.mail.commands import mail_cli
from portal.mail.mailbox_views import bp as mailbox_bp

__all__ = ["candidate_views", "hr_views"]  # imported for the pages they add to the blueprints


def init_app(app: Flask) -> None:
    branding.check_config(app)
    app.cli.add_command(mail_cli)
    dev_mailbox = bool(app.config.get("DEV_MAILBOX"))
    if dev_mailbox:
        app.register_blueprint(mailbox_bp, url_prefix="/dev")

    @app.context_processor
    def _mailbox_link() -> dict:
        return {"dev_mailbox": dev_mailbox}
