"""Validators and forms shared by the blueprints."""

from __future__ import annotations

import secrets
from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import DateField, Field, Form, HiddenField, TextAreaField, TimeField, ValidationError
from wtforms.validators import Length

from portal.services.passwords import password_problem
from portal.services.questions import MAX_LENGTH, QuestionError, clean_body


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


def acceptable_password(_form: Form, field: Field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


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


def _new_client_key() -> str:
    return secrets.token_urlsafe(16)


def _message_rules(_form: Form, field: Field) -> None:
    try:
        clean_body(field.data or "")
    except QuestionError as error:
        raise ValidationError(str(error)) from None


class MessageForm(FlaskForm):
    """A question or an answer. The hidden key makes a double-clicked send store one message."""

    body = TextAreaField(
        "Your message",
        validators=[_message_rules],
        render_kw={"rows": 5, "maxlength": MAX_LENGTH},
        description=f"Plain text, up to {MAX_LENGTH:,} characters. Links become clickable.",
    )
    client_key = HiddenField(default=_new_client_key, validators=[Length(max=64)])


class QuestionForm(MessageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.body.label.text = "Your question"


class AnswerForm(MessageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.body.label.text = "Your answer"
