"""HR's timeline pages: the template every candidate gets, and one candidate's version of it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, require_confirmation
from portal.people.access import candidate_or_404, hr_bp
from portal.people.models import User
from portal.timeline import joining, milestones, workdays
from portal.timeline.forms import MilestoneForm
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import CandidateMilestone, MilestoneTemplate


def _template_or_404(template_id: int) -> MilestoneTemplate:
    found = milestones.template(template_id)
    if found is None:
        abort(404)
    return found


def _own_or_404(candidate: User, milestone_id: int) -> CandidateMilestone:
    found = milestones.own_milestone(candidate, milestone_id)
    if found is None:
        abort(404)
    return found


def _form_page(
    form: MilestoneForm,
    save: Callable[[MilestoneFields], object],
    *,
    done: str,
    back: str,
    **page: object,
) -> ResponseReturnValue:
    """Shared by every milestone form: validate, save, commit, then back to the list."""
    if form.validate_on_submit():
        try:
            result = save(form.values())
        except milestones.TimelineError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            if result == {}:
                flash("Nothing changed.", "info")
            else:
                flash(done, "success")
            return redirect(back)
    status = 422 if form.is_submitted() else 200
    return render_template("timeline/hr_template_form.html", form=form, back=back, **page), status


# --- The template ------------------------------------------------------------------------------


@hr_bp.get("/timeline")
def milestone_templates() -> ResponseReturnValue:
    """The milestones every candidate gets, in order."""
    return render_template(
        "timeline/hr_templates.html",
        templates=milestones.templates(),
        when_text=milestones.when_text,
        confirm=ConfirmForm(),
    )


@hr_bp.route("/timeline/new", methods=["GET", "POST"])
def new_milestone_template() -> ResponseReturnValue:
    """Add a milestone to every candidate's timeline."""
    return _form_page(
        MilestoneForm(),
        lambda values: milestones.create_template(current_user, values),
        done="Milestone added. Every candidate sees it on their timeline.",
        back=url_for("hr.milestone_templates"),
        heading="Add a milestone",
        submit="Add milestone",
    )


@hr_bp.route("/timeline/<int:template_id>/edit", methods=["GET", "POST"])
def edit_milestone_template(template_id: int) -> ResponseReturnValue:
    """Change a template milestone for every candidate (except where changed for one)."""
    found = _template_or_404(template_id)
    form = MilestoneForm(data=MilestoneForm.initial(MilestoneFields.of(found)))
    return _form_page(
        form,
        lambda values: milestones.update_template(current_user, found, values),
        done="Milestone saved.",
        back=url_for("hr.milestone_templates"),
        heading=f"Edit “{found.title}”",
        submit="Save changes",
        note="Candidates with their own version of a field keep it; everyone else sees this.",
    )


@hr_bp.post("/timeline/<int:template_id>/delete")
def delete_milestone_template(template_id: int) -> ResponseReturnValue:
    """Remove a milestone from every candidate's timeline."""
    require_confirmation()
    found = _template_or_404(template_id)
    title = found.title
    asking = ask_first(
        f"Delete “{title}” from the timeline?",
        detail="It disappears from every candidate's timeline, including the changes made to "
        "it for one candidate.",
        button="Yes, delete it",
        cancel=url_for("hr.milestone_templates"),
    )
    if asking is not None:
        return asking
    milestones.delete_template(current_user, found)
    db.session.commit()
    flash(f"“{title}” deleted. No candidate sees it any more.", "success")
    return redirect(url_for("hr.milestone_templates"))


# --- One candidate -----------------------------------------------------------------------------


def _timeline_url(candidate: User) -> str:
    return url_for("hr.candidate_timeline", user_id=candidate.id)


@hr_bp.get("/people/<int:user_id>/timeline")
def candidate_timeline(user_id: int) -> ResponseReturnValue:
    """One candidate's timeline as they see it, with the hidden milestones HR can bring back."""
    candidate = candidate_or_404(user_id)
    return render_template(
        "timeline/hr_candidate.html",
        person=candidate,
        joins_at=joining.candidate_joining(candidate.profile),
        items=milestones.candidate_timeline(candidate, clock.now(), include_hidden=True),
        working_calendar=workdays.calendar_for(candidate.profile.location),
        confirm=ConfirmForm(),
    )


