"""The recruiter's inbox and the threads of their candidates, and of those they cover: as the
backup recruiter, or while the recruiter is away ("covering for" the recruiter)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.database import writes_on_get
from portal.core.i18n import _
from portal.core.pages import read_instant_cursor
from portal.people.access import candidate_or_404, recruiter_bp
from portal.people.models import User
from portal.questions import inbox as questions
from portal.questions.forms import AnswerForm
from portal.questions.thread_views import (
    close_from_form,
    insert_from_form,
    offer_saved_replies,
    refused_or,
    remove_own_message,
    render_thread,
    reopen_from_form,
    requested_page,
    send_from_form,
)
from portal.questions.waiting import promise_hours


def _my_candidate(candidate_id: int) -> User:
    """One of the recruiter's candidates, or one they are the backup of; else 404."""
    return candidate_or_404(candidate_id, recruiter=current_user, covering=True)


@recruiter_bp.get("/inbox")
def inbox() -> ResponseReturnValue:
    """The threads waiting for an answer, the longest waiting first, with the time left
    against the promise: the recruiter's own, and those they cover (50 a page)."""
    after = read_instant_cursor(request.args.get("after"))
    page = questions.inbox_page(current_user, after)
    return render_template(
        "questions/recruiter_inbox.html",
        page=page,
        first_page=after is None,
        promise_hours=promise_hours(),
        now=clock.now(),
    )


def _thread_page(
    candidate: User, form: AnswerForm, status: int = 200, before: int | None = None
) -> tuple[str, int]:
    offer_saved_replies(form)
    return render_thread("questions/recruiter_thread.html", candidate, form, status, before=before)


@recruiter_bp.get("/candidates/<int:candidate_id>/questions")
@writes_on_get("thread_reads", "thread_unread", up_front=False)
def thread(candidate_id: int) -> ResponseReturnValue:
    """One candidate's thread, marked read, with the answer form."""
    return _thread_page(_my_candidate(candidate_id), AnswerForm(), before=requested_page())


@recruiter_bp.post("/candidates/<int:candidate_id>/questions")
def answer(candidate_id: int) -> ResponseReturnValue:
    """Answer; the candidate is emailed."""
    candidate = _my_candidate(candidate_id)
    form = AnswerForm()
    posted = send_from_form(candidate, form)
    if posted is None:
        return refused_or(_thread_page(candidate, form, 422), form)
    if posted.created:
        flash(_("Your answer has been sent to %(name)s.", name=candidate.name), "success")
    return redirect(
        url_for(
            "recruiter.thread", candidate_id=candidate.id, _anchor=f"message-{posted.message_id}"
        )
    )


@recruiter_bp.post("/candidates/<int:candidate_id>/questions/insert-reply")
def insert_reply(candidate_id: int) -> ResponseReturnValue:
    """The answer form again, with a saved reply added to the text (nothing is sent)."""
    candidate = _my_candidate(candidate_id)
    form = AnswerForm()
    return _thread_page(candidate, form, insert_from_form(candidate, form))


@recruiter_bp.post("/candidates/<int:candidate_id>/questions/<int:message_id>/remove")
def remove_message(candidate_id: int, message_id: int) -> ResponseReturnValue:
    """Take back one of one's own answers."""
    candidate = _my_candidate(candidate_id)
    back = url_for("recruiter.thread", candidate_id=candidate.id)
    return remove_own_message(candidate.id, message_id, back)


@recruiter_bp.post("/candidates/<int:candidate_id>/questions/close")
def close_thread(candidate_id: int) -> ResponseReturnValue:
    """Mark the thread "no reply needed"."""
    candidate = _my_candidate(candidate_id)
    close_from_form(candidate)
    return redirect(url_for("recruiter.thread", candidate_id=candidate.id))


@recruiter_bp.post("/candidates/<int:candidate_id>/questions/reopen")
def reopen_thread(candidate_id: int) -> ResponseReturnValue:
    """Take "no reply needed" back."""
    candidate = _my_candidate(candidate_id)
    reopen_from_form(candidate)
    return redirect(url_for("recruiter.thread", candidate_id=candidate.id))
