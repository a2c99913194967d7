"""A recruiter's availability: their working week (which the answer promise counts in) and
their time away with who covers. The recruiter keeps their own (/recruiter/availability);
HR keeps any recruiter's (/hr/people/<id>/availability)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, filled
from portal.core.i18n import _
from portal.core.templating import short_date
from portal.people import availability
from portal.people import directory as people
from portal.people.access import hr_bp, person_or_404, recruiter_bp
from portal.people.models import Role, StaffAbsence, User, WorkingHours
from portal.questions import cover, working_hours
from portal.questions.staff_forms import AbsenceForm, WorkingHoursForm
from portal.questions.waiting import answer_due, promise_hours


def _recruiter(user_id: int) -> User:
    """HR's look-up: an active recruiter, else 404."""
    found = person_or_404(user_id)
    if found.role != Role.RECRUITER or not found.is_active:
        abort(404)
    return found


def _links(person: User) -> dict[str, str]:
    """The page's own addresses, for the recruiter's or HR's version of it."""
    audience = request.blueprint or "recruiter"
    who: dict[str, Any] = {"user_id": person.id} if audience == "hr" else {}
    return {
        name: url_for(f"{audience}.{endpoint}", **who)
        for name, endpoint in (
            ("page", "availability"),
            ("hours", "save_working_hours"),
            ("away", "plan_absence"),
        )
    }


def _end_url(person: User) -> Callable[[int], str]:
    audience = request.blueprint or "recruiter"
    who: dict[str, Any] = {"user_id": person.id} if audience == "hr" else {}
    return lambda absence_id: url_for(f"{audience}.end_absence", absence_id=absence_id, **who)


def _hours_form(person: User, hours: WorkingHours | None) -> WorkingHoursForm:
    week = working_hours.week_of(person, hours)
    return WorkingHoursForm(
        calendars=working_hours.holiday_calendars(),
        data={
            "time_zone": person.time_zone,
            "weekdays": [str(n) for n in range(7) if week.weekdays & (1 << n)],
            "starts": _clock(week.starts_minute),
            "ends": _clock(week.ends_minute),
            "holiday_calendar": week.holiday_calendar or "",
        },
    )


