"""HR's first-day forms. They carry the input; timeline.day_one cleans and checks it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from portal.core.i18n import _l
from portal.timeline import day_one
from portal.timeline.day_one import DayOneFields


class DayOneForm(FlaskForm):
    """A candidate's own first-day values: a blank field keeps their location's."""

    address = TextAreaField(
        _l("Address"),
        render_kw={"rows": 3, "maxlength": day_one.ADDRESS_MAX, "autocomplete": "off"},
        description=_l("Street, number, postcode and town, as a map would find it."),
    )
    ask_for = StringField(
        _l("Whom to ask for at reception"),
        render_kw={"maxlength": day_one.ASK_FOR_MAX, "autocomplete": "off"},
        description=_l("Such as “Ask for Maria Lopez (People team) at the front desk”."),
    )
    bring = TextAreaField(
        _l("What to bring"),
        render_kw={"rows": 4, "maxlength": day_one.BRING_MAX},
        description=_l("One thing per line, such as “Your passport or ID card”."),
    )
    dress_code = StringField(
        _l("Dress code"),
        render_kw={"maxlength": day_one.DRESS_CODE_MAX, "autocomplete": "off"},
        description=_l("Such as “Casual: jeans are fine”."),
    )
    agenda = TextAreaField(
        _l("Agenda of the day"),
        render_kw={"rows": 6, "maxlength": day_one.AGENDA_MAX},
        description=_l(
            "One line each, a local time first: “09:30 Welcome coffee with your team”. "
            "Up to %(max)s lines.",
            max=day_one.AGENDA_LINES_MAX,
        ),
    )

    def values(self) -> DayOneFields:
        return DayOneFields(
            address=self.address.data or "",
            ask_for=self.ask_for.data or "",
            bring=self.bring.data or "",
            dress_code=self.dress_code.data or "",
            agenda=self.agenda.data or "",
        )


class DayOnePlanForm(DayOneForm):
    """A joining location's first day, for everyone who joins there."""

    location = StringField(
        _l("Location"),
        validators=[DataRequired(_l("Enter the location, as on the candidates' profiles."))],
        render_kw={"maxlength": day_one.LOCATION_MAX, "autocomplete": "off"},
        description=_l("As on the candidates' profiles, such as “Berlin” (any case)."),
    )
