"""A person's language, as every way in chooses it: the candidate's profile, HR's candidate
forms, HR's CSV of offers and the API's offers. One list of choices (each language named in
itself) and one check (a code of LANGUAGES), so they all take and refuse the same values."""

from __future__ import annotations

from typing import Any

from flask import current_app
from wtforms import SelectField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs

from portal.core import inputs
from portal.core.i18n import DEFAULT_LANGUAGE, _, _l

# What a select of the languages says of a value not in it.
NOT_IN_THE_LIST = _l("Choose one of the languages in the list.")


def default_language() -> str:
    """The language of someone nobody has chosen one for: the portal's default."""
    return DEFAULT_LANGUAGE


def choices() -> list[SelectChoice]:
    """The portal's languages for a select: each named in itself ("Deutsch") and marked as
    written in it (`lang`, for screen readers)."""
    return [
        SelectChoice(code, name, render_kw={"lang": code})
        for code, name in current_app.config["LANGUAGES"].items()
    ]


def language_code(value: str) -> str:
    """`value` as a code of LANGUAGES ("de"; any case, spaces around it ignored), or InputError
    saying which codes there are (`empty` when nothing was given)."""
    code = inputs.single_line(value or "").casefold()
    known: dict[str, str] = current_app.config["LANGUAGES"]
    if code in known:
        return code
    raise inputs.InputError(
        _(
            "Use one of the portal's languages: %(languages)s.",
            languages=", ".join(f"{each} ({name})" for each, name in known.items()),
        ),
        empty=not code,
    )


def optional_language(value: str) -> str:
    """`language_code(value)`, or the default language when nothing was given."""
    try:
        return language_code(value)
    except inputs.InputError as error:
        if error.empty:
            return default_language()
        raise


class LanguageField(SelectField):
    """A select of the portal's languages (`choices`), checked by `language_code`. Left out
    of a posted form, it keeps its value (the person's language, or the default)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("default", default_language)
        super().__init__(label, validators, choices=choices, validate_choice=False, **kwargs)

    def pre_validate(self, form: Any) -> None:
        try:
            self.data = language_code(self.data or "")
        except inputs.InputError:
            raise ValidationError(str(NOT_IN_THE_LIST)) from None
