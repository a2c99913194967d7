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
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextArea

from portal.accounts.languages import LanguageField
from portal.accounts.operations import CandidateDetails
from portal.core import clock, inputs
from portal.core.forms import (
    NO_RECRUITER,
    CalendarDateField,
    CleanedField,
    EmailAddressField,
    OneLineField,
    PersonNameField,
    QueryForm,
    TimeOfDayField,
    TimeZoneField,
    filled,
    time_zone_names,
)
from portal.core.i18n import _, _l, lazy_number
from portal.core.ids import form_id
from portal.people.models import RECEPTION_INSTRUCTIONS_MAX, Role, User
from portal.timeline import joining_rules
from portal.timeline.joining import JoiningDetails


def _reception_instructions(value: str) -> str:
    return inputs.multi_line(value, max_length=RECEPTION_INSTRUCTIONS_MAX)


def recruiter_choice(recruiter: User) -> str:
    """A recruiter as a list of them shows them: "Rita Recruiter (deactivated)"."""
    if recruiter.is_active:
        return recruiter.name
    return _("%(name)s (deactivated)", name=recruiter.name)


# A select that always has an option chosen carries no HTML `required` (HTML wants an empty
# first option on a required select); the server still validates it.
_PRESELECTED = {"required": False}


class PersonForm(FlaskForm):
    name = PersonNameField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter the person's name."))],
        render_kw={"autocomplete": "off"},
    )
    email = EmailAddressField(
        _l("Email"),
        validators=[DataRequired(_l("Enter an email address."))],
        render_kw={"autocomplete": "off"},
    )
    time_zone = TimeZoneField(
        _l("Time zone"),
        validators=[DataRequired(_l("Choose a time zone."))],
        description=_l("Dates and times are shown to this person in this zone."),
    )


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
        _l("Phone"),
        max_length=40,
        what=_l("the phone number"),
        validators=[Optional()],
        render_kw={"autocomplete": "off", "type": "tel"},
        description=_l("Shown to candidates on their recruiter's contact card."),
    )


class StaffForm(StaffEditForm):
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.RECRUITER.value, _l("Recruiter")),
            SelectChoice(Role.HR.value, _l("HR")),
        ],
        validators=[DataRequired(_l("Choose a role."))],
        render_kw=_PRESELECTED,
    )
    send_invitation = BooleanField(_l("Email an invitation now"), default=True)


