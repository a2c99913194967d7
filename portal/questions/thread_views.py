"""The thread page's request side, shared by the candidate's and the recruiter's views: post the
form's message and render the thread. View code (it reads the request and commits), so it sits
with the views; the rules of a thread are in `threads`."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock, rate_limits
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, add_error, filled, require_confirmation
from portal.mail import jobs as mail_jobs
from portal.people.models import Role, User
from portal.questions import threads as questions
from portal.questions.forms import MessageForm
from portal.questions.models import Message
from portal.questions.waiting import promise_hours, response_promise


def send_from_form(candidate: User, form: MessageForm) -> questions.Posted | None:
    """Post the form's message in the candidate's thread, commit, then mail the other side.

    None when it cannot be posted: the reason is then beside the form's field.
    """
    if not form.validate_on_submit():
        return None
    wait = _message_wait()
    if wait:
        form.wait = wait
        add_error(
            form.body,
            f"You have sent several messages in a row. {rate_limits.retry_message(wait)} "
            "Your text is kept below.",
        )
        return None
    try:
        body = filled(form.body.data)  # the form's rules turned None and blanks away
        posted = questions.post(candidate, current_user, body, form.client_key.data)
    except questions.QuestionError as error:
        db.session.rollback()
        add_error(form.body, str(error))
        return None
    db.session.commit()
    if posted.created:
        mail_jobs.deliver(posted.email_ids)
    return posted


def _message_wait() -> int:
    """Seconds before the signed-in person may post another message (each one emails someone):
    QUESTION_LIMITS for candidates, ANSWER_LIMITS for staff. 0 counts this one."""
    config = current_app.config
    limits = config["QUESTION_LIMITS" if current_user.role == Role.CANDIDATE else "ANSWER_LIMITS"]
    return rate_limits.attempt(limits, f"messages:user:{current_user.id}")


def refused_or(page: tuple[str, int], form: MessageForm) -> ResponseReturnValue:
    """The page re-rendered after a refused post: 429 with Retry-After when it was one too
    many, else as given (a form error)."""
    if form.wait:
        return page[0], 429, {"Retry-After": str(form.wait)}
    return page


def render_thread(
    template: str, candidate: User, form: MessageForm, status: int, **context: object
) -> tuple[str, int]:
    """A thread page for the signed-in reader, then their read mark moved to its last message
    (and, for the candidate, answers noted as read).

    The page is read in a plain transaction and rendered first; only a visit with something
    new writes, in a short transaction of its own after the rendering, so no write lock is
    held while the page is built, and the usual visit writes nothing.
    """
    messages = questions.thread(candidate)
    last_read = questions.last_read_id(candidate, current_user)
    due = questions.reading_due(candidate, current_user, messages, last_read)
    state = questions.thread_state(candidate, current_user)
    promise = response_promise()
    now = clock.now()
    page = render_template(
        template,
        candidate=candidate,
        messages=messages,
        last_read=last_read,
        answer_due=state.answer_due(promise),
        overdue=state.is_overdue(promise, now),
        promise_hours=promise_hours(),
        now=now,
        form=form,
        confirm=ConfirmForm(),
        **context,
    )
    if due is not None:
        db.session.rollback()  # end the reading transaction: the write takes the lock only now
        questions.record_reading(due)
        db.session.commit()
    return page, status


def remove_own_message(candidate_id: int, message_id: int) -> None:
    """Take back one of the signed-in person's own messages in `candidate_id`'s thread, commit
    and say so; 404 for anything else (someone else's message, another thread, gone already)."""
    require_confirmation()
    message = db.session.get(Message, message_id)
    if message is None or message.candidate_id != candidate_id:
        abort(404)
    try:
        questions.remove(message, current_user)
    except questions.QuestionError:
        abort(404)
    db.session.commit()
    flash("Your message has been removed.", "info")
