"""HR's feed form: no brains, input checks only (the one validators of core/inputs through the
shared fields); whether a name or address is free is for news.feeds.settings to say."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, InputRequired, NumberRange, StopValidation

from portal.core.forms import OneLineField, WebAddressField
from portal.news.feeds.config import DEFAULT_MAX_ITEMS, MAX_ITEMS_LIMIT, NAME_MAX

_TAG_HINT = "Separate names with commas. Leave empty for everyone."
ITEMS_MESSAGE = f"Enter a whole number from 1 to {MAX_ITEMS_LIMIT}."


class ItemsField(IntegerField):
    """A whole number of items, with HR's words when what was typed is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(ITEMS_MESSAGE) from None

    def pre_validate(self, form: BaseForm) -> None:
        if self.process_errors:
            raise StopValidation()  # the one message is already there

    def _value(self) -> str:
        # Never echo what could not be read: <input type="number"> may only hold a number.
        return "" if self.data is None else str(self.data)


class FeedForm(FlaskForm):
    """A feed's settings. The "Test this feed" button sends the same form (action=test)."""

    name = OneLineField(
        "Name",
        max_length=NAME_MAX,
        what="the feed's name",
        validators=[DataRequired("Enter the feed's name.")],
        description="Candidates see it beside each item, so make it say where news comes from.",
        render_kw={"autocomplete": "off"},
    )
    url = WebAddressField(
        "Address of the feed",
        what="the feed's address",
        validators=[DataRequired("Enter the feed's address.")],
        description="The address of its RSS or Atom feed, starting with https://. “Test this "
        "feed” shows what the portal would store from it.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    departments = StringField(
        "Departments", description=f"Who reads it, for example: Engineering, Sales. {_TAG_HINT}"
    )
    locations = StringField("Locations", description=f"For example: Paris, London. {_TAG_HINT}")
    max_items = ItemsField(
        "Items kept",
        default=DEFAULT_MAX_ITEMS,
        validators=[
            InputRequired(ITEMS_MESSAGE),
            NumberRange(min=1, max=MAX_ITEMS_LIMIT, message=ITEMS_MESSAGE),
        ],
        description=f"How many of the newest items to keep at each check, 1 to {MAX_ITEMS_LIMIT}.",
        render_kw={"min": 1, "max": MAX_ITEMS_LIMIT, "inputmode": "numeric"},
    )
    enabled = BooleanField(
        "On: fetch this feed and show its news to candidates",
        default=True,
    )
