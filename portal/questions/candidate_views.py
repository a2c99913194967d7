"""The candidate's questions to their recruiter."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core.database import writes_on_get
from portal.core.i18n import _
from portal.people.access import candidate_bp, signed_in_candidate
from portal.people.models import User
from portal.questions.forms import QuestionForm
from portal.questions.thread_views import (
    close_from_form,
    refused_or,
    remove_own_message,
    render_thread,
    reopen_from_form,
    requested_page,
    send_from_form,
)


def _page(
    candidate: User, form: QuestionForm, status: int = 200, before: int | None = None
) -> tuple[str, int]:
    profile = candidate.profile
    recruiter = profile.recruiter if profile.recruiter and profile.recruiter.is_active else None
    backup = profile.backup_recruiter  # reads the thread too: the page says so
    return render_thread(
        "questions/candidate_thread.html",
        candidate,
        form,
        status,
        before=before,
        recruiter=recruiter,
        backup=backup if backup and backup.is_active and recruiter else None,
    )


@candidate_bp.get("/questions")
@writes_on_get("thread_reads", "engagement_events", "candidate_summaries", up_front=False)
def questions_page() -> ResponseReturnValue:
    """The thread with the recruiter, newest at the bottom, and the form to ask."""
    return _page(signed_in_candidate(), QuestionForm(), before=requested_page())


@candidate_bp.post("/questions")
def ask() -> ResponseReturnValue:
    """Ask a question; the recruiter is emailed."""
    candidate = signed_in_candidate()
    form = QuestionForm()
    posted = send_from_form(candidate, form)
    if posted is None:
        return refused_or(_page(candidate, form, 422), form)
    if posted.created:
        flash(_("Your question has been sent."), "success")
    return redirect(url_for("candidate.questions_page", _anchor=f"message-{posted.message_id}"))


@candidate_bp.post("/questions/<int:message_id>/remove")
def remove_message(message_id: int) -> ResponseReturnValue:
    """Take back one of one's own messages."""
    return remove_own_message(current_user.id, message_id, url_for("candidate.questions_page"))


@candidate_bp.post("/questions/close")
def close_thread() -> ResponseReturnValue:
    """Say that nothing one wrote needs a reply ("never mind, I found it")."""
    close_from_form(signed_in_candidate())
    return redirect(url_for("candidate.questions_page", _anchor="thread-heading"))


@candidate_bp.post("/questions/reopen")
def reopen_thread() -> ResponseReturnValue:
    """Take "no reply needed" back: one's messages wait for an answer again."""
    reopen_from_form(signed_in_candidate())
    return redirect(url_for("candidate.questions_page", _anchor="thread-heading"))
