"""HR's pages: people, invitations, deactivation and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.accounts import operations as accounts
from portal.accounts.hr_forms import CandidateEditForm, CandidateForm, StaffEditForm, StaffForm
from portal.accounts.login import SESSION_KEY
from portal.accounts.people_filters import PeopleFilterForm
from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, filled, require_confirmation
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.core.links import absolute_url
from portal.core.templating import local_datetime
from portal.mail import cadence
from portal.mail import jobs as mail_jobs
from portal.people import directory as people
from portal.people.access import hr_bp, person_or_404
from portal.people.models import Role, User
from portal.timeline import joining, joining_mail

_AddForm = TypeVar("_AddForm", CandidateForm, StaffForm)


def _send(email_id: int, who: User) -> None:
    """Deliver one queued invitation now and say plainly how it went."""
    if mail_jobs.deliver([email_id]):
        flash(_("Invitation sent to %(email)s.", email=who.email), "success")
    else:
        flash(
            _(
                "The invitation to %(email)s is saved but could not be sent yet: "
                "it stays queued and goes out when the mail server answers again.",
                email=who.email,
            ),
            "warning",
        )


def _send_joining_change(email_ids: list[int], who: User) -> None:
    """Deliver the "your first day has changed" email now, or say when it goes: it waits
    for the batch window (more changes join it), the night and the weekly limit."""
    if not joining_mail.batch_window() and mail_jobs.deliver(email_ids):
        flash(
            _(
                "%(name)s has been emailed the new joining details and calendar file.",
                name=who.name,
            ),
            "success",
        )
    elif (when := joining_mail.goes_at(email_ids, who)) is not None:
        flash(
            _(
                "%(name)s will be emailed the new joining details and calendar file on "
                "%(when)s, their time. Changes made until then go in the same email; the portal "
                "does not email candidates at night, nor more often than their weekly limit.",
                name=who.name,
                when=local_datetime(when, who.time_zone),
            ),
            "info",
        )
    else:
        flash(
            _(
                "The email telling %(name)s about the new joining date is saved but could not "
                "be sent yet: it stays queued and goes out when the mail server answers again.",
                name=who.name,
            ),
            "warning",
        )


@hr_bp.get("/")
def home() -> ResponseReturnValue:
    """Candidates, soonest joining first, 50 a page, filtered by recruiter, account, joining
    soon and name or email; and every recruiter and HR colleague."""
    staff = people.staff()
    recruiters = [person for person in staff if person.role == Role.RECRUITER]
    form = PeopleFilterForm(request.args, recruiters=recruiters)
    form.validate()
    now = clock.now()
    wanted = form.wanted(now.astimezone(ZoneInfo(current_user.time_zone)).date())
    after = request.args.get("after", type=query_id)
    found = people.candidates_page(wanted, after)
    page = render_template(
        "accounts/people.html",
        form=form,
        rows=joining.joining_rows(found.candidates, clock.now()),
        next_after=found.next_after,
        page_size=people.CANDIDATES_PAGE_SIZE,
        first_page=after is None,
        filters=form.args(),
        filtered=wanted != people.CandidateFilter(),
        unknown_recruiter=wanted.recruiter_id is not None
        and all(r.id != wanted.recruiter_id for r in recruiters),
        # One grouped query, for the candidates on this page only.
        emails_sent=cadence.weekly_counts(now, [c.id for c in found.candidates]),
        weekly_cap=current_app.config["CANDIDATE_WEEKLY_CAP"],
        staff=staff,
        confirm=ConfirmForm(),
    )
    return page, 422 if form.errors else 200


def _add_person(
    form: _AddForm, create: Callable[[_AddForm], User], template: str
) -> ResponseReturnValue:
    """Shared by the two "add" pages: validate, create, maybe invite, commit, then send.
    A backdated candidate (a joining date that has passed, confirmed) is sent nothing."""
    if form.validate_on_submit():
        backdated = isinstance(form, CandidateForm) and form.is_backdated
        try:
            user = create(form)
            invite_now = form.send_invitation.data and not backdated
            invitation = accounts.invite(user, current_user) if invite_now else None
        except accounts.AccountError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(_("%(name)s has been added.", name=user.name), "success")
            if backdated:
                flash(_("A backdated record: nothing was emailed."), "info")
            if invitation is not None:
                _send(invitation.id, user)
            return redirect(url_for("hr.person", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, person=None), status


@hr_bp.route("/candidates/new", methods=["GET", "POST"])
def new_candidate() -> ResponseReturnValue:
    """Add a candidate and, usually, invite them straight away."""
    form = CandidateForm(recruiters=people.active_recruiters())
    if request.method == "GET":
        form.time_zone.data = form.joining_time_zone.data = current_user.time_zone
    return _add_person(
        form,
        lambda f: accounts.create_candidate(
            actor=current_user,
            email=filled(f.email.data),
            name=filled(f.name.data),
            time_zone=f.time_zone.data,
            details=f.details(),
            backdated=f.is_backdated,
            language=f.language.data,
        ),
        "accounts/candidate_form.html",
    )


@hr_bp.route("/staff/new", methods=["GET", "POST"])
def new_staff() -> ResponseReturnValue:
    """Add a recruiter or an HR colleague."""
    form = StaffForm()
    if request.method == "GET":
        form.time_zone.data = current_user.time_zone
    return _add_person(
        form,
        lambda f: accounts.create_user(
            actor=current_user,
            email=filled(f.email.data),
            name=filled(f.name.data),
            role=Role(f.role.data),
            time_zone=f.time_zone.data,
            phone=f.phone.data,
        ),
        "accounts/staff_form.html",
    )


@hr_bp.get("/people/<int:user_id>")
def person(user_id: int) -> ResponseReturnValue:
    """One person's details, state and audit history."""
    found = person_or_404(user_id)
    row = None
    if found.candidate_profile is not None:
        (row,) = joining.joining_rows([found], clock.now())
    return render_template(
        "accounts/person.html",
        person=found,
        row=row,
        history=people.audit_entries(target=found, limit=50),
        confirm=ConfirmForm(),
    )


