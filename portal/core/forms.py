"""Form fields and validators every feature's forms share."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, cast
from zoneinfo import available_timezones

from flask import abort, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from markupsafe import Markup
from wtforms import DateField, EmailField, Field, Form, StringField, TimeField, ValidationError
from wtforms.form import BaseForm
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from portal.core import inputs, time_zones
from portal.core.i18n import _

# The "not assigned" option of a recruiter select (HR's candidate form, the thread's reassign
# form): `coerce=form_id` needs an int, and no user has id 0. The views turn it into None.
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
    """Every time zone field's one check: a zone of the tz database (as TimeZoneField reads
    what was typed, a label of the list or an IANA name)."""
    if field.data not in _zone_set():
        raise ValidationError(_("Choose a place from the list, such as Germany — Berlin."))


# The id of the page's one list of zones (a page with two zone fields shows it once).
TIME_ZONE_LIST_ID = "time-zone-choices"
_ZONE_LIST_SHOWN = "portal_time_zone_list_shown"


class TimeZoneInput(TextInput):
    """A text input searching the zones by country or city (a <datalist> of core.time_zones'
    labels in the reader's language); the first zone field of a page brings the list."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        html = super().__call__(field, **kwargs)
        if g.get(_ZONE_LIST_SHOWN):
            return html
        setattr(g, _ZONE_LIST_SHOWN, True)
        options = Markup("").join(
            Markup('<option value="{}"></option>').format(choice.label)
            for choice in time_zones.choices()
        )
        return html + Markup('<datalist id="{}">{}</datalist>').format(TIME_ZONE_LIST_ID, options)


class TimeZoneField(StringField):
    """A time zone as people choose one: by country or city ("Germany — Berlin", "Deutschland —
    Berlin" for a German reader), from the tz database's list, not the 597 raw names. Its data
    is the IANA name ("Europe/Berlin"): a label of the list (in the reader's language or in
    English), a place or country naming one zone, or an IANA name are all read. The input shows
    the zone's label; what could not be read comes back as typed, beside `valid_time_zone`'s
    message (added to the field's validators)."""

    widget = TimeZoneInput()
    data: str  # never None: empty until something is typed

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        kwargs["render_kw"] = {
            "autocomplete": "off",
            "spellcheck": "false",
            "list": TIME_ZONE_LIST_ID,
            **(kwargs.get("render_kw") or {}),
        }
        kwargs["validators"] = [*(kwargs.get("validators") or ()), valid_time_zone]
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            typed = inputs.single_line(str(valuelist[0]))
            self.data = time_zones.zone_for_label(typed) or typed

    def _value(self) -> str:
        if self.data in _zone_set():
            return time_zones.label(self.data)
        return self.data or ""


class TimeOfDayField(TimeField):
    """<input type="time"> that never echoes what it could not read (that is invalid HTML)."""

    def _value(self) -> str:
        return "" if self.data is None else self.data.strftime("%H:%M")


class CalendarDateField(DateField):
    """<input type="date"> that never echoes what it could not read."""

    def _value(self) -> str:
        return "" if self.data is None else self.data.isoformat()


def _limit(kwargs: dict[str, Any], max_length: int) -> None:
    """Let the browser stop typing at the limit too (a copy: the caller's dict may be shared)."""
    kwargs["render_kw"] = {"maxlength": max_length, **(kwargs.get("render_kw") or {})}


class CleanedField(StringField):
    """A text field whose input is cleaned by a `core.inputs` function as it arrives: the form's
    data is what will be stored, and the function's refusal is shown beside the field (and the
    other validators are skipped). Input that cleans to nothing is left to the validators:
    `DataRequired(_l("Enter …"))` for a required field, `Optional()` for one that may be empty.
    What could not be used is shown back as one tidy line, never with its control characters."""

    def __init__(self, *args: Any, clean: Callable[[str], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clean = clean
        self.problem: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.problem = None
        if not valuelist:
            return
        raw = str(valuelist[0])
        try:
            self.data = self.clean(raw)
        except inputs.InputError as error:
            self.data = "" if error.empty else inputs.single_line(raw)
            self.problem = None if error.empty else error.message

    def pre_validate(self, form: BaseForm) -> None:
        if self.problem:
            raise StopValidation(self.problem)


class PersonNameField(CleanedField):
    """A person's name (`inputs.person_name`): one clean line, any script."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _limit(kwargs, inputs.NAME_MAX_LENGTH)
        super().__init__(*args, clean=inputs.person_name, **kwargs)


class OneLineField(CleanedField):
    """A single line of text that may reach an email subject or header (`inputs.one_line`).
    `what` names it in messages, with its article: `_l("the job title")`."""

    def __init__(self, *args: Any, max_length: int, what: str, **kwargs: Any) -> None:
        _limit(kwargs, max_length)

        def clean(value: str) -> str:
            return inputs.one_line(value, max_length=max_length, what=what)

        super().__init__(*args, clean=clean, **kwargs)


class EmailAddressField(CleanedField, EmailField):
    """<input type="email"> read by `inputs.email_address`: a bare address, lower case."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _limit(kwargs, inputs.EMAIL_MAX_LENGTH)
        super().__init__(*args, clean=inputs.email_address, **kwargs)


class WebAddressField(CleanedField):
    """A web address read by `inputs.web_address`: an http(s) address in one form. `what` names
    it in messages, with its article: `_l("the feed's address")`. A text input with the URL
    keyboard, not <input type="url">: what could not be used comes back as typed, to be
    corrected, and that input may only hold an absolute URL."""

    def __init__(self, *args: Any, what: str | None = None, **kwargs: Any) -> None:
        _limit(kwargs, inputs.URL_MAX_LENGTH)
        kwargs["render_kw"] = {"inputmode": "url", **kwargs["render_kw"]}

        def clean(value: str) -> str:
            return inputs.web_address(value, what=what)

        super().__init__(*args, clean=clean, **kwargs)


class QueryForm(Form):
    """A form read from the query string (filters, a search): nothing changes, so no CSRF token.
    WTForms' own messages ("Not a valid date value.") come in the reader's language, as they do
    for every FlaskForm."""

    class Meta:
        def get_translations(self, form: Form) -> Any:
            return wtforms_translations


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected one-button action (deactivate, remove, resend...)."""


def require_confirmation() -> None:
    """Before a one-button action runs: 400 unless its ConfirmForm came back valid (the CSRF
    token is the whole form, so anything else is a forged or stale request)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


# The field a confirmation page sends back with its button (templates/core/confirm.html).
CONFIRMED_FIELD = "confirmed"


def ask_first(
    question: str, *, button: str, cancel: str, detail: str = ""
) -> ResponseReturnValue | None:
    """Before a destructive one-button action (deactivate, delete, remove, revoke, disable,
    discard): None once the person has said yes, else the page that asks `question`, with
    `button` to go ahead (the same POST, confirmed) and a link back to `cancel`. The form's
    CSRF token is checked first either way ("confirm or 400"). Call it after the look-ups
    that may 404, so nobody is asked about what they may not touch."""
    require_confirmation()
    if request.form.get(CONFIRMED_FIELD) == "1":
        return None
    action = request.full_path if request.query_string else request.path
    page = render_template(
        "core/confirm.html",
        question=question,
        detail=detail,
        button=button,
        cancel=cancel,
        action=action,
        confirmed_field=CONFIRMED_FIELD,
    )
    return page, 200
