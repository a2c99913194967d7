"""The candidate's profile form. It carries the input; accounts.profile checks and saves it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs

from portal.accounts.languages import LanguageField
from portal.accounts.profile import PRONOUNS_MAX, ProfileValues
from portal.core import inputs
from portal.core.forms import TimeZoneField
from portal.core.i18n import _l
from portal.mail.preferences import CHOICES


class ProfileForm(FlaskForm):
    preferred_name = StringField(
        _l("What should we call you? (optional)"),
        render_kw={"maxlength": inputs.NAME_MAX_LENGTH, "autocomplete": "nickname"},
        description=_l("Used when we greet you, on your pages and in our emails."),
    )
    pronouns = StringField(
        _l("Your pronouns (optional)"),
        render_kw={"maxlength": PRONOUNS_MAX, "autocomplete": "off", "list": "pronoun-choices"},
        description=_l("Such as she/her, he/him or they/them. Your recruiter and HR see them."),
    )
    # Left out of a post, it is not taken as "the default": the profile says it is missing.
    language = LanguageField(_l("Language"), default=None)
    time_zone = TimeZoneField(
        _l("Your time zone"),
        description=_l(
            "Type your country or city and pick from the list, such as Germany — Berlin. "
            "Dates and times on your pages and in our emails are shown in it."
        ),
    )
    mail_preference = RadioField(
        _l("How often would you like to hear from us?"),
        choices=[SelectChoice(str(choice.value), choice.label) for choice in CHOICES],
        validate_choice=False,  # accounts.profile says what is wrong, in words
    )

    def values(self) -> ProfileValues:
        return ProfileValues(
            preferred_name=self.preferred_name.data or "",
            pronouns=self.pronouns.data or "",
            language=self.language.data or "",
            time_zone=self.time_zone.data or "",
            mail_preference=self.mail_preference.data or "",
        )
