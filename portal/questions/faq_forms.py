"""The FAQ entry form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class FaqForm(FlaskForm):
    question = StringField(
        "Question",
        validators=[DataRequired("Write the question."), Length(max=300)],
        description="Phrase it as a candidate would ask it. No names.",
    )
    answer = TextAreaField(
        "Answer",
        validators=[DataRequired("Write the answer."), Length(max=5000)],
        render_kw={"rows": 8},
        description="Plain text. Links become clickable.",
    )
    published = BooleanField("Show it to candidates", default=True)