def _clock(minute: int) -> time:
    return time(minute // 60 % 24, minute % 60)


def _page(
    person: User,
    hours_form: WorkingHoursForm | None = None,
    away_form: AbsenceForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    now = clock.now()
    hours = db.session.get(WorkingHours, person.id)
    week = working_hours.week_of(person, hours)
    colleagues = [r for r in people.active_recruiters() if r.id != person.id]
    absences = availability.absences_of(person.id, now)
    return render_template(
        "questions/availability.html",
        person=person,
        own=person.id == current_user.id,
        week=week,
        has_own_hours=hours is not None,
        promise_hours=promise_hours(),
        due_if_asked_now=answer_due(now, week),
        hours_form=hours_form or _hours_form(person, hours),
        away_form=away_form or AbsenceForm(colleagues=colleagues),
        absences=absences,
        away_now=next((a for a in absences if a.starts_at <= now), None),
        now=now,
        urls=_links(person),
        end_url=_end_url(person),
        confirm=ConfirmForm(),
    ), status


def _save_hours(person: User) -> ResponseReturnValue:
    form = WorkingHoursForm(calendars=working_hours.holiday_calendars())
    if not form.validate_on_submit():
        return _page(person, hours_form=form, status=422)
    try:
        changed = working_hours.save(
            person,
            time_zone=filled(form.time_zone.data),
            weekdays=form.weekday_bits,
            starts_minute=form.minute(form.starts.data),
            ends_minute=form.minute(form.ends.data, end=True),
            holiday_calendar=form.holiday_calendar.data or None,
            by=current_user,
        )
    except working_hours.WorkingHoursError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(error.message)
        return _page(person, hours_form=form, status=422)
    db.session.commit()
    flash(_("Working hours saved.") if changed else _("Nothing changed."), "success")
    return redirect(_links(person)["page"])


def _plan(person: User) -> ResponseReturnValue:
    colleagues = [r for r in people.active_recruiters() if r.id != person.id]
    form = AbsenceForm(colleagues=colleagues)
    if not form.validate_on_submit():
        return _page(person, away_form=form, status=422)
    cover_id = form.cover_id.data or ""
    chosen = next((c for c in colleagues if str(c.id) == cover_id), None)
    if cover_id and chosen is None:
        form.cover_id.errors = [_("Choose an active recruiter from the list.")]
        return _page(person, away_form=form, status=422)
    try:
        absence = cover.plan(
            person,
            first_day=filled(form.first_day.data),
            last_day=filled(form.last_day.data),
            cover=chosen,
            by=current_user,
            now=clock.now(),
        )
    except cover.CoverError as error:
        db.session.rollback()
        getattr(form, error.field).errors = [error.message]
        return _page(person, away_form=form, status=422)
    db.session.commit()
    flash(_saved_words(absence), "success")
    return redirect(_links(person)["page"])


def _saved_words(absence: StaffAbsence) -> str:
    """ "Saved: away 21 Dec 2026 to 3 Jan 2027, covered by Bo Chen." """
    first, last = short_date(absence.first_day), short_date(absence.last_day)
    if absence.cover is not None:
        return _(
            "Saved: away %(first)s to %(last)s, covered by %(name)s.",
            first=first,
            last=last,
            name=absence.cover.name,
        )
    return _("Saved: away %(first)s to %(last)s, nobody named to cover.", first=first, last=last)


def _end(person: User, absence_id: int) -> ResponseReturnValue:
    absence = cover.absence_of(person, absence_id)
    now = clock.now()
    if absence is None or absence.ends_at <= now:
        abort(404)
    under_way = absence.starts_at <= now
    asking = ask_first(
        _("End this absence now?") if under_way else _("Take back this absence?"),
        detail=(
            _(
                "From now on the new questions, the digest and the overdue marks go to "
                "%(name)s again.",
                name=person.name,
            )
            if under_way
            else _("%(name)s will not be away then.", name=person.name)
        ),
        button=_("Yes, end it now") if under_way else _("Yes, take it back"),
        cancel=_links(person)["page"],
    )
    if asking is not None:
        return asking
    done = cover.end(absence, by=current_user, now=now)
    db.session.commit()
    flash(
        _("Welcome back: everything goes to %(name)s again.", name=person.name)
        if done == "ended"
        else _("Taken back."),
        "success",
    )
    return redirect(_links(person)["page"])


# --- The recruiter's own ------------------------------------------------------------------------


@recruiter_bp.get("/availability", endpoint="availability")
def own_availability() -> ResponseReturnValue:
    """The recruiter's working week and time away."""
    return _page(current_user)


@recruiter_bp.post("/availability/hours", endpoint="save_working_hours")
def save_own_working_hours() -> ResponseReturnValue:
    """Set one's time zone and working week."""
    return _save_hours(current_user)


@recruiter_bp.post("/availability/away", endpoint="plan_absence")
def plan_own_absence() -> ResponseReturnValue:
    """Plan time away, and who covers."""
    return _plan(current_user)


@recruiter_bp.post("/availability/away/<int:absence_id>/end", endpoint="end_absence")
def end_own_absence(absence_id: int) -> ResponseReturnValue:
    """Back early, or not going after all (asks first)."""
    return _end(current_user, absence_id)


# --- HR, for any recruiter ----------------------------------------------------------------------


@hr_bp.get("/people/<int:user_id>/availability", endpoint="availability")
def recruiters_availability(user_id: int) -> ResponseReturnValue:
    """A recruiter's working week and time away."""
    return _page(_recruiter(user_id))


@hr_bp.post("/people/<int:user_id>/availability/hours", endpoint="save_working_hours")
def save_working_hours_for(user_id: int) -> ResponseReturnValue:
    """Set a recruiter's time zone and working week."""
    return _save_hours(_recruiter(user_id))


@hr_bp.post("/people/<int:user_id>/availability/away", endpoint="plan_absence")
def plan_absence_for(user_id: int) -> ResponseReturnValue:
    """Plan a recruiter's time away, and who covers."""
    return _plan(_recruiter(user_id))


@hr_bp.post("/people/<int:user_id>/availability/away/<int:absence_id>/end", endpoint="end_absence")
def end_absence_for(user_id: int, absence_id: int) -> ResponseReturnValue:
    """End a recruiter's absence now, or take back one to come (asks first)."""
    return _end(_recruiter(user_id), absence_id)
