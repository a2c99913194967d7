"""The recruiter's and HR's pages for one candidate's welcome, buddy and team.

The same views serve both audiences: HR at /hr/people/<id>/team… for any candidate, a recruiter
at /recruiter/candidates/<id>/team… for their own candidates only (anyone else's is a 404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core.extensions import db
from portal.core.forms import ask_first, filled, require_confirmation
from portal.core.i18n import _, _l
from portal.core.ids import query_id
from portal.core.uploads import accepts_upload
from portal.people.access import candidate_or_404, hr_bp, recruiter_bp
from portal.people.models import Role, User
from portal.team import introductions, members, teams
from portal.team.forms import BuddyForm, WelcomeForm
from portal.team.introductions import BuddyFields, WelcomeFields
from portal.team.models import Buddy, ManagerWelcome, TeamMember

View = TypeVar("View", bound=Callable[..., Any])
PREFIXES = (
    (hr_bp, "/people/<int:candidate_id>/team"),
    (recruiter_bp, "/candidates/<int:candidate_id>/team"),
)


def _page(rule: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[View], View]:
    """Register the view on both audiences' blueprints."""

    def register(view: View) -> View:
        for blueprint, prefix in PREFIXES:
            blueprint.add_url_rule(prefix + rule, view_func=view, methods=list(methods))
        return view

    return register


def _candidate(candidate_id: int) -> User:
    if current_user.role == Role.HR:
        return candidate_or_404(candidate_id)
    return candidate_or_404(candidate_id, recruiter=current_user)


def _url(endpoint: str, candidate: User, **values: Any) -> str:
    return url_for(f"{request.blueprint}.{endpoint}", candidate_id=candidate.id, **values)


def _person_url(candidate: User) -> str:
    if current_user.role == Role.HR:
        return url_for("hr.person", user_id=candidate.id)
    return url_for("recruiter.candidate", candidate_id=candidate.id)


def _first_name(person: User) -> str:
    return person.name.split(" ")[0]


@_page("")
def candidate_team(candidate_id: int) -> ResponseReturnValue:
    """Who welcomes the candidate: their manager's welcome, their buddy and their team (a page
    at a time), with a search to add people from the team list."""
    candidate = _candidate(candidate_id)
    profile = candidate.profile
    after = request.args.get("after", type=query_id)
    term = teams.search_term(request.args.get("q", ""))
    return render_template(
        "team/staff_candidate.html",
        candidate=candidate,
        profile=profile,
        intro=introductions.introductions(candidate.id),
        team=teams.team_page(profile, after),
        first_page=after is None,
        term=term,
        found=teams.addable(profile, term),
        audience=request.blueprint,
        person_url=_person_url(candidate),
    )


def _form_page(
    template: str,
    form: Any,
    candidate: User,
    current: ManagerWelcome | Buddy | None,
    save: Callable[[], dict],
    done: str,
) -> ResponseReturnValue:
    """Validate (the photo too), save, commit and go back to the team page; or the form again
    with what is wrong beside each field."""
    if form.validate_on_submit():
        changes = save()
        db.session.commit()
        flash(done if changes else _("Nothing changed."), "success" if changes else "info")
        return redirect(_url("candidate_team", candidate))
    page = render_template(
        template,
        form=form,
        candidate=candidate,
        existing=current,
        back=_url("candidate_team", candidate),
    )
    return page, 422 if form.is_submitted() else 200


@_page("/welcome", ("GET", "POST"))
@accepts_upload("PHOTO_MAX_BYTES", what=_l("photo"))
def edit_welcome(candidate_id: int) -> ResponseReturnValue:
    """Write or change the welcome from the candidate's hiring manager."""
    candidate = _candidate(candidate_id)
    welcome = db.session.get(ManagerWelcome, candidate.id)
    form = WelcomeForm(data=WelcomeForm.initial(welcome))

    def save() -> dict:
        fields = WelcomeFields(
            manager_name=filled(form.manager_name.data),
            manager_title=form.manager_title.data or "",
            message=filled(form.message.data),
        )
        return introductions.save_welcome(
            current_user,
            candidate,
            fields,
            form.prepared,
            remove_photo=bool(form.remove_photo.data),
        )

    return _form_page(
        "team/welcome_form.html",
        form,
        candidate,
        welcome,
        save,
        _(
            "Welcome saved. %(name)s sees it on their home and team pages.",
            name=_first_name(candidate),
        ),
    )


