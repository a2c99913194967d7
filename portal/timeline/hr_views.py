"""HR's timeline pages: the template every candidate gets (milestones and the tasks of their
checklist, for everyone or for one location and department), and one candidate's version."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, require_confirmation
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.people.access import candidate_or_404, hr_bp
from portal.people.models import User
from portal.timeline import joining, milestones, template_list, workdays
from portal.timeline.dates import Progress
from portal.timeline.forms import MilestoneForm, TemplateForm
from portal.timeline.milestones import MilestoneFields, Target
from portal.timeline.models import CandidateMilestone, MilestoneTemplate, TaskKind
from portal.timeline.template_list import TemplateFilter


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
                flash(_("Nothing changed."), "info")
            else:
                flash(done, "success")
            return redirect(back)
    status = 422 if form.is_submitted() else 200
    locations, departments = template_list.places() if isinstance(form, TemplateForm) else ([], [])
    return render_template(
        "timeline/hr_template_form.html",
        form=form,
        back=back,
        locations=locations,
        departments=departments,
        **page,
    ), status


# --- The template ------------------------------------------------------------------------------


def _filter_of(locations: list[str], departments: list[str]) -> TemplateFilter:
    """The list's filters from its address: values it does not know are ignored."""
    kind = request.args.get("kind", "")
    location = request.args.get("location", "")
    department = request.args.get("department", "")
    return TemplateFilter(
        kind=kind if kind in template_list.KINDS else "",
        location=location if location in locations else "",
        department=department if department in departments else "",
    )


@hr_bp.get("/timeline")
def milestone_templates() -> ResponseReturnValue:
    """The milestones and tasks candidates get, in timeline order, 50 a page; narrowed to a
    kind and to what reaches a location's or a department's candidates."""
    locations, departments = template_list.places()
    wanted = _filter_of(locations, departments)
    after = request.args.get("after", type=query_id)
    found = template_list.templates_page(wanted, after)
    return render_template(
        "timeline/hr_templates.html",
        templates=found.rows,
        next_after=found.next_after,
        first_page=after is None,
        wanted=wanted,
        filters=wanted.query(),
        locations=locations,
        departments=departments,
        page_size=template_list.PAGE_SIZE,
        when_text=milestones.when_text,
        confirm=ConfirmForm(),
    )


def _template_added(kind: str | None, target: Target) -> str:
    """What HR is told once a template milestone or task is added: who sees it."""
    if target.location and target.department:
        return _(
            "Added. Candidates joining at %(location)s in %(department)s see it.",
            location=target.location,
            department=target.department,
        )
    if target.location:
        return _("Added. Candidates joining at %(location)s see it.", location=target.location)
    if target.department:
        return _("Added. Candidates in %(department)s see it.", department=target.department)
    if kind is not None and kind in TaskKind._value2member_map_ and TaskKind(kind).is_task:
        return _("Task added. Every candidate sees it on their checklist.")
    return _("Milestone added. Every candidate sees it on their timeline.")


@hr_bp.route("/timeline/new", methods=["GET", "POST"])
def new_milestone_template() -> ResponseReturnValue:
    """Add a milestone or a task to the timeline of every candidate (or of one location's and
    one department's)."""
    form = TemplateForm()
    return _form_page(
        form,
        lambda values: milestones.create_template(current_user, values, form.target()),
        done=_template_added(form.kind.data, form.target()),
        back=url_for("hr.milestone_templates"),
        heading=_("Add a milestone or a task"),
        submit=_("Add it"),
    )


@hr_bp.route("/timeline/<int:template_id>/edit", methods=["GET", "POST"])
def edit_milestone_template(template_id: int) -> ResponseReturnValue:
    """Change a template milestone for every candidate (except where changed for one)."""
    found = _template_or_404(template_id)
    form = TemplateForm(data=TemplateForm.initial_with(MilestoneFields.of(found), Target.of(found)))
    return _form_page(
        form,
        lambda values: milestones.update_template(current_user, found, values, form.target()),
        done=_("Milestone saved."),
        back=url_for("hr.milestone_templates"),
        heading=_("Edit “%(title)s”", title=found.title),
        submit=_("Save changes"),
        note=_("Candidates with their own version of a field keep it; everyone else sees this."),
    )


@hr_bp.post("/timeline/<int:template_id>/delete")
def delete_milestone_template(template_id: int) -> ResponseReturnValue:
    """Remove a milestone from every candidate's timeline."""
    require_confirmation()
    found = _template_or_404(template_id)
    title = found.title
    asking = ask_first(
        _("Delete “%(title)s” from the timeline?", title=title),
        detail=_(
            "It disappears from every candidate's timeline, including the changes made to it "
            "for one candidate, whether they ticked it off, and the documents they uploaded "
            "for it."
        ),
        button=_("Yes, delete it"),
        cancel=url_for("hr.milestone_templates"),
    )
    if asking is not None:
        return asking
    milestones.delete_template(current_user, found)
    db.session.commit()
    flash(_("“%(title)s” deleted. No candidate sees it any more.", title=title), "success")
    return redirect(url_for("hr.milestone_templates"))


