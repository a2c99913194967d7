"""HR reads every candidate's thread and can hand it to another recruiter."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from portal.accounts import operations as accounts
from portal.accounts.hr_forms import NO_RECRUITER
from portal.core.extensions import db
from portal.people import directory as people
from portal.people.access import hr_bp
from portal.questions import threads as questions


class ReassignForm(FlaskForm):
    recruiter_id = SelectField("Recruiter", coerce=int, validate_choice=True)

    def __init__(self, *args, recruiters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.recruiter_id.choices = [SelectChoice(NO_RECRUITER, "Not assigned")] + [
            SelectChoice(recruiter.id, recruiter.name) for recruiter in recruiters
        ]


def _candidate_or_404(user_id: int):
    candidate = people.person(user_id)
    if candidate is None or candidate.candidate_profile is None:
        abort(404)
    return candidate


def _page(candidate, form: ReassignForm, status: int = 200):
    promise = timedelta(hours=current_app.config["RESPONSE_PROMISE_HOURS"])
    state = questions.thread_state(candidate, current_user)
    return render_template(
        "questions/hr_thread.html",
        candidate=candidate,
        messages=questions.thread(candidate),
        answer_due=state.answer_due(promise),
        form=form,
    ), status


@hr_bp.get("/people/<int:user_id>/questions")
def thread(user_id: int):
    """A candidate's thread, read-only (reading it marks nothing read for the recruiter)."""
    candidate = _candidate_or_404(user_id)
    form = ReassignForm(
        recruiters=people.active_recruiters(),
        data={"recruiter_id": candidate.candidate_profile.recruiter_id or NO_RECRUITER},
    )
    return _page(candidate, form)


@hr_bp.post("/people/<int:user_id>/recruiter")
def reassign(user_id: int):
    """Hand the candidate (and their thread) to another recruiter."""
    candidate = _candidate_or_404(user_id)
    form = ReassignForm(recruiters=people.active_recruiters())
    if not form.validate_on_submit():
        return _page(candidate, form, 422)
    try:
        changed = accounts.assign_recruiter(
            candidate, form.recruiter_id.data or None, actor=current_user
        )
    except accounts.AccountError as error:
        db.session.rollback()
        form.recruiter_id.errors.append(error.message)
        return _page(candidate, form, 422)
    db.session.commit()
    if changed:
        recruiter = candidate.candidate_profile.recruiter
        flash(
            f"{candidate.name}'s questions now go to {recruiter.name}."
            if recruiter
            else f"{candidate.name} has no recruiter now.",
            "success",
        )
    return redirect(url_for("hr.thread", user_id=candidate.id))
