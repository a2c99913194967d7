"""Plugs webhooks into the app: HR's endpoint pages and the delivery command."""

from __future__ import annotations

from flask import Flask

from portal.webhooks import hr_views
from portal.webhooks.commands import webhooks_cli
from portal.webhooks.endpoints import reason_words

__all__ = ["hr_views"]  # imported for the pages it adds to the HR blueprint


def init_app(app: Flask) -> None:
    app.cli.add_command(webhooks_cli)
    # Why an endpoint is disabled, in the reader's language when the portal wrote it.
    app.add_template_filter(reason_words, "webhook_reason")
