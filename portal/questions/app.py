"""Plugs questions into the app: the threads for every audience, the FAQ and the unread badge."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from portal.mail import rechecks
from portal.questions import answer_mail, candidate_views, hr_views, recruiter_views
from portal.questions.faq_views import bp as faq_bp
from portal.questions.threads import unread_for

__all__ = ["candidate_views", "hr_views", "recruiter_views"]  # imported for the pages they add


def unread_messages() -> int:
    """Unread messages for the signed-in person, computed once per request."""
    if not (current_user and current_user.is_authenticated):
        return 0
    if "unread_messages" not in g:
        g.unread_messages = unread_for(current_user)
    return g.unread_messages


def init_app(app: Flask) -> None:
    app.register_blueprint(faq_bp, url_prefix="/faq")
    app.jinja_env.globals["unread_messages"] = unread_messages
    # An answer email is decided again when it is sent: answers read meanwhile are left out.
    rechecks.register(answer_mail.KIND, answer_mail.recheck, app)