# The field HR's "Save and email" button sends: the candidate may be told of the change.
NOTIFY_CONFIRMED = "notify_confirmed"


def _joining_email_to_confirm(candidate: User, form: CandidateEditForm) -> str | None:
    """What the save would email the candidate about, unless HR has already said yes (or it is
    a backdated record, which emails nothing)."""
    if form.is_backdated or request.form.get(NOTIFY_CONFIRMED) == "1":
        return None
    details = form.details()
    new = joining.JoiningDetails(
        joining_date=details.joining_date,
        joining_time=details.joining_time,
        joining_time_zone=details.joining_time_zone,
        location=details.location,
        reception_instructions=details.reception_instructions.strip(),
    )
    return joining_mail.would_tell(candidate, new, clock.now())


@hr_bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
def edit_person(user_id: int) -> ResponseReturnValue:
    """Change details, joining date and time, time zone or recruiter."""
    found = person_or_404(user_id)
    if found.candidate_profile is not None:
        recruiters = people.active_recruiters()
        for current in (
            found.candidate_profile.recruiter,
            found.candidate_profile.backup_recruiter,
        ):
            if current is not None and current not in recruiters:
                recruiters.append(current)  # keep a deactivated recruiter until HR reassigns
        form = CandidateEditForm(
            data=CandidateEditForm.initial(found),
            recruiters=recruiters,
            joining_was=joining.joining_details(found.profile),
        )
        template = "accounts/candidate_form.html"
    else:
        form = StaffEditForm(data=StaffEditForm.initial(found))
        template = "accounts/staff_form.html"
    if form.validate_on_submit():
        if isinstance(form, CandidateEditForm):
            telling = _joining_email_to_confirm(found, form)
            if telling is not None:  # the same form again, its button now says it emails
                return render_template(template, form=form, person=found, telling=telling)
        outbox: list[int] = []
        invitations: list[int] = []
        try:
            changes = accounts.update_person(
                actor=current_user,
                user=found,
                email=filled(form.email.data),
                name=filled(form.name.data),
                time_zone=form.time_zone.data,
                phone=getattr(form, "phone", None) and form.phone.data,
                details=form.details() if isinstance(form, CandidateEditForm) else None,
                outbox=outbox,
                portal_link=absolute_url("candidate.home"),
                keep_session=session.get(SESSION_KEY) if found.id == current_user.id else None,
                invitations=invitations,
                backdated=isinstance(form, CandidateEditForm) and form.is_backdated,
                language=form.language.data if isinstance(form, CandidateEditForm) else None,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _("Saved.") if changes else _("Nothing changed."), "success" if changes else "info"
            )
            if isinstance(form, CandidateEditForm) and form.is_backdated:
                flash(_("A backdated record: nothing was emailed."), "info")
            if outbox:
                _send_joining_change(outbox, found)
            if "email" in changes and not invitations:
                flash(
                    _(
                        "Links emailed to the old address and API tokens no longer work; "
                        "your other devices are signed out."
                    )
                    if found.id == current_user.id
                    else _(
                        "Links emailed to the old address and API tokens no longer work; "
                        "%(name)s must sign in again.",
                        name=found.name,
                    ),
                    "info",
                )
            for invitation_id in invitations:
                flash(
                    _(
                        "The invitation sent to %(old)s no longer works; a new one goes to "
                        "%(new)s.",
                        old=changes["email"][0],
                        new=found.email,
                    ),
                    "info",
                )
                _send(invitation_id, found)
            return redirect(url_for("hr.person", user_id=found.id))
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, person=found), status


@hr_bp.post("/people/<int:user_id>/invite")
def invite(user_id: int) -> ResponseReturnValue:
    """Send a new invitation; the previous link stops working."""
    require_confirmation()
    found = person_or_404(user_id)
    try:
        invitation = accounts.invite(found, current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        _send(invitation.id, found)
    return redirect(url_for("hr.person", user_id=found.id))


@hr_bp.post("/people/<int:user_id>/deactivate")
def deactivate(user_id: int) -> ResponseReturnValue:
    """Close an account: sessions and unused links stop working at once."""
    require_confirmation()
    found = person_or_404(user_id)
    asking = ask_first(
        _("Deactivate %(name)s?", name=found.name),
        detail=_(
            "%(name)s will no longer be able to sign in: their sessions and unused links stop "
            "working at once. You can reactivate the account later.",
            name=found.name,
        ),
        button=_("Yes, deactivate %(name)s", name=found.name),
        cancel=url_for("hr.person", user_id=found.id),
    )
    if asking is not None:
        return asking
    try:
        accounts.deactivate(found, current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s can no longer sign in.", name=found.name), "success")
    return redirect(url_for("hr.person", user_id=found.id))


@hr_bp.post("/people/<int:user_id>/reactivate")
def reactivate(user_id: int) -> ResponseReturnValue:
    """Reopen a closed account (they sign in with their old password, or a new invitation)."""
    require_confirmation()
    found = person_or_404(user_id)
    accounts.reactivate(found, current_user)
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=found.name), "success")
    return redirect(url_for("hr.person", user_id=found.id))
