"""A candidate's own profile: what to call them, their pronouns, their language and time zone,
and how often to hear from us. One save, audited field by field (what changed, not why)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts import languages
from portal.core import inputs
from portal.core.extensions import db
from portal.core.forms import time_zone_names
from portal.core.i18n import _
from portal.mail import preferences
from portal.people import audit
from portal.people.models import User

PRONOUNS_MAX = 40
FIELDS = ("preferred_name", "pronouns", "language", "time_zone")


class ProfileError(ValueError):
    """A value that cannot be saved, with the form field it belongs beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ProfileValues:
    preferred_name: str
    pronouns: str
    language: str
    time_zone: str
    mail_preference: str


def values_of(candidate: User) -> ProfileValues:
    profile = candidate.candidate_profile
    return ProfileValues(
        preferred_name=candidate.preferred_name,
        pronouns=candidate.pronouns,
        language=candidate.language,
        time_zone=candidate.time_zone,
        mail_preference=profile.mail_preference if profile else "",
    )


def _optional(value: str, clean: object, field: str) -> str:
    try:
        return clean(value)  # type: ignore[operator]
    except inputs.InputError as error:
        if error.empty:
            return ""
        raise ProfileError(field, error.message) from None


def save(candidate: User, wanted: ProfileValues) -> list[str]:
    """Save what changed; the names of the fields that did (empty: nothing changed)."""
    preferred = _optional(wanted.preferred_name, inputs.person_name, "preferred_name")
    pronouns = _optional(
        wanted.pronouns,
        lambda value: inputs.one_line(value, max_length=PRONOUNS_MAX, what=_("the pronouns entry")),
        "pronouns",
    )
    try:
        language = languages.language_code(wanted.language)
    except inputs.InputError:
        raise ProfileError("language", str(languages.NOT_IN_THE_LIST)) from None
    if wanted.time_zone not in time_zone_names():
        raise ProfileError(
            "time_zone", _("Choose a place from the list, such as Germany — Berlin.")
        )
    new = {
        "preferred_name": preferred,
        "pronouns": pronouns,
        "language": language,
        "time_zone": wanted.time_zone,
    }
    changes = {
        name: (getattr(candidate, name), value)
        for name, value in new.items()
        if getattr(candidate, name) != value
    }
    for name, (_old, value) in changes.items():
        setattr(candidate, name, value)
    changed = list(changes)
    try:
        if preferences.set_preference(candidate, wanted.mail_preference):
            changed.append("mail_preference")
    except preferences.PreferenceError as error:
        raise ProfileError("mail_preference", str(error)) from None
    audit.record_changes(candidate, candidate, "candidate.profile_changed", changes)
    return changed


def save_language(user: User, code: str) -> bool:
    """Make `code` (a code of LANGUAGES) anyone's language, from the footer's switch: audited
    as a change of their own profile. True if it changed. Flushes; the caller commits."""
    old = user.language
    if old == code:
        return False
    user.language = code
    audit.record(user, f"{user.role}.profile_changed", user, "language", old, code)
    db.session.flush()
    return True
