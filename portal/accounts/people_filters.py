"""The filters of HR's people list: a GET form (nothing changes, so no CSRF token) with no
brains, and the filter it stands for once read. A value that cannot be read is reported beside
its field and left out; the other filters still apply."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from wtforms import Field, SearchField, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import Length, Optional

from portal.accounts.hr_forms import recruiter_choice
from portal.core import inputs
from portal.core.forms import QueryForm
from portal.core.i18n import _, _l, lazy_number
from portal.core.ids import query_id
from portal.people.directory import CandidateFilter
from portal.people.models import User

UNASSIGNED = "unassigned"
SEARCH_MAX_LENGTH = 100
ACCOUNTS = {"active": _l("Active"), "deactivated": _l("Deactivated")}
JOINING_DAYS = (7, 30, 90)


def _tidy(value: object) -> object:
    return inputs.single_line(value) if isinstance(value, str) else value


class PeopleFilterForm(QueryForm):
    """Recruiter (or none), account state, joining soon, and a search by name or email."""

    recruiter = SelectField(_l("Recruiter"), default="", validate_choice=False)
    account = SelectField(
        _l("Account"),
        default="",
        validate_choice=False,
        choices=[SelectChoice("", _l("Active and deactivated"))]
        + [SelectChoice(value, label) for value, label in ACCOUNTS.items()],
    )
    joining = SelectField(
        _l("Joining"),
        default="",
        validate_choice=False,
        choices=[SelectChoice("", _l("Any day"))]
        + [
            SelectChoice(str(days), _l("In the next %(num)d days", num=days))
            for days in JOINING_DAYS
        ],
    )
    q = SearchField(
        _l("Name or email"),
        filters=[_tidy],
        validators=[
            Optional(),
            Length(
                max=SEARCH_MAX_LENGTH,
                message=_l(
                    "Search for at most %(max)s characters.", max=lazy_number(SEARCH_MAX_LENGTH)
                ),
            ),
        ],
        # No maxlength: a longer search comes back whole, beside its error, to be shortened.
        render_kw={"autocomplete": "off"},
        description=_l("Part of a name or email address, in any case."),
    )

    def __init__(self, *args: Any, recruiters: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recruiter.choices = [
            SelectChoice("", _("Everyone's candidates")),
            SelectChoice(UNASSIGNED, _("Not assigned")),
        ] + [SelectChoice(str(r.id), recruiter_choice(r)) for r in recruiters]

    def validate_recruiter(self, field: Field) -> None:
        value = (field.data or "").strip()
        if value in ("", UNASSIGNED):
            return
        try:
            query_id(value)
        except ValueError:
            raise ValidationError(_("Choose a recruiter from the list.")) from None

    def validate_account(self, field: Field) -> None:
        if (field.data or "") not in ("", *ACCOUNTS):
            raise ValidationError(_("Choose active or deactivated accounts, or both."))

    def validate_joining(self, field: Field) -> None:
        if (field.data or "") not in ("", *(str(days) for days in JOINING_DAYS)):
            raise ValidationError(_("Choose 7, 30 or 90 days, or any day."))

    def args(self) -> dict[str, str]:
        """The filters that could be read, for the list's links: {name: value}."""
        return {
            name: str(field.data).strip()
            for name, field in self._fields.items()
            if field.data and not field.errors
        }

    def wanted(self, today: date) -> CandidateFilter:
        """The filter of the fields that could be read (call after `validate`); `today` is the
        reader's, for "joining in the next N days" (today included)."""
        recruiter = "" if self.recruiter.errors else (self.recruiter.data or "").strip()
        account = "" if self.account.errors else self.account.data or ""
        days = "" if self.joining.errors else self.joining.data or ""
        search = "" if self.q.errors else self.q.data or ""
        return CandidateFilter(
            recruiter_id=query_id(recruiter) if recruiter not in ("", UNASSIGNED) else None,
            unassigned=recruiter == UNASSIGNED,
            active=None if not account else account == "active",
            joining_from=today if days else None,
            joining_until=today + timedelta(days=int(days)) if days else None,
            search=search or None,
        )
