"""HR's forms for people. They validate input only; the rules live in accounts.operations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Any, cast

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    Form,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextArea

from portal.accounts.operations import CandidateDetails
from portal.core import clock, inputs
from portal.core.forms import (
    NO_RECRUITER,
    CalendarDateField,
    CleanedField,
    EmailAddressField,
    OneLineField,
    PersonNameField,
    TimeOfDayField,
    filled,
    time_zone_names,
    valid_time_zone,
)
from portal.core.ids import form_id
from portal.people.models import RECEPTION_INSTRUCTIONS_MAX, Role, User
from portal.timeline import joining_rules
from portal.timeline.joining import JoiningDetails


def _reception_instructions(value: str) -> str:
    return inputs.multi_line(value, max_length=RECEPTION_INSTRUCTIONS_MAX)


# A select that always has an option chosen carries no HTML `required` (HTML wants an empty
# first option on a required select); the server still validates it.
_PRESELECTED = {"required": False}


class PersonForm(FlaskForm):
    name = PersonNameField(
        "Full name",
        validators=[DataRequired("Enter the person's name.")],
        render_kw={"autocomplete": "off"},
    )
    email = EmailAddressField(
        "Email",
        validators=[DataRequired("Enter an email address.")],
        render_kw={"autocomplete": "off"},
    )
    time_zone = SelectField(
        "Time zone",
        validators=[DataRequired("Choose a time zone."), valid_time_zone],
        validate_choice=False,  # valid_time_zone says what is wrong in words
        render_kw=_PRESELECTED,
        description="Dates and times are shown to this person in this zone.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [SelectChoice(zone) for zone in time_zone_names()]


class StaffEditForm(PersonForm):
    @staticmethod
    def initial(user: User) -> dict[str, Any]:
        return {
            "name": user.name,
            "email": user.email,
            "time_zone": user.time_zone,
            "phone": user.phone,
        }

    phone = OneLineField(
        "Phone",
        max_length=40,
        what="the phone number",
        validators=[Optional()],
        render_kw={"autocomplete": "off", "type": "tel"},
        description="Shown to candidates on their recruiter's contact card.",
    )


class StaffForm(StaffEditForm):
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(Role.RECRUITER.value, "Recruiter"),
            SelectChoice(Role.HR.value, "HR"),
        ],
        validators=[DataRequired("Choose a role.")],
        render_kw=_PRESELECTED,
    )
    send_invitation = BooleanField("Email an invitation now", default=True)


class CandidateEditForm(PersonForm):
    job_title = OneLineField(
        "Job title",
        max_length=120,
        what="the job title",
        validators=[DataRequired("Enter the job title.")],
    )
    department = OneLineField(
        "Department",
        max_length=80,
        what="the department",
        validators=[Optional()],
        description="Used to choose which company news this candidate sees.",
    )
    location = OneLineField("Location", max_length=80, what="the location", validators=[Optional()])
    joining_date = CalendarDateField(
        "Joining date", validators=[DataRequired("Enter the joining date as YYYY-MM-DD.")]
    )
    joining_time = TimeOfDayField(
        "Joining time",
        default=time(9, 0),
        validators=[DataRequired("Enter the time of day, such as 09:00.")],
        description="Local time at the workplace.",
    )
    joining_time_zone = SelectField(
        "Workplace time zone",
        validators=[DataRequired("Choose a time zone."), valid_time_zone],
        validate_choice=False,
        render_kw=_PRESELECTED,
        description="Where the candidate starts work. Usually the same as their own time zone.",
    )
    reception_instructions = CleanedField(
        "Reception instructions (optional)",
        clean=_reception_instructions,
        widget=TextArea(),
        validators=[Optional()],
        render_kw={"maxlength": RECEPTION_INSTRUCTIONS_MAX, "rows": 3},
        description=(
            "What to do on arrival, such as “Ask for Rosa at the front desk of building B.” "
            f"Plain text, up to {RECEPTION_INSTRUCTIONS_MAX} characters. The candidate sees it "
            "with the joining time and in their calendar file."
        ),
    )
    backdated = BooleanField(
        "This is a backdated record",
        description=(
            "Tick to save a joining date that has passed, for someone who has already joined. "
            "Nothing is emailed: no invitation and no joining-day change."
        ),
    )
    recruiter_id = SelectField("Recruiter", coerce=form_id, validate_choice=False)
    backup_recruiter_id = SelectField(
        "Backup recruiter (optional)",
        coerce=form_id,
        validate_choice=False,
        description=(
            "Answers the candidate's questions while their recruiter is away: sees the "
            "conversation in their inbox, and the candidate sees who answered."
        ),
    )

    def __init__(
        self,
        *args: Any,
        recruiters: Iterable[User] = (),
        joining_was: JoiningDetails | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The joining details as stored (None on "add"): a date in the past is refused only
        # when it is new, so an old record stays editable.
        self.joining_was = joining_was
        self.offer_backdating = False  # a past date was refused: show the confirmation
        self.is_backdated = False  # a past date was confirmed: send nothing
        self.joining_time_zone.choices = self.time_zone.choices
        self.recruiter_id.choices = [SelectChoice(NO_RECRUITER, "Not assigned yet")] + [
            SelectChoice(
                recruiter.id, recruiter.name + ("" if recruiter.is_active else " (deactivated)")
            )
            for recruiter in recruiters
        ]
        self.backup_recruiter_id.choices = [SelectChoice(NO_RECRUITER, "No backup")] + [
            SelectChoice(
                recruiter.id, recruiter.name + ("" if recruiter.is_active else " (deactivated)")
            )
            for recruiter in recruiters
        ]

    @staticmethod
    def initial(user: User) -> dict[str, Any]:
        profile = user.profile
        return {
            "name": user.name,
            "email": user.email,
            "time_zone": user.time_zone,
            "job_title": profile.job_title,
            "department": profile.department,
            "location": profile.location,
            "joining_date": profile.joining_date,
            "joining_time": profile.joining_time,
            "joining_time_zone": profile.joining_time_zone,
            "reception_instructions": profile.reception_instructions,
            "recruiter_id": profile.recruiter_id or NO_RECRUITER,
            "backup_recruiter_id": profile.backup_recruiter_id or NO_RECRUITER,
        }

    def _workplace_zone(self) -> str:
        zone = self.joining_time_zone.data
        return zone if zone in time_zone_names() else "UTC"

    def validate_joining_date(self, field: Field) -> None:
        if field.data is None:
            return
        try:
            self.is_backdated = joining_rules.check_joining_date(
                field.data,
                zone=self._workplace_zone(),
                now=clock.now(),
                was=self.joining_was,
                backdated=bool(self.backdated.data),
            )
        except joining_rules.PastJoining as error:
            self.offer_backdating = True
            raise ValidationError(error.message) from None
        except inputs.InputError as error:
            raise ValidationError(error.message) from None

    def validate_joining_time(self, field: Field) -> None:
        """Today, a time that has passed is a moment in the past too."""
        day = self.joining_date.data
        if field.data is None or day is None or self.joining_date.errors:
            return
        try:
            self.is_backdated = joining_rules.check_joining_time(
                day,
                field.data,
                zone=self._workplace_zone(),
                now=clock.now(),
                was=self.joining_was,
                backdated=bool(self.backdated.data),
                date_passed=self.is_backdated,
            )
        except joining_rules.PastJoining:
            self.offer_backdating = True
            raise ValidationError(
                "That time has passed today where they join. Choose a later time, or tick "
                "“This is a backdated record” for someone who has already joined."
            ) from None

    def validate_recruiter_id(self, field: Field) -> None:
        choices = cast(list[SelectChoice], self.recruiter_id.choices)
        if field.data not in {choice.value for choice in choices}:
            raise ValidationError("Choose a recruiter from the list.")

    def validate_backup_recruiter_id(self, field: Field) -> None:
        if field.data in (None, NO_RECRUITER):
            return
        choices = cast(list[SelectChoice], self.backup_recruiter_id.choices)
        if field.data not in {choice.value for choice in choices}:
            raise ValidationError("Choose a backup recruiter from the list.")
        if field.data == self.recruiter_id.data:
            raise ValidationError(
                "The backup answers when the recruiter is away: choose someone else."
            )

    def details(self) -> CandidateDetails:
        return CandidateDetails(
            job_title=filled(self.job_title.data),
            department=self.department.data or "",
            location=self.location.data or "",
            joining_date=filled(self.joining_date.data),
            joining_time=filled(self.joining_time.data),
            joining_time_zone=self.joining_time_zone.data,
            recruiter_id=self.recruiter_id.data or None,
            reception_instructions=self.reception_instructions.data or "",
            backup_recruiter_id=self.backup_recruiter_id.data or None,
        )


class CandidateForm(CandidateEditForm):
    send_invitation = BooleanField("Email an invitation now", default=True)


class AuditFilterForm(Form):
    """The audit log's filters (a GET form: nothing changes, so no CSRF token)."""

    kind = SelectField("What", default="", validate_choice=True)
    person = StringField(
        "Person",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=120)],
        description="Part of a name or email address: who acted, or whom it was about.",
    )
    since = DateField("From", validators=[Optional()])
    until = DateField("Until (including that day)", validators=[Optional()])

    def __init__(self, *args: Any, kinds: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", "Everything")] + [
            SelectChoice(value, label) for value, label in kinds.items()
        ]

    def validate_until(self, field: Field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The last day cannot be before the first.")


class OfferUploadForm(FlaskForm):
    """HR's CSV of offers (accounts.offer_import reads it)."""

    file = FileField(
        "CSV file of offers",
        validators=[FileRequired("Choose a CSV file to upload.")],
        render_kw={"accept": ".csv,text/csv"},
        description=(
            "UTF-8 CSV, first row naming the columns: name, email, job title, joining date "
            "(YYYY-MM-DD), joining time (HH:MM), location, department, recruiter (their email "
            "address); optionally time zone (such as Europe/Paris; else yours). Nothing is "
            "created until you have seen every row."
        ),
    )


class OfferCommitForm(FlaskForm):
    """The previewed file, carried back signed (accounts.offer_import_views) and read again."""

    upload = HiddenField(validators=[DataRequired()])