# --- One candidate -----------------------------------------------------------------------------


def _timeline_url(candidate: User) -> str:
    return url_for("hr.candidate_timeline", user_id=candidate.id)


@hr_bp.get("/people/<int:user_id>/timeline")
def candidate_timeline(user_id: int) -> ResponseReturnValue:
    """One candidate's timeline as they see it, with the hidden milestones HR can bring back
    and how far they are through their checklist."""
    candidate = candidate_or_404(user_id)
    items = milestones.candidate_timeline(candidate, clock.now(), include_hidden=True)
    return render_template(
        "timeline/hr_candidate.html",
        person=candidate,
        joins_at=joining.candidate_joining(candidate.profile),
        items=items,
        progress=Progress.of(item for item in items if not item.hidden),
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
        done=_("Milestone added for %(name)s.", name=candidate.name),
        back=_timeline_url(candidate),
        heading=_("Add a milestone or a task for %(name)s", name=candidate.name),
        submit=_("Add it"),
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
        done=_("Milestone saved."),
        back=_timeline_url(candidate),
        heading=_("Edit “%(title)s” for %(name)s", title=found.title, name=candidate.name),
        submit=_("Save changes"),
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
        _("Delete “%(title)s” from %(name)s's timeline?", title=title, name=candidate.name),
        detail=_(
            "It was only on this candidate's timeline; deleting it, with whether they ticked it "
            "off and any document they uploaded for it, cannot be undone."
        ),
        button=_("Yes, delete it"),
        cancel=_timeline_url(candidate),
    )
    if asking is not None:
        return asking
    milestones.delete_own(current_user, candidate, found)
    db.session.commit()
    flash(
        _("“%(title)s” deleted from %(name)s's timeline.", title=title, name=candidate.name),
        "success",
    )
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
        done=_("Saved for %(name)s only.", name=candidate.name),
        back=_timeline_url(candidate),
        heading=_("Edit “%(title)s” for %(name)s", title=found.title, name=candidate.name),
        submit=_("Save for %(name)s", name=candidate.name),
        note=_("Only %(name)s sees this change. The template stays as it is.", name=candidate.name),
        person=candidate,
    )


def _template_action(
    user_id: int,
    template_id: int,
    action: Callable[[User, User, MilestoneTemplate], bool],
    said: Callable[[str, str], str],
    unchanged: Callable[[str], str],
) -> ResponseReturnValue:
    require_confirmation()
    candidate = candidate_or_404(user_id)
    found = _template_or_404(template_id)
    changed = action(current_user, candidate, found)
    db.session.commit()
    message = said(found.title, candidate.name) if changed else unchanged(found.title)
    flash(message, "success" if changed else "info")
    return redirect(_timeline_url(candidate))


@hr_bp.post("/people/<int:user_id>/timeline/template/<int:template_id>/hide")
def hide_template_milestone(user_id: int, template_id: int) -> ResponseReturnValue:
    """Drop a template milestone from this candidate's timeline."""
    return _template_action(
        user_id,
        template_id,
        milestones.hide,
        lambda title, name: _("“%(title)s” is hidden from %(name)s.", title=title, name=name),
        lambda title: _("“%(title)s” was already hidden.", title=title),
    )


@hr_bp.post("/people/<int:user_id>/timeline/template/<int:template_id>/show")
def show_template_milestone(user_id: int, template_id: int) -> ResponseReturnValue:
    """Bring a hidden template milestone back to this candidate's timeline."""
    return _template_action(
        user_id,
        template_id,
        milestones.show,
        lambda title, name: _("%(name)s sees “%(title)s” again.", title=title, name=name),
        lambda title: _("“%(title)s” was not hidden.", title=title),
    )


@hr_bp.post("/people/<int:user_id>/timeline/template/<int:template_id>/reset")
def reset_template_milestone(user_id: int, template_id: int) -> ResponseReturnValue:
    """Forget this candidate's version of a template milestone: the template applies again
    (asks first when there is a version to forget)."""
    require_confirmation()
    candidate = candidate_or_404(user_id)
    found = _template_or_404(template_id)
    if milestones.version_of(candidate, found) is not None:
        asking = ask_first(
            _(
                "Reset “%(title)s” to the template for %(name)s?",
                title=found.title,
                name=candidate.name,
            ),
            detail=_(
                "What was changed for %(name)s alone is forgotten, and the template's date, "
                "title and details apply again. This cannot be undone.",
                name=candidate.name,
            ),
            button=_("Yes, reset it"),
            cancel=_timeline_url(candidate),
        )
        if asking is not None:
            return asking
    return _template_action(
        user_id,
        template_id,
        milestones.reset,
        lambda title, name: _(
            "“%(title)s” is back to the template for %(name)s.", title=title, name=name
        ),
        lambda title: _("“%(title)s” already follows the template.", title=title),
    )