@hr_bp.route("/people/<int:user_id>/timeline/new", methods=["GET", "POST"])
def new_candidate_milestone(user_id: int) -> ResponseReturnValue:
    """Add a milestone for this candidate only."""
    candidate = candidate_or_404(user_id)
    return _form_page(
        MilestoneForm(),
        lambda values: milestones.add_own(current_user, candidate, values),
        done=f"Milestone added for {candidate.name}.",
        back=_timeline_url(candidate),
        heading=f"Add a milestone for {candidate.name}",
        submit="Add milestone",
        person=candidate,
    )


@hr_bp.route("/people/<int:user_id>/timeline/<int:milestone_id>/edit", methods=["GET", "POST"])
def edit_candidate_milestone(user_id: int, milestone_id: int) -> ResponseReturnValue:
    """Change a milestone of this candidate's own."""
    candidate = candidate_or_404(user_id)
    found = _own_or_404(candidate, milestone_id)
    form = MilestoneForm(data=MilestoneForm.initial(MilestoneFields.of(found)))
    return _form_page(
        form,
        lambda values: milestones.update_own(current_user, candidate, found, values),
        done="Milestone saved.",
        back=_timeline_url(candidate),
        heading=f"Edit “{found.title}” for {candidate.name}",
        submit="Save changes",
        person=candidate,
    )


@hr_bp.post("/people/<int:user_id>/timeline/<int:milestone_id>/delete")
def delete_candidate_milestone(user_id: int, milestone_id: int) -> ResponseReturnValue:
    """Remove a milestone of this candidate's own."""
    require_confirmation()
    candidate = candidate_or_404(user_id)
    found = _own_or_404(candidate, milestone_id)
    title = found.title
    asking = ask_first(
        f"Delete “{title}” from {candidate.name}'s timeline?",
        detail="It was only on this candidate's timeline; deleting it cannot be undone.",
        button="Yes, delete it",
        cancel=_timeline_url(candidate),
    )
    if asking is not None:
        return asking
    milestones.delete_own(current_user, candidate, found)
    db.session.commit()
    flash(f"“{title}” deleted from {candidate.name}'s timeline.", "success")
    return redirect(_timeline_url(candidate))


@hr_bp.route(
    "/people/<int:user_id>/timeline/template/<int:template_id>/edit", methods=["GET", "POST"]
)
def change_template_milestone(user_id: int, template_id: int) -> ResponseReturnValue:
    """Change a template milestone for this candidate only."""
    candidate = candidate_or_404(user_id)
    found = _template_or_404(template_id)
    current = milestones.version_of(candidate, found) or found
    form = MilestoneForm(data=MilestoneForm.initial(MilestoneFields.of(current)))
    return _form_page(
        form,
        lambda values: milestones.change_for_candidate(current_user, candidate, found, values),
        done=f"Saved for {candidate.name} only.",
        back=_timeline_url(candidate),
        heading=f"Edit “{found.title}” for {candidate.name}",
        submit=f"Save for {candidate.name}",
        note=f"Only {candidate.name} sees this change. The template stays as it is.",
        person=candidate,
    )


def _template_action(
    user_id: int,
    template_id: int,
    action: Callable[[User, User, MilestoneTemplate], bool],
    said: str,
    unchanged: str,
) -> ResponseReturnValue:
    require_confirmation()
    candidate = candidate_or_404(user_id)
    found = _template_or_404(template_id)
    changed = action(current_user, candidate, found)
    db.session.commit()
    message = (said if changed else unchanged).format(title=found.title, name=candidate.name)
    flash(message, "success" if changed else "info")
    return redirect(_timeline_url(candidate))


@hr_bp.post("/people/<int:user_id>/timeline/template/<int:template_id>/hide")
def hide_template_milestone(user_id: int, template_id: int) -> ResponseReturnValue:
    """Drop a template milestone from this candidate's timeline."""
    return _template_action(
        user_id,
        template_id,
        milestones.hide,
        "“{title}” is hidden from {name}.",
        "“{title}” was already hidden.",
    )


@hr_bp.post("/people/<int:user_id>/timeline/template/<int:template_id>/show")
def show_template_milestone(user_id: int, template_id: int) -> ResponseReturnValue:
    """Bring a hidden template milestone back to this candidate's timeline."""
    return _template_action(
        user_id,
        template_id,
        milestones.show,
        "{name} sees “{title}” again.",
        "“{title}” was not hidden.",
    )


@hr_bp.post("/people/<int:user_id>/timeline/template/<int:template_id>/reset")
def reset_template_milestone(user_id: int, template_id: int) -> ResponseReturnValue:
    """Forget this candidate's version of a template milestone: the template applies again."""
    return _template_action(
        user_id,
        template_id,
        milestones.reset,
        "“{title}” is back to the template for {name}.",
        "“{title}” already follows the template.",
    )
