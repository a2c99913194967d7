"""HR's announcement form: no brains, input checks only (news.announcements saves it and says
what an audience may hold). One form, three buttons (name="action"): preview, save as a draft,
publish."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import TextArea

from portal.core import inputs
from portal.core.forms import CalendarDateField, CleanedField, OneLineField, TimeOfDayField
from portal.core.i18n import _l, lazy_number
from portal.news.announcements import BODY_MAX, TITLE_MAX

PREVIEW = "preview"
DRAFT = "draft"
PUBLISH = "publish"
ACTIONS = (PREVIEW, DRAFT, PUBLISH)
_TAG_HINT = _l("Separate names with commas. Leave empty for everyone.")


def _body(value: str) -> str:
    return inputs.multi_line(value, max_length=BODY_MAX)


class AnnouncementForm(FlaskForm):
    """An announcement: its words, who reads it, and from when."""

    title = OneLineField(
        _l("Title"),
        max_length=TITLE_MAX,
        what=_l("the title"),
        validators=[DataRequired(_l("Enter a title."))],
        description=_l("Candidates see it on the card and as the heading."),
        render_kw={"autocomplete": "off"},
    )
    body = CleanedField(
        _l("Text"),
        clean=_body,
        widget=TextArea(),
        validators=[DataRequired(_l("Write the announcement."))],
        description=_l(
            "Markdown: **bold**, *italic*, lists (- or 1.), > quotes, [words](https://…) for a "
            "link and ![what it shows](https://…) for a picture. Up to %(max)s characters.",
            max=lazy_number(BODY_MAX),
        ),
        render_kw={"rows": 12},
    )
    departments = StringField(
        _l("Departments"),
        description=_l("Who reads it, for example: Engineering, Sales. %(hint)s", hint=_TAG_HINT),
    )
    locations = StringField(
        _l("Locations"), description=_l("For example: Paris, London. %(hint)s", hint=_TAG_HINT)
    )
    pinned = BooleanField(_l("Pin it to the top of candidates' news"))
    publish_on = CalendarDateField(
        _l("Publish on"),
        validators=[Optional()],
        description=_l(
            "Leave the day and time empty to publish as soon as you press “Publish”. In your "
            "own time zone."
        ),
    )
    publish_time = TimeOfDayField(
        _l("At"), validators=[Optional()], description=_l("For example 09:00.")
    )
