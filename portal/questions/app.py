"""Plugs questions into the app: the threads for every audience, the FAQ and the unread badge."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from portal.mail import rechecks
from portal.questions import (
    answer_mail,
    availability_views,
    candidate_views,
    hr_views,
    note_views,
    recruiter_views,
    reply_views,
    unread,
    working_hours,
)
from portal.questions.commands import questions_cli
from portal.questions.faq_views import bp as faq_bp
from portal.questions.threads import unread_for

# Imported for the pages they add, and for the listeners that keep the unread counts.
__all__ = [
    "availability_views",
    "candidate_views",
    "hr_views",
    "note_views",
    "recruiter_views",
    "reply_views",
    "unread",
]


def unread_messages() -> int:
    """Unread messages for the signed-in person, computed once per request."""
    if not (current_user and current_user.is_authenticated):
        return 0
    if "unread_messages" not in g:
        g.unread_messages = unread_for(current_user)
    return g.unread_messages


def init_app(app: Flask) -> None:
    # The working week of anyone who has not set theirs: read once, a mistake stops the start.
    app.extensions["working_hours_default"] = working_hours.read_default(app.config)
    app.register_blueprint(faq_bp, url_prefix="/faq")
    app.cli.add_command(questions_cli)
    app.jinja_env.globals["unread_messages"] = unread_messages
    # An answer email is decided again when it is sent: answers read meanwhile are left out.
    rechecks.register(answer_mail.KIND, answer_mail.recheck, app)
