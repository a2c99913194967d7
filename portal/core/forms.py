"""Form fields and validators every feature's forms share."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import DateField, Field, Form, TimeField, ValidationError


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name the system knows, sorted, for choosing from a list."""
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(time_zone_names())


def valid_time_zone(_form: Form, field: Field) -> None:
    if field.data not in _zone_set():
        raise ValidationError("Choose a time zone from the list, such as Europe/Paris.")


class TimeOfDayField(TimeField):
    """<input type="time"> that never echoes what it could not read (that is invalid HTML)."""

    def _value(self) -> str:
        return "" if self.data is None else self.data.strftime("%H:%M")


class CalendarDateField(DateField):
    """<input type="date"> that never echoes what it could not read."""

    def _value(self) -> str:
        return "" if self.data is None else self.data.isoformat()


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected one-button action (deactivate, remove, resend...)."""
