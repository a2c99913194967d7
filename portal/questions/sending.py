"""The request side of sending a message, shared by the candidate's and the recruiter's pages."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template
from flask_login import current_user

from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ConfirmForm
from portal.mail import notifications
from portal.people.models import User
from portal.questions import threads as questions
from portal.questions.forms import MessageForm


def send_from_form(candidate: User, form: MessageForm) -> questions.Posted | None:
    """Post the form's message in the candidate's thread, commit, then mail the other side.

    None when it cannot be posted: the reason is then beside the form's field.
    """
    if not form.validate_on_submit():
        return None
    try:
        posted = questions.post(candidate, current_user, form.body.data, form.client_key.data)
    except questions.QuestionError as error:
        db.session.rollback()
        form.body.errors.append(str(error))
        return None
    db.session.commit()
    if posted.created:
        notifications.deliver(posted.email_ids)
    return posted


def render_thread(template: str, candidate: User, form: MessageForm, status: int, **context):
    """A thread page for the signed-in reader, then their read mark moved to its last message.

    The mark is committed after rendering, so nothing the page shows has been expired by it.
    """
    messages = questions.thread(candidate)
    last_read = questions.last_read_id(candidate, current_user)
    questions.mark_thread_read(candidate, current_user, messages)
    state = questions.thread_state(candidate, current_user)
    hours = current_app.config["RESPONSE_PROMISE_HOURS"]
    now = clock.now()
    page = render_template(
        template,
        candidate=candidate,
        messages=messages,
        last_read=last_read,
        answer_due=state.answer_due(timedelta(hours=hours)),
        overdue=state.is_overdue(timedelta(hours=hours), now),
        promise_hours=hours,
        now=now,
        form=form,
        confirm=ConfirmForm(),
        **context,
    )
    db.session.commit()
    return page, status
