"""What every report can be narrowed to: a period of joining dates, a department, a location,
a recruiter. The form is a GET form with no brains (nothing changes, so no CSRF token); its
choices come from the outcomes themselves (one query each for the places and the recruiters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from wtforms import Field, Form, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import Optional

from portal.core.extensions import db
from portal.core.forms import CalendarDateField
from portal.core.i18n import _, _l
from portal.core.ids import query_id
from portal.core.templating import short_date
from portal.outcomes.models import CandidateOutcome
from portal.people.models import User

NOBODY = "none"  # the recruiter choice "not assigned to a recruiter"
DEFAULT_DAYS = 364  # with no filters at all: joining dates of the last 12 months


@dataclass(frozen=True)
class ReportFilter:
    joined_from: date | None = None
    joined_until: date | None = None
    department: str | None = None
    location: str | None = None
    recruiter: int | str | None = None  # an id, NOBODY, or None for everyone's

    def where(self) -> list[ColumnElement[bool]]:
        """The conditions on candidate_outcomes."""
        found: list[ColumnElement[bool]] = []
        if self.joined_from is not None:
            found.append(CandidateOutcome.joining_date >= self.joined_from)
        if self.joined_until is not None:
            found.append(CandidateOutcome.joining_date <= self.joined_until)
        if self.department is not None:
            found.append(CandidateOutcome.department == self.department)
        if self.location is not None:
            found.append(CandidateOutcome.location == self.location)
        if self.recruiter == NOBODY:
            found.append(CandidateOutcome.recruiter_id.is_(None))
        elif isinstance(self.recruiter, int):
            found.append(CandidateOutcome.recruiter_id == self.recruiter)
        return found


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group meet `condition` (0, not NULL, for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass
class Choices:
    """The values the outcomes hold, to choose from."""

    departments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    recruiters: dict[int, str] = field(default_factory=dict)  # id -> name
    unassigned: bool = False  # some offers had no recruiter

    def recruiter_name(self, recruiter_id: int | None) -> str:
        if recruiter_id is None:
            return _("No recruiter")
        return self.recruiters.get(recruiter_id) or _("A former recruiter")


def choices() -> Choices:
    """Departments, locations and recruiters of the recorded outcomes (two queries)."""
    found = Choices()
    places = db.session.execute(
        select(CandidateOutcome.department, CandidateOutcome.location).distinct()
    ).all()
    found.departments = sorted({d for d, _ in places if d}, key=str.casefold)
    found.locations = sorted({loc for _, loc in places if loc}, key=str.casefold)
    people = db.session.execute(
        select(CandidateOutcome.recruiter_id, User.name)
        .outerjoin(User, User.id == CandidateOutcome.recruiter_id)
        .distinct()
    ).all()
    for recruiter_id, name in sorted(people, key=lambda row: (row[1] or "").casefold()):
        if recruiter_id is None:
            found.unassigned = True
        else:
            found.recruiters[recruiter_id] = name
    return found


class ReportFilterForm(Form):
    """The period, department, location and recruiter every report is narrowed to."""

    joined_from = CalendarDateField(_l("Joining from"), validators=[Optional()])
    joined_until = CalendarDateField(
        _l("Joining until (including that day)"), validators=[Optional()]
    )
    department = SelectField(_l("Department"), default="", validate_choice=False)
    location = SelectField(_l("Location"), default="", validate_choice=False)
    recruiter = SelectField(_l("Recruiter"), default="", validate_choice=False)

    def __init__(self, *args: Any, options: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        self.department.choices = [SelectChoice("", _("Every department"))] + [
            SelectChoice(name, name) for name in options.departments
        ]
        self.location.choices = [SelectChoice("", _("Every location"))] + [
            SelectChoice(name, name) for name in options.locations
        ]
        self.recruiter.choices = (
            [SelectChoice("", _("Every recruiter"))]
            + [SelectChoice(str(i), name) for i, name in options.recruiters.items()]
            + ([SelectChoice(NOBODY, _("No recruiter"))] if options.unassigned else [])
        )

    def validate_joined_until(self, field: Field) -> None:
        if field.data and self.joined_from.data and field.data < self.joined_from.data:
            raise ValidationError(_("The last day cannot be before the first."))

    def validate_department(self, field: Field) -> None:
        if field.data and field.data not in self.options.departments:
            raise ValidationError(_("Choose a department from the list."))

    def validate_location(self, field: Field) -> None:
        if field.data and field.data not in self.options.locations:
            raise ValidationError(_("Choose a location from the list."))

    def validate_recruiter(self, field: Field) -> None:
        value = field.data or ""
        if value in ("", NOBODY):
            return
        try:
            known = query_id(value) in self.options.recruiters
        except ValueError:
            known = False
        if not known:
            raise ValidationError(_("Choose a recruiter from the list."))

    def wanted(self) -> ReportFilter:
        """The filter the valid fields stand for (a field in error is left out)."""

        def valid(name: str) -> Any:
            chosen = getattr(self, name)
            return None if chosen.errors or not chosen.data else chosen.data

        recruiter = valid("recruiter")
        return ReportFilter(
            joined_from=valid("joined_from"),
            joined_until=valid("joined_until"),
            department=valid("department"),
            location=valid("location"),
            recruiter=recruiter if recruiter in (None, NOBODY) else query_id(recruiter),
        )

    def args(self) -> dict[str, str]:
        """The filters as query-string arguments, for the CSV link and the other reports."""
        found = {}
        for name in ("joined_from", "joined_until", "department", "location", "recruiter"):
            chosen = getattr(self, name)
            if chosen.data and not chosen.errors:
                found[name] = chosen.data.isoformat() if name.startswith("joined") else chosen.data
            elif name.startswith("joined"):
                found[name] = ""  # an empty period field is "no limit", not "the default"
        return found


def described(wanted: ReportFilter, options: Choices) -> str:
    """The filter in words, in the reader's language: "offers joining from 5 Dec 2025,
    department Sales, recruiter Rosa"."""
    first, last = short_date(wanted.joined_from), short_date(wanted.joined_until)
    if wanted.joined_from and wanted.joined_until:
        period = _("offers joining from %(first)s to %(last)s", first=first, last=last)
    elif wanted.joined_from:
        period = _("offers joining from %(first)s", first=first)
    elif wanted.joined_until:
        period = _("offers joining until %(last)s", last=last)
    else:
        period = _("offers joining on any day")
    parts = [period]
    if wanted.department:
        parts.append(_("department %(name)s", name=wanted.department))
    if wanted.location:
        parts.append(_("location %(name)s", name=wanted.location))
    if wanted.recruiter == NOBODY:
        parts.append(_("with no recruiter"))
    elif isinstance(wanted.recruiter, int):
        parts.append(_("recruiter %(name)s", name=options.recruiter_name(wanted.recruiter)))
    return ", ".join(parts)


def read(args: Any, today: date) -> ReportFilterForm:
    """The form from the query string (validated); with no arguments at all, the last 12
    months of joining dates."""
    options = choices()
    defaults = None if args else {"joined_from": today - timedelta(days=DEFAULT_DAYS)}
    form = ReportFilterForm(args, data=defaults, options=options)
    form.validate()
    return form
