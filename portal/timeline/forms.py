"""HR's milestone form. It checks the input only; the rules live in timeline.milestones."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    Form,
    IntegerField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from portal.core.forms import TimeOfDayField, filled
from portal.timeline.milestones import (
    DETAILS_MAX,
    MAX_DAYS,
    MIN_DAYS,
    TITLE_MAX,
    MilestoneFields,
    clean_text,
)


class _DaysField(IntegerField):
    """A whole number of days, with one plain message when it is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a whole number of days, such as -14, 0 or 1.") from None

    def _value(self) -> str:
        # Never echo what is not a number: <input type="number" value="soon"> is invalid HTML.
        return "" if self.data is None else str(self.data)


class _TimeOfDayField(TimeOfDayField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a time like 09:00, or leave it empty.") from None


def _days_in_range(_form: Form, field: Field) -> None:
    if field.data is None:
        raise StopValidation()  # not a number: its own message is already there
    if not MIN_DAYS <= field.data <= MAX_DAYS:
        raise ValidationError(f"Enter a number between {MIN_DAYS} and {MAX_DAYS}.")


def _one_line(value: object) -> object:
    return clean_text(value, one_line=True) if isinstance(value, str) else value


def _plain_text(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


class MilestoneForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[_one_line],
        validators=[
            DataRequired("Enter a title."),
            Length(max=TITLE_MAX, message=f"Keep the title to {TITLE_MAX} characters or fewer."),
        ],
        render_kw={"autocomplete": "off"},
    )
    day_offset = _DaysField(
        "Days from the joining date",
        validators=[InputRequired("Enter a number of days, such as -14, 0 or 1."), _days_in_range],
        render_kw={"min": MIN_DAYS, "max": MAX_DAYS, "step": 1},
        description=(
            f"Negative before the joining date, 0 on the day, positive after it: -14 is two "
            f"weeks before. From {MIN_DAYS} to {MAX_DAYS}."
        ),
    )
    working_days = BooleanField(
        "Count working days only (skip weekends and public holidays at the workplace)",
        description=(
            "Then “-3” is three working days before joining on the calendar of the candidate's "
            "joining location: before a Monday, the Wednesday; never a weekend or a holiday."
        ),
    )
    time_of_day = _TimeOfDayField(
        "Time (optional)",
        validators=[Optional()],
        description="Local time at the workplace, such as 09:00. Empty: any time that day.",
    )
    details = TextAreaField(
        "Details (optional)",
        filters=[_plain_text],
        validators=[
            Optional(),
            Length(
                max=DETAILS_MAX,
                message=f"Keep the details to {DETAILS_MAX:,} characters or fewer.",
            ),
        ],
        render_kw={"rows": 5},
        description=f"Plain text, up to {DETAILS_MAX:,} characters. Line breaks are kept.",
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
        )
