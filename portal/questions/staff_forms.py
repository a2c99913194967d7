"""The forms of the recruiter's day: a private note, a saved reply, working hours and time away.
Input checks only; the rules (who may, what clashes) are in notes, saved_replies,
working_hours and cover."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    Form,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import DataRequired, InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core import inputs
from portal.core.forms import (
    CalendarDateField,
    OneLineField,
    TimeOfDayField,
    TimeZoneField,
)
from portal.core.i18n import _, _l, lazy_number
from portal.people.models import User
from portal.questions import notes, saved_replies
from portal.questions.working_hours import DAY_NAMES, day_name


def _note_rules(_form: Form, field: Field) -> None:
    try:
        field.data = notes.clean(field.data or "")
    except notes.NoteError as error:
        raise ValidationError(str(error)) from None


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Note"),
        validators=[_note_rules],
        render_kw={"rows": 4, "maxlength": notes.MAX_LENGTH},
        description=_l(
            "Plain text, up to %(max)s characters. Staff only.", max=lazy_number(notes.MAX_LENGTH)
        ),
    )


def _reply_rules(_form: Form, field: Field) -> None:
    try:
        text = inputs.multi_line(field.data or "", max_length=saved_replies.BODY_MAX_LENGTH)
    except inputs.InputError as error:
        raise ValidationError(error.message) from None
    if not text:
        raise ValidationError(_("Write the reply's text."))
    field.data = text


def placeholder_hint() -> str:
    """ "You may use {first_name} (the candidate's first name), …." in the reader's language."""
    return _(
        "You may use %(placeholders)s.",
        placeholders=", ".join(
            f"{{{name}}} ({words})" for name, words in saved_replies.PLACEHOLDERS.items()
        ),
    )


class SavedReplyForm(FlaskForm):
    title = OneLineField(
        _l("Title"),
        max_length=saved_replies.TITLE_MAX_LENGTH,
        what=_l("a title"),
        validators=[DataRequired(_l("Enter a title."))],
        description=_l("How you find it in the list, such as “Laptop pick-up”."),
    )
    body = TextAreaField(
        _l("Text"),
        validators=[_reply_rules],
        render_kw={"rows": 6, "maxlength": saved_replies.BODY_MAX_LENGTH},
        description=LazyString(placeholder_hint),
    )


class DayBoxes(SelectMultipleField):
    """Checkboxes, one per weekday; the template lays them out in a fieldset."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WorkingHoursForm(FlaskForm):
    time_zone = TimeZoneField(_l("Time zone"), validators=[DataRequired(_l("Choose a time zone."))])
    weekdays = DayBoxes(
        _l("Working days"),
        choices=[SelectChoice(str(n), LazyString(day_name, n)) for n in range(len(DAY_NAMES))],
        validate_choice=False,
    )
    starts = TimeOfDayField(
        _l("Start"), validators=[InputRequired(_l("Enter a time, such as 09:00."))]
    )
    ends = TimeOfDayField(
        _l("Finish"),
        validators=[InputRequired(_l("Enter a time, such as 17:00."))],
        description=_l("00:00 for a day that ends at midnight."),
    )
    holiday_calendar = SelectField(_l("Public holidays"), validate_choice=False, default="")

    def __init__(self, *args: Any, calendars: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holiday_calendar.choices = [SelectChoice("", _("None: every working day counts"))] + [
            SelectChoice(place, _("Those of %(place)s", place=place)) for place in calendars
        ]

    def validate_weekdays(self, field: Field) -> None:
        days = field.data or []
        if not days:
            raise ValidationError(_("Tick at least one working day."))
        if any(day not in {str(n) for n in range(7)} for day in days):
            raise ValidationError(_("Tick days from the list."))

    @property
    def weekday_bits(self) -> int:
        return sum(1 << int(day) for day in set(self.weekdays.data or []))

    @staticmethod
    def minute(value: Any, *, end: bool = False) -> int:
        """A time of day as minutes after midnight; midnight as a finish is the day's end."""
        minutes = value.hour * 60 + value.minute
        return 1440 if end and minutes == 0 else minutes


class AbsenceForm(FlaskForm):
    first_day = CalendarDateField(
        _l("First day away"), validators=[InputRequired(_l("Enter the first day away."))]
    )
    last_day = CalendarDateField(
        _l("Last day away"),
        validators=[InputRequired(_l("Enter the last day away."))],
        description=_l("Both days are included, in the recruiter's own time zone."),
    )
    cover_id = SelectField(
        _l("Who covers"),
        validate_choice=False,
        default="",
        description=_l(
            "They get the new questions, the daily digest and the overdue marks "
            "meanwhile. A candidate's own backup recruiter comes first."
        ),
    )

    def __init__(self, *args: Any, colleagues: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cover_id.choices = [
            SelectChoice("", _("Nobody: each candidate's backup recruiter, else HR"))
        ] + [SelectChoice(str(person.id), person.name) for person in colleagues]