@_page("/welcome/remove", ("POST",))
def remove_welcome(candidate_id: int) -> ResponseReturnValue:
    """Take the manager's welcome off the candidate's pages (after "Are you sure?")."""
    candidate = _candidate(candidate_id)
    asking = ask_first(
        _("Remove the welcome %(name)s sees?", name=candidate.name),
        detail=_("The message and its photo are deleted; you can write a new welcome later."),
        button=_("Yes, remove it"),
        cancel=_url("candidate_team", candidate),
    )
    if asking is not None:
        return asking
    if introductions.remove_welcome(current_user, candidate):
        db.session.commit()
        flash(_("The welcome has been removed."), "success")
    return redirect(_url("candidate_team", candidate))


@_page("/buddy", ("GET", "POST"))
@accepts_upload("PHOTO_MAX_BYTES", what=_l("photo"))
def edit_buddy(candidate_id: int) -> ResponseReturnValue:
    """Introduce or change the candidate's buddy."""
    candidate = _candidate(candidate_id)
    buddy = db.session.get(Buddy, candidate.id)
    form = BuddyForm(data=BuddyForm.initial(buddy))

    def save() -> dict:
        fields = BuddyFields(
            name=filled(form.name.data),
            title=form.title.data or "",
            intro=filled(form.intro.data),
            email=form.email.data or None,
        )
        return introductions.save_buddy(
            current_user,
            candidate,
            fields,
            form.prepared,
            remove_photo=bool(form.remove_photo.data),
        )

    return _form_page(
        "team/buddy_form.html",
        form,
        candidate,
        buddy,
        save,
        _("Buddy saved. %(name)s sees them on their team page.", name=_first_name(candidate)),
    )


@_page("/buddy/remove", ("POST",))
def remove_buddy(candidate_id: int) -> ResponseReturnValue:
    """Take the buddy off the candidate's pages (after "Are you sure?")."""
    candidate = _candidate(candidate_id)
    asking = ask_first(
        _("Remove the buddy %(name)s sees?", name=candidate.name),
        detail=_(
            "Their introduction and photo are deleted; you can introduce a buddy again later."
        ),
        button=_("Yes, remove them"),
        cancel=_url("candidate_team", candidate),
    )
    if asking is not None:
        return asking
    if introductions.remove_buddy(current_user, candidate):
        db.session.commit()
        flash(_("The buddy has been removed."), "success")
    return redirect(_url("candidate_team", candidate))


def _member_or_404(member_id: int | None) -> TeamMember:
    found = members.member(member_id) if member_id is not None else None
    if found is None:
        abort(404)
    return found


@_page("/members", ("POST",))
def add_team_member(candidate_id: int) -> ResponseReturnValue:
    """Add someone from the team list to the candidate's team."""
    require_confirmation()
    candidate = _candidate(candidate_id)
    added = _member_or_404(request.form.get("member_id", type=query_id))
    term = teams.search_term(request.form.get("q", ""))
    try:
        teams.add_member(current_user, candidate, added)
    except teams.TeamError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(member)s is now on %(name)s's team.",
                member=added.name,
                name=_first_name(candidate),
            ),
            "success",
        )
    return redirect(_url("candidate_team", candidate, **({"q": term} if term else {})))


@_page("/members/<int:member_id>/remove", ("POST",))
def remove_team_member(candidate_id: int, member_id: int) -> ResponseReturnValue:
    """Take someone off the candidate's team (they stay on the team list)."""
    require_confirmation()
    candidate = _candidate(candidate_id)
    removed = _member_or_404(member_id)
    teams.remove_member(current_user, candidate, removed)
    db.session.commit()
    flash(
        _(
            "%(member)s is no longer on %(name)s's team.",
            member=removed.name,
            name=_first_name(candidate),
        ),
        "success",
    )
    return redirect(_url("candidate_team", candidate))


@_page("/department", ("POST",))
def use_department_team(candidate_id: int) -> ResponseReturnValue:
    """Show the candidate their department's team again (after "Are you sure?")."""
    candidate = _candidate(candidate_id)
    asking = ask_first(
        _("Show %(name)s their department's team again?", name=candidate.name),
        detail=_(
            "The people you chose for them are forgotten; they see everyone on the team list "
            "for their department and location, as it changes."
        ),
        button=_("Yes, use the department’s team"),
        cancel=_url("candidate_team", candidate),
    )
    if asking is not None:
        return asking
    if teams.use_department_team(current_user, candidate):
        db.session.commit()
        flash(
            _("%(name)s sees their department's team again.", name=_first_name(candidate)),
            "success",
        )
    return redirect(_url("candidate_team", candidate))
