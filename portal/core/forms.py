"""Form fields and validators every feature's forms share."""

from __future__ import annotations

from functools import cache
from typing import TypeVar, cast
from zoneinfo import available_timezones

from flask import abort
from flask_wtf import FlaskForm
from wtforms import DateField, Field, Form, TimeField, ValidationError

# The "not assigned" option of a recruiter select (HR's candidate form, the thread's reassign
# form): `coerce=int` needs an int, and no user has id 0. The views turn it into None.
NO_RECRUITER = 0

T = TypeVar("T")


def filled(data: T | None) -> T:
    """A required field's data once the form is valid: its validators have ruled out None
    (the field types say `| None` because they cannot know)."""
    if data is None:
        raise ValueError("a required field was read before its form was validated")
    return data


def add_error(field: Field, message: str) -> None:
    """Show `message` under `field` after validation (its errors are a list by then; the
    field types say Sequence)."""
    cast(list[str], field.errors).append(message)


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


def require_confirmation() -> None:
    """Before a one-button action runs: 400 unless its ConfirmForm came back valid (the CSRF
    token is the whole form, so anything else is a forged or stale request)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
