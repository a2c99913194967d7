"""HR's first-day pages: one plan per joining location, and one candidate's own values."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, require_confirmation
from portal.core.i18n import _, ngettext
from portal.people.access import candidate_or_404, hr_bp
from portal.timeline import day_one
from portal.timeline.day_one_forms import DayOneForm, DayOnePlanForm
from portal.timeline.models import DayOnePlan


def _plan_or_404(plan_id: int) -> DayOnePlan:
    found = day_one.plan(plan_id)
    if found is None:
        abort(404)
    return found


def _initial(source: object | None) -> dict[str, str]:
    return {name: getattr(source, name) or "" for name in day_one.FIELDS} if source else {}


@hr_bp.get("/day-one")
def day_one_plans() -> ResponseReturnValue:
    """Every joining location's first day."""
    return render_template(
        "timeline/hr_day_one_plans.html", plans=day_one.plans(), confirm=ConfirmForm()
    )


def _plan_page(form: DayOnePlanForm, existing: DayOnePlan | None) -> ResponseReturnValue:
    if form.validate_on_submit():
        try:
            saved = day_one.save_plan(
                existing, form.location.data or "", form.values(), current_user
            )
        except day_one.DayOneError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            joining = day_one.joining_at(saved.location_key)
            db.session.commit()
            if joining:
                said = ngettext(
                    "First day in %(location)s saved. %(num)d candidate joining there sees it "
                    "now; their calendar file is updated.",
                    "First day in %(location)s saved. %(num)d candidates joining there see it "
                    "now; their calendar files are updated.",
                    joining,
                    location=saved.location,
                )
            else:
                said = _(
                    "First day in %(location)s saved. Nobody joins there yet: candidates will "
                    "see it once they do.",
                    location=saved.location,
                )
            flash(said, "success")
            return redirect(url_for("hr.day_one_plans"))
    status = 422 if form.is_submitted() else 200
    return render_template("timeline/hr_day_one_plan.html", form=form, plan=existing), status


@hr_bp.route("/day-one/new", methods=["GET", "POST"])
def new_day_one_plan() -> ResponseReturnValue:
    """Describe the first day at a joining location."""
    return _plan_page(DayOnePlanForm(), None)


@hr_bp.route("/day-one/<int:plan_id>/edit", methods=["GET", "POST"])
def edit_day_one_plan(plan_id: int) -> ResponseReturnValue:
    found = _plan_or_404(plan_id)
    form = DayOnePlanForm(data={"location": found.location, **_initial(found)})
    return _plan_page(form, found)


@hr_bp.post("/day-one/<int:plan_id>/delete")
def delete_day_one_plan(plan_id: int) -> ResponseReturnValue:
    require_confirmation()
    found = _plan_or_404(plan_id)
    location = found.location
    asking = ask_first(
        _("Delete the first day in %(location)s?", location=location),
        detail=_(
            "Candidates joining there no longer see its address, agenda and the rest, except "
            "what was written for one of them."
        ),
        button=_("Yes, delete it"),
        cancel=url_for("hr.day_one_plans"),
    )
    if asking is not None:
        return asking
    day_one.delete_plan(found, current_user)
    db.session.commit()
    flash(_("The first day in %(location)s is deleted.", location=location), "success")
    return redirect(url_for("hr.day_one_plans"))


@hr_bp.route("/people/<int:user_id>/day-one", methods=["GET", "POST"])
def candidate_day_one(user_id: int) -> ResponseReturnValue:
    """One candidate's own first-day values; blank fields keep their location's."""
    candidate = candidate_or_404(user_id)
    plan = day_one.plan_for(candidate)
    form = DayOneForm(data=_initial(day_one.override_of(candidate)))
    if form.validate_on_submit():
        try:
            changed = day_one.save_override(candidate, form.values(), current_user)
        except day_one.DayOneError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            if changed:
                flash(
                    _(
                        "%(name)s's first day saved; their calendar file is updated.",
                        name=candidate.name,
                    ),
                    "success",
                )
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("hr.candidate_day_one", user_id=candidate.id))
    return render_template(
        "timeline/hr_day_one_candidate.html",
        form=form,
        person=candidate,
        plan=plan,
        plan_values=_initial(plan),
        result=day_one.day_one_for(candidate),
    ), (422 if form.is_submitted() else 200)
