"""The pulse check on the candidate's home page (its rules are engagement's `pulse`)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs

from portal.core.i18n import _l, lazy_number
from portal.engagement import pulse


def _a_step_of_the_scale(_form: Form, field: Field) -> None:
    try:
        pulse.clean_score(field.data)
    except pulse.PulseError as error:
        raise ValidationError(error.message) from None


def _comment_rules(_form: Form, field: Field) -> None:
    try:
        pulse.clean_comment(field.data)
    except pulse.PulseError as error:
        raise ValidationError(error.message) from None


class PulseForm(FlaskForm):
    """The pulse check: one of five steps, and an optional comment."""

    score = RadioField(
        _l("How do you feel about joining?"),
        choices=[SelectChoice(str(value), words) for value, words in pulse.SCALE.items()],
        validate_choice=False,  # _a_step_of_the_scale says what is wrong, in words
        validators=[_a_step_of_the_scale],
    )
    comment = TextAreaField(
        _l("Anything you would like to add? (optional)"),
        validators=[_comment_rules],
        render_kw={"rows": 3, "maxlength": pulse.COMMENT_MAX},
        description=_l(
            "Only your recruiter and HR read it. Up to %(max)s characters.",
            max=lazy_number(pulse.COMMENT_MAX),
        ),
    )
