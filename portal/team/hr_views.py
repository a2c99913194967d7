"""HR's team list: the people candidates meet, by department and location, with photos."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, filled
from portal.core.i18n import _, _l
from portal.core.ids import query_id
from portal.core.uploads import accepts_upload
from portal.people.access import hr_bp
from portal.team import members, teams
from portal.team.forms import MemberForm
from portal.team.members import MemberFields, MemberFilter
from portal.team.models import TeamMember


def _member_or_404(member_id: int) -> TeamMember:
    found = members.member(member_id)
    if found is None:
        abort(404)
    return found


@hr_bp.get("/team")
def team_members() -> ResponseReturnValue:
    """The team list by name, 50 a page, filtered by department and a search."""
    departments, _locations = members.places()
    department = request.args.get("department", "")
    wanted = MemberFilter(
        department=department if department in departments else "",
        search=teams.search_term(request.args.get("q", "")),
    )
    after = request.args.get("after", type=query_id)
    found = members.members_page(wanted, after)
    filters = {
        key: value
        for key, value in (("department", wanted.department), ("q", wanted.search))
        if value
    }
    return render_template(
        "team/hr_members.html",
        rows=found.members,
        next_after=found.next_after,
        first_page=after is None,
        departments=departments,
        wanted=wanted,
        filters=filters,
        page_size=members.MEMBERS_PAGE_SIZE,
        confirm=ConfirmForm(),
    )


def _fields(form: MemberForm) -> MemberFields:
    return MemberFields(
        name=filled(form.name.data),
        title=filled(form.title.data),
        intro=form.intro.data or "",
        department=filled(form.department.data),
        location=form.location.data or "",
    )


def _form_page(form: MemberForm, member: TeamMember | None) -> ResponseReturnValue:
    departments, locations = members.places()
    page = render_template(
        "team/member_form.html",
        form=form,
        member=member,
        departments=departments,
        locations=locations,
    )
    return page, 422 if form.is_submitted() else 200


@hr_bp.route("/team/new", methods=["GET", "POST"])
@accepts_upload("PHOTO_MAX_BYTES", what=_l("photo"))
def new_team_member() -> ResponseReturnValue:
    """Add someone to the team list."""
    form = MemberForm()
    if form.validate_on_submit():
        added = members.create_member(current_user, _fields(form), form.prepared)
        db.session.commit()
        flash(
            _(
                "%(name)s is on the team list: candidates in %(department)s see them.",
                name=added.name,
                department=added.department,
            ),
            "success",
        )
        return redirect(url_for("hr.team_members"))
    return _form_page(form, None)


@hr_bp.route("/team/<int:member_id>/edit", methods=["GET", "POST"])
@accepts_upload("PHOTO_MAX_BYTES", what=_l("photo"))
def edit_team_member(member_id: int) -> ResponseReturnValue:
    """Change someone on the team list (their photo too)."""
    found = _member_or_404(member_id)
    form = MemberForm(data=MemberForm.initial(found))
    if form.validate_on_submit():
        changes = members.update_member(
            current_user,
            found,
            _fields(form),
            form.prepared,
            remove_photo=bool(form.remove_photo.data),
        )
        db.session.commit()
        flash(
            _("%(name)s saved.", name=found.name) if changes else _("Nothing changed."), "success"
        )
        return redirect(url_for("hr.team_members"))
    return _form_page(form, found)


@hr_bp.post("/team/<int:member_id>/delete")
def delete_team_member(member_id: int) -> ResponseReturnValue:
    """Take someone off the team list (after "Are you sure?")."""
    found = _member_or_404(member_id)
    name = found.name
    asking = ask_first(
        _("Take %(name)s off the team list?", name=name),
        detail=_(
            "Their introduction and photo are deleted, and no candidate sees them any more, "
            "including candidates whose team was chosen for them."
        ),
        button=_("Yes, take them off"),
        cancel=url_for("hr.team_members"),
    )
    if asking is not None:
        return asking
    members.delete_member(current_user, found)
    db.session.commit()
    flash(_("%(name)s is no longer on the team list.", name=name), "success")
    return redirect(url_for("hr.team_members"))
