"""The FAQ entry form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import OneLineField
from portal.core.i18n import _l, lazy_number

ANSWER_MAX = 5000


class FaqForm(FlaskForm):
    question = OneLineField(
        _l("Question"),
        max_length=300,
        what=_l("the question"),
        validators=[DataRequired(_l("Write the question."))],
        description=_l("Phrase it as a candidate would ask it. No names."),
    )
    answer = TextAreaField(
        _l("Answer"),
        validators=[
            DataRequired(_l("Write the answer.")),
            Length(
                max=ANSWER_MAX,
                message=_l(
                    "Keep the answer to %(max)s characters or fewer.", max=lazy_number(ANSWER_MAX)
                ),
            ),
        ],
        render_kw={"rows": 8},
        description=_l("Plain text. Links become clickable."),
    )
    published = BooleanField(_l("Show it to candidates"), default=True)
