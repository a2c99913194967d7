"""The outcome form on a candidate's staff pages (what it means is portal.outcomes.recording)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, Form, RadioField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import Optional

from portal.core.forms import OneLineField
from portal.core.i18n import _l
from portal.outcomes.models import Outcome
from portal.outcomes.recording import REASON_MAX_LENGTH

NO_OUTCOME = "none"  # the choice that takes a recorded outcome back
EXPLANATIONS = {
    str(Outcome.JOINED): _l("They started: from their joining day."),
    str(Outcome.RENEGED): _l(
        "They said no, or stopped answering for good, before their first day."
    ),
    str(Outcome.NO_SHOW): _l("They did not come on their first day, without a word."),
    NO_OUTCOME: _l("Nothing is settled yet: before their joining moment only."),
}
_VALUES = frozenset(EXPLANATIONS)


def _one_of_the_choices(_form: Form, field: Field) -> None:
    if field.data not in _VALUES:
        raise ValidationError(_l("Choose what became of the offer."))


class OutcomeForm(FlaskForm):
    """What became of the offer, and why (optional)."""

    outcome = RadioField(
        _l("What became of the offer?"),
        # Each outcome's label is translated when the form is drawn (`recorded` is its msgid).
        choices=[SelectChoice(str(value), _l(value.recorded)) for value in Outcome]
        + [SelectChoice(NO_OUTCOME, _l("No outcome yet"))],
        validate_choice=False,  # _one_of_the_choices says what is wrong, in words
        validators=[_one_of_the_choices],
    )
    reason = OneLineField(
        _l("Reason (optional)"),
        max_length=REASON_MAX_LENGTH,
        what=_l("the reason"),
        validators=[Optional()],
        description=_l(
            "Such as “accepted a counter-offer”. Kept in the audit log; it is removed with "
            "their other records when retention forgets them."
        ),
    )

    @property
    def chosen(self) -> Outcome | None:
        """The outcome chosen once the form is valid; None for "no outcome yet"."""
        return None if self.outcome.data == NO_OUTCOME else Outcome(self.outcome.data)


class HrOutcomeForm(OutcomeForm):
    """HR's version: it may also close the candidate's account."""

    close_account = BooleanField(
        _l(
            "Also close their account: they can no longer sign in, leave the boards and get no "
            "more email"
        )
    )
