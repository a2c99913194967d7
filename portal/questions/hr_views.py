"""HR reads every candidate's thread, can answer it (an overdue question while the recruiter is
away) and can hand it to another recruiter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs

from portal.accounts import operations as accounts
from portal.core.extensions import db
from portal.core.forms import NO_RECRUITER, add_error
from portal.core.i18n import _, _l
from portal.core.ids import form_id
from portal.people import directory as people
from portal.people.access import candidate_or_404, hr_bp
from portal.people.models import User
from portal.questions import thread_pages
from portal.questions.forms import AnswerForm
from portal.questions.thread_views import (
    close_from_form,
    insert_from_form,
    offer_saved_replies,
    refused_or,
    reopen_from_form,
    requested_page,
    send_from_form,
    thread_context,
)


class ReassignForm(FlaskForm):
    recruiter_id = SelectField(_l("Recruiter"), coerce=form_id, validate_choice=True)

    def __init__(self, *args: Any, recruiters: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recruiter_id.choices = [SelectChoice(NO_RECRUITER, _("Not assigned"))] + [
            SelectChoice(recruiter.id, recruiter.name) for recruiter in recruiters
        ]


def _page(
    candidate: User,
    form: ReassignForm | None = None,
    answer_form: AnswerForm | None = None,
    status: int = 200,
    before: int | None = None,
) -> tuple[str, int]:
    if form is None:
        form = ReassignForm(
            recruiters=people.active_recruiters(),
            data={"recruiter_id": candidate.profile.recruiter_id or NO_RECRUITER},
        )
    answer_form = answer_form or AnswerForm()
    offer_saved_replies(answer_form)
    return render_template(
        "questions/hr_thread.html",
        form=form,
        answer_form=answer_form,
        **thread_context(candidate, thread_pages.thread_page(candidate, before)),
    ), status


@hr_bp.get("/people/<int:user_id>/questions")
def thread(user_id: int) -> ResponseReturnValue:
    """A candidate's thread, with the form to answer (reading it marks nothing read for the
    recruiter)."""
    return _page(candidate_or_404(user_id), before=requested_page())


@hr_bp.post("/people/<int:user_id>/questions")
def answer(user_id: int) -> ResponseReturnValue:
    """Answer as HR (the recruiter is away, the question is overdue); the candidate is
    emailed, and the thread says HR answered."""
    candidate = candidate_or_404(user_id)
    form = AnswerForm()
    posted = send_from_form(candidate, form)
    if posted is None:
        return refused_or(_page(candidate, answer_form=form, status=422), form)
    if posted.created:
        flash(_("Your answer has been sent to %(name)s.", name=candidate.name), "success")
    return redirect(
        url_for("hr.thread", user_id=candidate.id, _anchor=f"message-{posted.message_id}")
    )


@hr_bp.post("/people/<int:user_id>/questions/insert-reply")
def insert_reply(user_id: int) -> ResponseReturnValue:
    """The answer form again, with a shared saved reply added to the text (nothing is sent)."""
    candidate = candidate_or_404(user_id)
    answer_form = AnswerForm()
    status = insert_from_form(candidate, answer_form)
    return _page(candidate, answer_form=answer_form, status=status)


@hr_bp.post("/people/<int:user_id>/questions/close")
def close_thread(user_id: int) -> ResponseReturnValue:
    """Mark the thread "no reply needed"."""
    candidate = candidate_or_404(user_id)
    close_from_form(candidate)
    return redirect(url_for("hr.thread", user_id=candidate.id))


@hr_bp.post("/people/<int:user_id>/questions/reopen")
def reopen_thread(user_id: int) -> ResponseReturnValue:
    """Take "no reply needed" back."""
    candidate = candidate_or_404(user_id)
    reopen_from_form(candidate)
    return redirect(url_for("hr.thread", user_id=candidate.id))


@hr_bp.post("/people/<int:user_id>/recruiter")
def reassign(user_id: int) -> ResponseReturnValue:
    """Hand the candidate (and their thread) to another recruiter."""
    candidate = candidate_or_404(user_id)
    form = ReassignForm(recruiters=people.active_recruiters())
    if not form.validate_on_submit():
        return _page(candidate, form, status=422)
    try:
        changed = accounts.assign_recruiter(
            candidate, form.recruiter_id.data or None, actor=current_user
        )
    except accounts.AccountError as error:
        db.session.rollback()
        add_error(form.recruiter_id, error.message)
        return _page(candidate, form, status=422)
    db.session.commit()
    if changed:
        recruiter = candidate.profile.recruiter
        flash(
            _(
                "%(name)s's questions now go to %(recruiter)s.",
                name=candidate.name,
                recruiter=recruiter.name,
            )
            if recruiter
            else _("%(name)s has no recruiter now.", name=candidate.name),
            "success",
        )
    return redirect(url_for("hr.thread", user_id=candidate.id))
