"""HR's feed form: no brains, input checks only (the one validators of core/inputs through the
shared fields); whether a name or address is free is for news.feeds.settings to say."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, InputRequired, NumberRange, StopValidation

from portal.core.forms import OneLineField, WebAddressField
from portal.core.i18n import _l
from portal.news.feeds.config import DEFAULT_MAX_ITEMS, MAX_ITEMS_LIMIT, NAME_MAX

_TAG_HINT = _l("Separate names with commas. Leave empty for everyone.")
ITEMS_MESSAGE = _l("Enter a whole number from 1 to %(max)s.", max=MAX_ITEMS_LIMIT)


class ItemsField(IntegerField):
    """A whole number of items, with HR's words when what was typed is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(ITEMS_MESSAGE)) from None

    def pre_validate(self, form: BaseForm) -> None:
        if self.process_errors:
            raise StopValidation()  # the one message is already there

    def _value(self) -> str:
        # Never echo what could not be read: <input type="number"> may only hold a number.
        return "" if self.data is None else str(self.data)


class FeedForm(FlaskForm):
    """A feed's settings. The "Test this feed" button sends the same form (action=test)."""

    name = OneLineField(
        _l("Name"),
        max_length=NAME_MAX,
        what=_l("the feed's name"),
        validators=[DataRequired(_l("Enter the feed's name."))],
        description=_l("Candidates see it beside each item, so make it say where news comes from."),
        render_kw={"autocomplete": "off"},
    )
    url = WebAddressField(
        _l("Address of the feed"),
        what=_l("the feed's address"),
        validators=[DataRequired(_l("Enter the feed's address."))],
        description=_l(
            "The address of its RSS or Atom feed, starting with https://. “Test this feed” "
            "shows what the portal would store from it."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    departments = StringField(
        _l("Departments"),
        description=_l("Who reads it, for example: Engineering, Sales. %(hint)s", hint=_TAG_HINT),
    )
    locations = StringField(
        _l("Locations"), description=_l("For example: Paris, London. %(hint)s", hint=_TAG_HINT)
    )
    max_items = ItemsField(
        _l("Items kept"),
        default=DEFAULT_MAX_ITEMS,
        validators=[
            InputRequired(ITEMS_MESSAGE),
            NumberRange(min=1, max=MAX_ITEMS_LIMIT, message=ITEMS_MESSAGE),
        ],
        description=_l(
            "How many of the newest items to keep at each check, 1 to %(max)s.",
            max=MAX_ITEMS_LIMIT,
        ),
        render_kw={"min": 1, "max": MAX_ITEMS_LIMIT, "inputmode": "numeric"},
    )
    enabled = BooleanField(
        _l("On: fetch this feed and show its news to candidates"),
        default=True,
    )
