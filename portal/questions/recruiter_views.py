"""The recruiter's inbox and the threads of their candidates."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.core import clock
from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.core.forms import ConfirmForm
from portal.people import directory as people
from portal.people.access import recruiter_bp
from portal.questions import threads as questions
from portal.questions.forms import AnswerForm
from portal.questions.models import Message
from portal.questions.sending import render_thread, send_from_form


def _promise() -> timedelta:
    return timedelta(hours=current_app.config["RESPONSE_PROMISE_HOURS"])


def _my_candidate(candidate_id: int):
    candidate = people.candidate_of_recruiter(current_user, candidate_id)
    if candidate is None:
        abort(404)
    return candidate


@recruiter_bp.get("/inbox")
def inbox():
    """Every assigned candidate's thread: waiting longest first, then most recent."""
    states = questions.thread_states(current_user, recruiter=current_user)
    return render_template(
        "questions/recruiter_inbox.html",
        states=states,
        promise=_promise(),
        promise_hours=current_app.config["RESPONSE_PROMISE_HOURS"],
        now=clock.now(),
    )


def _thread_page(candidate, form: AnswerForm, status: int = 200):
    return render_thread("questions/recruiter_thread.html", candidate, form, status)


@recruiter_bp.get("/candidates/<int:candidate_id>/questions")
@writes_on_get("thread_reads")
def thread(candidate_id: int):
    """One candidate's thread, marked read, with the answer form."""
    return _thread_page(_my_candidate(candidate_id), AnswerForm())


@recruiter_bp.post("/candidates/<int:candidate_id>/questions")
def answer(candidate_id: int):
    """Answer; the candidate is emailed."""
    candidate = _my_candidate(candidate_id)
    form = AnswerForm()
    posted = send_from_form(candidate, form)
    if posted is None:
        return _thread_page(candidate, form, 422)
    if posted.created:
        flash(f"Your answer has been sent to {candidate.name}.", "success")
    return redirect(
        url_for(
            "recruiter.thread", candidate_id=candidate.id, _anchor=f"message-{posted.message.id}"
        )
    )


@recruiter_bp.post("/candidates/<int:candidate_id>/questions/<int:message_id>/remove")
def remove_message(candidate_id: int, message_id: int):
    """Take back one of one's own answers."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    candidate = _my_candidate(candidate_id)
    message = db.session.get(Message, message_id)
    if message is None or message.candidate_id != candidate.id:
        abort(404)
    try:
        questions.remove(message, current_user)
    except questions.QuestionError:
        abort(404)
    db.session.commit()
    flash("Your message has been removed.", "info")
    return redirect(url_for("recruiter.thread", candidate_id=candidate.id))