class CandidateEditForm(PersonForm):
    language = LanguageField(
        _l("Language"),
        description=_l(
            "Their invitation, their email and the portal are in this language until they "
            "choose another on their profile."
        ),
    )
    job_title = OneLineField(
        _l("Job title"),
        max_length=120,
        what=_l("the job title"),
        validators=[DataRequired(_l("Enter the job title."))],
    )
    department = OneLineField(
        _l("Department"),
        max_length=80,
        what=_l("the department"),
        validators=[Optional()],
        description=_l("Used to choose which company news this candidate sees."),
    )
    location = OneLineField(
        _l("Location"), max_length=80, what=_l("the location"), validators=[Optional()]
    )
    joining_date = CalendarDateField(
        _l("Joining date"), validators=[DataRequired(_l("Enter the joining date as YYYY-MM-DD."))]
    )
    joining_time = TimeOfDayField(
        _l("Joining time"),
        default=time(9, 0),
        validators=[DataRequired(_l("Enter the time of day, such as 09:00."))],
        description=_l("Local time at the workplace."),
    )
    joining_time_zone = TimeZoneField(
        _l("Workplace time zone"),
        validators=[DataRequired(_l("Choose a time zone."))],
        description=_l("Where the candidate starts work. Usually the same as their own time zone."),
    )
    reception_instructions = CleanedField(
        _l("Reception instructions (optional)"),
        clean=_reception_instructions,
        widget=TextArea(),
        validators=[Optional()],
        render_kw={"maxlength": RECEPTION_INSTRUCTIONS_MAX, "rows": 3},
        description=_l(
            "What to do on arrival, such as “Ask for Rosa at the front desk of building B.” "
            "Plain text, up to %(max)s characters. The candidate sees it with the joining time "
            "and in their calendar file.",
            max=lazy_number(RECEPTION_INSTRUCTIONS_MAX),
        ),
    )
    backdated = BooleanField(
        _l("This is a backdated record"),
        description=_l(
            "Tick to save a joining date that has passed, for someone who has already joined. "
            "Nothing is emailed: no invitation and no joining-day change."
        ),
    )
    recruiter_id = SelectField(_l("Recruiter"), coerce=form_id, validate_choice=False)
    backup_recruiter_id = SelectField(
        _l("Backup recruiter (optional)"),
        coerce=form_id,
        validate_choice=False,
        description=_l(
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
        self.recruiter_id.choices = [SelectChoice(NO_RECRUITER, _l("Not assigned yet"))] + [
            SelectChoice(recruiter.id, recruiter_choice(recruiter)) for recruiter in recruiters
        ]
        self.backup_recruiter_id.choices = [SelectChoice(NO_RECRUITER, _l("No backup"))] + [
            SelectChoice(recruiter.id, recruiter_choice(recruiter)) for recruiter in recruiters
        ]

    @staticmethod
    def initial(user: User) -> dict[str, Any]:
        profile = user.profile
        return {
            "name": user.name,
            "email": user.email,
            "time_zone": user.time_zone,
            "language": user.language,
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
                _(
                    "That time has passed today where they join. Choose a later time, or tick "
                    "“This is a backdated record” for someone who has already joined."
                )
            ) from None

    def validate_recruiter_id(self, field: Field) -> None:
        choices = cast(list[SelectChoice], self.recruiter_id.choices)
        if field.data not in {choice.value for choice in choices}:
            raise ValidationError(_("Choose a recruiter from the list."))

    def validate_backup_recruiter_id(self, field: Field) -> None:
        if field.data in (None, NO_RECRUITER):
            return
        choices = cast(list[SelectChoice], self.backup_recruiter_id.choices)
        if field.data not in {choice.value for choice in choices}:
            raise ValidationError(_("Choose a backup recruiter from the list."))
        if field.data == self.recruiter_id.data:
            raise ValidationError(
                _("The backup answers when the recruiter is away: choose someone else.")
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
    send_invitation = BooleanField(_l("Email an invitation now"), default=True)


class AuditFilterForm(QueryForm):
    """The audit log's filters (a GET form: nothing changes, so no CSRF token)."""

    kind = SelectField(_l("What"), default="", validate_choice=True)
    person = StringField(
        _l("Person"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=120)],
        description=_l("Part of a name or email address: who acted, or whom it was about."),
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until (including that day)"), validators=[Optional()])

    def __init__(self, *args: Any, kinds: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _l("Everything"))] + [
            SelectChoice(value, label) for value, label in kinds.items()
        ]

    def validate_until(self, field: Field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The last day cannot be before the first."))


class OfferUploadForm(FlaskForm):
    """HR's CSV of offers (accounts.offer_import reads it)."""

    file = FileField(
        _l("CSV file of offers"),
        validators=[FileRequired(_l("Choose a CSV file to upload."))],
        render_kw={"accept": ".csv,text/csv"},
        description=_l(
            "UTF-8 CSV, first row naming the columns: name, email, job title, joining date "
            "(YYYY-MM-DD), joining time (HH:MM), location, department, recruiter (their email "
            "address); optionally time zone (such as Europe/Paris; else yours) and language "
            "(of their invitation and pages, such as de; else English). Nothing is created "
            "until you have seen every row."
        ),
    )


class OfferCommitForm(FlaskForm):
    """The previewed file, carried back signed (accounts.offer_import_views) and read again."""

    upload = HiddenField(validators=[DataRequired()])
