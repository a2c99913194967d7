"""The forms of HR's team list, a candidate's welcome and their buddy. Input checks only: the
texts are cleaned by `core.inputs`, and the photo is read by `team.photos` in the view (its
refusal is shown beside the field)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField
from wtforms.validators import DataRequired, Optional, ValidationError
from wtforms.widgets import TextArea

from portal.core import inputs
from portal.core.forms import CleanedField, EmailAddressField, OneLineField, PersonNameField
from portal.core.i18n import _, _l, lazy_number
from portal.core.uploads import size_in_words
from portal.team import photos
from portal.team.models import (
    BUDDY_INTRO_MAX,
    MEMBER_INTRO_MAX,
    PLACE_MAX,
    TITLE_MAX,
    WELCOME_MAX,
    Buddy,
    ManagerWelcome,
    TeamMember,
)
from portal.team.photos import ACCEPT_ATTRIBUTE, SMALLEST_SIDE, PreparedPhoto


def _text(max_length: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        return inputs.multi_line(value, max_length=max_length)

    return clean


def _text_field(
    label: LazyString, max_length: int, *, required: LazyString | None, hint: LazyString
) -> CleanedField:
    return CleanedField(
        label,
        clean=_text(max_length),
        widget=TextArea(),
        validators=[DataRequired(required)] if required else [Optional()],
        render_kw={"maxlength": max_length, "rows": 5 if max_length > 500 else 3},
        description=_l(
            "%(hint)s Plain text, up to %(max)s characters.",
            hint=hint,
            max=lazy_number(max_length),
        ),
    )


def photo_hint(max_bytes: int) -> str:
    return _(
        "A JPEG, PNG or WebP image of at most %(size)s, at least %(side)s pixels wide and "
        "high. It is cropped to a square around the middle and shown to candidates without "
        "its camera details or location.",
        size=size_in_words(max_bytes),
        side=SMALLEST_SIDE,
    )


class PhotoForm(FlaskForm):
    """A form with an optional photo, and a box to take the current one away. A chosen file
    is read as it is validated (`team.photos`): `prepared` is the photo to store, and what is
    wrong with the file is shown beside its field."""

    photo = FileField(_l("Photo (optional)"), render_kw={"accept": ACCEPT_ATTRIBUTE})
    remove_photo = BooleanField(_l("Remove the current photo"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared: PreparedPhoto | None = None
        max_bytes = int(current_app.config["PHOTO_MAX_BYTES"])
        self.photo.description = photo_hint(max_bytes)
        # static/photo-field.js refuses a file too large before it is sent, in the server's
        # words (the reader's language).
        self.photo.render_kw = {
            **(self.photo.render_kw or {}),
            "data-max-bytes": max_bytes,
            "data-too-large": photos.too_large(max_bytes),
        }

    def validate_photo(self, field: FileField) -> None:
        chosen = field.data
        if not isinstance(chosen, FileStorage) or not chosen.filename:
            return  # no file chosen: the current photo stays
        try:
            self.prepared = photos.prepare_upload(chosen.stream)
        except photos.PhotoError as error:
            raise ValidationError(error.message) from None


class MemberForm(PhotoForm):
    name = PersonNameField(_l("Name"), validators=[DataRequired(_l("Enter their name."))])
    title = OneLineField(
        _l("Role or job title"),
        max_length=TITLE_MAX,
        what=_l("the role"),
        validators=[DataRequired(_l("Enter their role, such as “Engineering manager”."))],
    )
    intro = _text_field(
        _l("Short introduction (optional)"),
        MEMBER_INTRO_MAX,
        required=None,
        hint=_l("A sentence or two in their words: what they do, what they like."),
    )
    department = OneLineField(
        _l("Department"),
        max_length=PLACE_MAX,
        what=_l("the department"),
        validators=[DataRequired(_l("Enter their department."))],
        render_kw={"list": "departments", "autocomplete": "off"},
        description=_l("Spelled as on candidates' profiles: their candidates see them."),
    )
    location = OneLineField(
        _l("Location (optional)"),
        max_length=PLACE_MAX,
        what=_l("the location"),
        validators=[Optional()],
        render_kw={"list": "locations", "autocomplete": "off"},
        description=_l("Empty: shown to the department's candidates wherever they join."),
    )

    @staticmethod
    def initial(member: TeamMember) -> dict[str, Any]:
        return {
            "name": member.name,
            "title": member.title,
            "intro": member.intro,
            "department": member.department,
            "location": member.location,
        }


class WelcomeForm(PhotoForm):
    manager_name = PersonNameField(
        _l("Hiring manager's name"),
        validators=[DataRequired(_l("Enter the hiring manager's name."))],
    )
    manager_title = OneLineField(
        _l("Their role (optional)"),
        max_length=TITLE_MAX,
        what=_l("the role"),
        validators=[Optional()],
        description=_l("Such as “Head of Engineering”."),
    )
    message = _text_field(
        _l("Welcome message"),
        WELCOME_MAX,
        required=_l("Write the welcome message."),
        hint=_l("In the manager's words, to the candidate."),
    )

    @staticmethod
    def initial(welcome: ManagerWelcome | None) -> dict[str, Any]:
        if welcome is None:
            return {}
        return {
            "manager_name": welcome.manager_name,
            "manager_title": welcome.manager_title,
            "message": welcome.message,
        }


class BuddyForm(PhotoForm):
    name = PersonNameField(
        _l("Buddy's name"), validators=[DataRequired(_l("Enter the buddy's name."))]
    )
    title = OneLineField(
        _l("Their role (optional)"),
        max_length=TITLE_MAX,
        what=_l("the role"),
        validators=[Optional()],
    )
    intro = _text_field(
        _l("Short introduction"),
        BUDDY_INTRO_MAX,
        required=_l("Write a short introduction."),
        hint=_l("Who they are and what the candidate can ask them."),
    )
    email = EmailAddressField(
        _l("Email address (optional)"),
        validators=[Optional()],
        description=_l("Shown to the candidate, so they can write to their buddy."),
    )

    @staticmethod
    def initial(buddy: Buddy | None) -> dict[str, Any]:
        if buddy is None:
            return {}
        return {
            "name": buddy.name,
            "title": buddy.title,
            "intro": buddy.intro,
            "email": buddy.email or "",
        }
