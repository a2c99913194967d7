"""The candidate's questions to their recruiter."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.core.forms import ConfirmForm
from portal.people import directory as people
from portal.people.access import candidate_bp
from portal.questions import threads as questions
from portal.questions.forms import QuestionForm
from portal.questions.models import Message
from portal.questions.sending import render_thread, send_from_form


def _me():
    candidate = people.person(current_user.id)
    if candidate is None or candidate.candidate_profile is None:
        abort(404)
    return candidate


def _page(candidate, form: QuestionForm, status: int = 200):
    questions.record_answers_read(candidate)  # the page marks them read (render_thread)
    profile = candidate.candidate_profile
    recruiter = profile.recruiter if profile.recruiter and profile.recruiter.is_active else None
    return render_thread(
        "questions/candidate_thread.html", candidate, form, status, recruiter=recruiter
    )


@candidate_bp.get("/questions")
@writes_on_get("thread_reads", "engagement_events")
def questions_page():
    """The thread with the recruiter, newest at the bottom, and the form to ask."""
    return _page(_me(), QuestionForm())


@candidate_bp.post("/questions")
def ask():
    """Ask a question; the recruiter is emailed."""
    candidate = _me()
    form = QuestionForm()
    posted = send_from_form(candidate, form)
    if posted is None:
        return _page(candidate, form, 422)
    if posted.created:
        flash("Your question has been sent.", "success")
    return redirect(url_for("candidate.questions_page", _anchor=f"message-{posted.message.id}"))


@candidate_bp.post("/questions/<int:message_id>/remove")
def remove_message(message_id: int):
    """Take back one of one's own messages."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    message = db.session.get(Message, message_id)
    if message is None or message.candidate_id != current_user.id:
        abort(404)
    try:
        questions.remove(message, current_user)
    except questions.QuestionError:
        abort(404)
    db.session.commit()
    flash("Your message has been removed.", "info")
    return redirect(url_for("candidate.questions_page"))
