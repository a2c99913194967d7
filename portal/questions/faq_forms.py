"""The FAQ entry form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import OneLineField


class FaqForm(FlaskForm):
    question = OneLineField(
        "Question",
        max_length=300,
        what="the question",
        validators=[DataRequired("Write the question.")],
        description="Phrase it as a candidate would ask it. No names.",
    )
    answer = TextAreaField(
        "Answer",
        validators=[DataRequired("Write the answer."), Length(max=5000)],
        render_kw={"rows": 8},
        description="Plain text. Links become clickable.",
    )
    published = BooleanField("Show it to candidates", default=True)
