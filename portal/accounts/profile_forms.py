"""The candidate's profile form. It carries the input; accounts.profile checks and saves it."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs

from portal.accounts.profile import PRONOUNS_MAX, ProfileValues
from portal.core import inputs, time_zones
from portal.mail.preferences import CHOICES


class ProfileForm(FlaskForm):
    preferred_name = StringField(
        "What should we call you? (optional)",
        render_kw={"maxlength": inputs.NAME_MAX_LENGTH, "autocomplete": "nickname"},
        description="Used when we greet you, on your pages and in our emails.",
    )
    pronouns = StringField(
        "Your pronouns (optional)",
        render_kw={"maxlength": PRONOUNS_MAX, "autocomplete": "off", "list": "pronoun-choices"},
        description="Such as she/her, he/him or they/them. Your recruiter and HR see them.",
    )
    language = SelectField("Language", validate_choice=False)
    time_zone = StringField(
        "Your time zone",
        render_kw={"autocomplete": "off", "list": "time-zone-choices", "spellcheck": "false"},
        description=(
            "Type your country or city and pick from the list, such as Germany — Berlin. "
            "Dates and times on your pages and in our emails are shown in it."
        ),
    )
    mail_preference = RadioField(
        "How often would you like to hear from us?",
        choices=[SelectChoice(str(choice.value), choice.label) for choice in CHOICES],
        validate_choice=False,  # accounts.profile says what is wrong, in words
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        languages = current_app.config["LANGUAGES"]
        self.language.choices = [SelectChoice(code, name) for code, name in languages.items()]

    def values(self) -> ProfileValues:
        return ProfileValues(
            preferred_name=self.preferred_name.data or "",
            pronouns=self.pronouns.data or "",
            language=self.language.data or "",
            time_zone=_zone_name(self.time_zone.data or ""),
            mail_preference=self.mail_preference.data or "",
        )


def _zone_name(typed: str) -> str:
    """A zone as picked ("Europe/Berlin"), or as its list label was typed in full."""
    typed = typed.strip()
    by_label = {choice.label.casefold(): choice.zone for choice in time_zones.choices()}
    return by_label.get(typed.casefold(), typed)
