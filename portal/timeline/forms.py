"""HR's milestone forms. They check the input only; the rules live in timeline.milestones."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    Form,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from portal.core.forms import TimeOfDayField, filled
from portal.core.i18n import _, _l, lazy_number
from portal.timeline import task_words
from portal.timeline.milestones import (
    DETAILS_MAX,
    MAX_DAYS,
    MIN_DAYS,
    PLACE_MAX,
    TITLE_MAX,
    MilestoneFields,
    Target,
    clean_text,
)
from portal.timeline.models import TaskKind


class _DaysField(IntegerField):
    """A whole number of days, with one plain message when it is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a whole number of days, such as -14, 0 or 1.")) from None

    def _value(self) -> str:
        # Never echo what is not a number: <input type="number" value="soon"> is invalid HTML.
        return "" if self.data is None else str(self.data)


class _TimeOfDayField(TimeOfDayField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a time like 09:00, or leave it empty.")) from None


def _days_in_range(_form: Form, field: Field) -> None:
    if field.data is None:
        raise StopValidation()  # not a number: its own message is already there
    if not MIN_DAYS <= field.data <= MAX_DAYS:
        raise ValidationError(
            _("Enter a number between %(min)d and %(max)d.", min=MIN_DAYS, max=MAX_DAYS)
        )


def _one_of_the_kinds(_form: Form, field: Field) -> None:
    if field.data not in TaskKind._value2member_map_:
        raise ValidationError(_("Choose what the candidate does: one of the choices."))


def _one_line(value: object) -> object:
    return clean_text(value, one_line=True) if isinstance(value, str) else value


def _plain_text(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


class MilestoneForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[_one_line],
        validators=[
            DataRequired(_l("Enter a title.")),
            Length(
                max=TITLE_MAX,
                message=_l(
                    "Keep the title to %(max)s characters or fewer.", max=lazy_number(TITLE_MAX)
                ),
            ),
        ],
        render_kw={"autocomplete": "off"},
    )
    kind = RadioField(
        _l("What does the candidate do?"),
        choices=task_words.choices,
        default=TaskKind.MILESTONE.value,  # a form sent without it: a plain milestone
        validate_choice=False,
        validators=[_one_of_the_kinds],
        description=_l(
            "A task appears on the candidate's checklist until they tick it off; once its day "
            "has passed without, it is overdue, and their recruiter sees it."
        ),
    )
    day_offset = _DaysField(
        _l("Days from the joining date"),
        validators=[
            InputRequired(_l("Enter a number of days, such as -14, 0 or 1.")),
            _days_in_range,
        ],
        render_kw={"min": MIN_DAYS, "max": MAX_DAYS, "step": 1},
        description=_l(
            "Negative before the joining date, 0 on the day, positive after it: -14 is two weeks "
            "before. From %(min)s to %(max)s. A task is due by the end of that day.",
            min=MIN_DAYS,
            max=MAX_DAYS,
        ),
    )
    working_days = BooleanField(
        _l("Count working days only (skip weekends and public holidays at the workplace)"),
        description=_l(
            "Then “-3” is three working days before joining on the calendar of the candidate's "
            "joining location: before a Monday, the Wednesday; never a weekend or a holiday."
        ),
    )
    time_of_day = _TimeOfDayField(
        _l("Time (optional)"),
        validators=[Optional()],
        description=_l("Local time at the workplace, such as 09:00. Empty: any time that day."),
    )
    details = TextAreaField(
        _l("Details (optional)"),
        filters=[_plain_text],
        validators=[
            Optional(),
            Length(
                max=DETAILS_MAX,
                message=_l(
                    "Keep the details to %(max)s characters or fewer.",
                    max=lazy_number(DETAILS_MAX),
                ),
            ),
        ],
        render_kw={"rows": 5},
        description=_l(
            "Plain text, up to %(max)s characters. Line breaks are kept.",
            max=lazy_number(DETAILS_MAX),
        ),
    )

    @staticmethod
    def initial(values: MilestoneFields) -> dict:
        return values.as_dict()

    def values(self) -> MilestoneFields:
        return MilestoneFields(
            title=self.title.data or "",
            day_offset=filled(self.day_offset.data),
            time_of_day=self.time_of_day.data,
            details=self.details.data or "",
            working_days=bool(self.working_days.data),
            kind=self.kind.data or TaskKind.MILESTONE,
        )


def _place_field(label: Any, description: Any, datalist: str) -> StringField:
    return StringField(
        label,
        filters=[_one_line],
        validators=[
            Optional(),
            Length(
                max=PLACE_MAX,
                message=_l("Keep it to %(max)s characters or fewer.", max=lazy_number(PLACE_MAX)),
            ),
        ],
        render_kw={"maxlength": PLACE_MAX, "autocomplete": "off", "list": datalist},
        description=description,
    )


class TemplateForm(MilestoneForm):
    """A template milestone: the fields of any milestone, and whom it reaches."""

    location = _place_field(
        _l("Only for candidates joining at (optional)"),
        _l("A location as on the profiles, such as “Berlin” (any case). Empty: every location."),
        "template-locations",
    )
    department = _place_field(
        _l("Only for candidates in the department (optional)"),
        _l("A department as on the profiles, such as “Sales”. Empty: every department."),
        "template-departments",
    )

    @staticmethod
    def initial_with(values: MilestoneFields, target: Target) -> dict:
        return {**values.as_dict(), "location": target.location, "department": target.department}

    def target(self) -> Target:
        return Target(location=self.location.data or "", department=self.department.data or "")
