"""The forms of a question thread: a question or an answer, and "no reply needed"."""

from __future__ import annotations

import secrets
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, Form, HiddenField, SelectField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from portal.core.i18n import _, _l, lazy_number
from portal.core.ids import form_id
from portal.questions.threads import MAX_LENGTH, QuestionError, clean_body


def _new_client_key() -> str:
    return secrets.token_urlsafe(16)


def _message_rules(_form: Form, field: Field) -> None:
    try:
        clean_body(field.data or "")
    except QuestionError as error:
        raise ValidationError(str(error)) from None


class MessageForm(FlaskForm):
    """A question or an answer. The hidden key makes a double-clicked send store one message."""

    body = TextAreaField(
        _l("Your message"),
        validators=[_message_rules],
        render_kw={"rows": 5, "maxlength": MAX_LENGTH},
        description=_l(
            "Plain text, up to %(max)s characters. Links become clickable.",
            max=lazy_number(MAX_LENGTH),
        ),
    )
    # Never shown; a label given spares loading WTForms' own translations for its default one.
    client_key = HiddenField("", default=_new_client_key, validators=[Length(max=64)])
    wait = 0  # seconds to wait, when the post was refused as one too many (thread_views)


class QuestionForm(MessageForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body.label.text = _("Your question")


class AnswerForm(MessageForm):
    """An answer, and a saved reply to insert into it (the "Insert" button re-shows the form
    with the reply's text added; nothing is sent). Its choices are set by the view."""

    saved_reply = SelectField(_l("Saved reply"), choices=[], validate_choice=False, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body.label.text = _("Your answer")


def _message_id(_form: Form, field: Field) -> None:
    try:
        field.data = form_id(field.data)
    except ValueError:
        raise ValidationError(_("Not a message of this conversation.")) from None


class CloseForm(FlaskForm):
    """Mark the thread "no reply needed", up to the last message the page showed: a question
    sent meanwhile keeps waiting."""

    through = HiddenField("", validators=[DataRequired(), _message_id])
