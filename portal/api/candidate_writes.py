"""What the API's writes do, through the portal's own operations and checks: no rule here is
the API's own.

- New candidates are offers, exactly as HR's CSV of offers holds them (`accounts.offer_import`):
  the same columns as JSON fields (`job title` is `job_title`), checked by the same row checks,
  created by the same operation with their invitations queued for the mail queue.
- Joining details go through `timeline.joining_rules` (the date and time rules of HR's form)
  and `accounts.operations.update_person`, so the calendar event's SEQUENCE and the batched
  joining-changed email behave as when HR saves the form.
- A new recruiter goes through `accounts.operations.assign_recruiter`, as on HR's pages.

Who may write what follows the web: HR any active candidate, a recruiter only their own (and
only candidates of their own are added with their token). Functions flush; views commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.accounts import offer_import
from portal.accounts import operations as accounts
from portal.accounts.offer_import import Context, Offer, OfferRow, RowError
from portal.accounts.operations import CandidateDetails
from portal.core import inputs
from portal.core.forms import time_zone_names
from portal.core.i18n import _
from portal.core.ids import MAX_ID
from portal.core.words import noun
from portal.people import directory
from portal.people.models import RECEPTION_INSTRUCTIONS_MAX, Role, User
from portal.timeline import joining, joining_rules

# The offer's fields: HR's CSV columns, spelled as JSON names.
OFFER_FIELDS = tuple(column.replace(" ", "_") for column in offer_import.COLUMNS)
REQUIRED_OFFER_FIELDS = tuple(column.replace(" ", "_") for column in offer_import.REQUIRED_COLUMNS)
JOINING_FIELDS = (
    "joining_date",
    "joining_time",
    "joining_time_zone",
    "location",
    "reception_instructions",
)
BACKDATED = "backdated"
LOCATION_MAX = 80  # the profile's column, as HR's form and the CSV say
RECRUITER_ID = "recruiter_id"
# The JSON Pointer of an offer in the body, by its number (from 1): "#/0" for the first of an
# array, "#" for a body that is one offer.
Where = Callable[[int], str]


@dataclass(frozen=True)
class FieldError:
    """One value at fault: where (a JSON Pointer into the body; for a CSV, the row as a
    spreadsheet numbers it and the column) and what is wrong, in words."""

    detail: str
    field: str | None = None
    pointer: str | None = None
    row: int | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"detail": self.detail, "field": self.field}
        found.update(pointer=self.pointer, row=self.row)
        return {name: value for name, value in found.items() if value is not None}


class InvalidInput(Exception):
    """Values that cannot be used (422), each with its error."""

    def __init__(self, detail: str, errors: list[FieldError]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class OutOfScope(Exception):
    """Something the token's person may not do (403)."""


def candidate_for(caller: User, candidate_id: int) -> User | None:
    """An active candidate the caller may change: HR any, a recruiter their own; else None."""
    if caller.role == Role.HR:
        found = directory.person(candidate_id)
    else:
        found = directory.candidate_of_recruiter(caller, candidate_id)
    if found is None or found.candidate_profile is None or not found.is_active:
        return None
    return found


# --- Offers: one candidate, or many -------------------------------------------------------------


def json_offer_rows(items: list[Any]) -> list[OfferRow]:
    """The offers of a JSON body as the CSV's rows (numbered from 1), with what is wrong with
    their shape already noted: a value that is not text, a field the CSV has no column for."""
    rows = []
    for number, item in enumerate(items, start=1):
        row = OfferRow(number, {})
        if not isinstance(item, dict):
            row.fail("", "Each offer is a JSON object of fields.")
        else:
            for name, value in item.items():
                column = str(name).replace("_", " ")
                if name not in OFFER_FIELDS:
                    row.fail(str(name), f"There is no such field. The fields: {_listed()}.")
                elif not isinstance(value, str):
                    row.fail(column, "Send this as text (a JSON string).")
                else:
                    row.cells[column] = value
        rows.append(row)
    return rows


def _listed() -> str:
    return ", ".join(OFFER_FIELDS)


def _own_recruiter(rows: list[OfferRow], caller: User) -> None:
    """A recruiter's token adds candidates of their own: an offer naming no recruiter is
    theirs, one naming someone else is refused (OutOfScope)."""
    if caller.role == Role.HR:
        return
    for row in rows:
        named = inputs.single_line(row.cells.get(offer_import.RECRUITER) or "")
        if not named:
            row.cells[offer_import.RECRUITER] = caller.email
            continue
        try:
            address = inputs.email_address(named)
        except inputs.InputError:
            continue  # the row's own check says what is wrong with it
        if address != caller.email:
            raise OutOfScope(
                "A recruiter's token adds candidates of their own only: leave out "
                f"“recruiter” or give your own address (row {row.number} names {address})."
            )


def _recruiters_zone(rows: list[OfferRow], context: Context) -> None:
    """No person sent these (another system did): an offer without a time zone takes its
    recruiter's, where HR's upload would take the uploader's."""
    for row in rows:
        if inputs.single_line(row.cells.get(offer_import.TIME_ZONE) or ""):
            continue
        try:
            address = inputs.email_address(row.cells.get(offer_import.RECRUITER) or "")
        except inputs.InputError:
            continue  # the row's own check says what is wrong with it
        recruiter = context.recruiters.get(address)
        if recruiter is not None:
            row.cells[offer_import.TIME_ZONE] = recruiter.time_zone


def checked_offers(
    rows: list[OfferRow], caller: User | None, now: datetime, *, where: Where | None
) -> list[Offer]:
    """Every row checked as HR's CSV is; the offers when all are valid, else InvalidInput with
    every problem. `caller`: the token's person (their zone stands in for a missing time
    zone), None for another system. `where`: the JSON Pointer of each offer by its number, or
    None for a CSV file (its errors name the row)."""
    context = Context.load(now, caller.time_zone if caller else "UTC")
    if caller is None:
        _recruiters_zone(rows, context)
    else:
        _own_recruiter(rows, caller)
    sheet = offer_import.check_rows(rows, list(offer_import.COLUMNS), context=context)
    if sheet.is_valid:
        return sheet.offers
    # A value that is not text is also "empty" to the row's checks: only the first is said.
    first = {(error.row, error.column): error for error in reversed(sheet.errors)}
    errors = [
        _row_error(error, where, many=len(rows) > 1)
        for error in sheet.errors
        if first[(error.row, error.column)] is error
    ]
    wrong = sum(1 for row in sheet.rows if row.errors)
    raise InvalidInput(
        f"{wrong} of {len(rows)} {noun(len(rows), 'offer')} cannot be used (see `errors`); "
        "nothing was created.",
        errors,
    )


def _row_error(error: RowError, where: Where | None, *, many: bool) -> FieldError:
    field = error.column.replace(" ", "_") or None
    if where is None:  # a CSV file: its row and column
        return FieldError(error.message, field=field, row=error.row)
    pointer = where(error.row) + (f"/{field}" if field else "")
    return FieldError(error.message, field=field, pointer=pointer, row=error.row if many else None)


def create(offers: list[Offer], caller: User | None) -> list[User]:
    """Create every offer's candidate and queue their invitations, or InvalidInput (an address
    or recruiter that changed since the check)."""
    try:
        return offer_import.create_offers(offers, caller)
    except accounts.AccountError as error:
        raise InvalidInput(error.message, [FieldError(error.message, field=error.field)]) from None


# --- Joining details --------------------------------------------------------------------------


def _text(body: dict[str, Any], name: str, errors: list[FieldError]) -> str | None:
    if name not in body:
        return None
    value = body[name]
    if not isinstance(value, str):
        errors.append(FieldError("Send this as text (a JSON string).", name, f"#/{name}"))
        return None
    return value


def _checked(name: str, check: Any, value: str | None, errors: list[FieldError]) -> Any | None:
    if value is None:
        return None
    try:
        return check(value)
    except inputs.InputError as error:
        errors.append(FieldError(error.message, name, f"#/{name}"))
        return None


def _optional_line(value: str) -> str:
    if not inputs.single_line(value):
        return ""  # as HR's form: the location may be left empty
    return inputs.one_line(value, max_length=LOCATION_MAX, what="the location")


def _zone(value: str) -> str:
    zone = inputs.single_line(value)
    if zone not in time_zone_names():
        raise inputs.InputError(_("Use a time zone name such as Europe/Paris."))
    return zone


def _past(error: joining_rules.PastJoining) -> str:
    if error.field == "joining_time":
        return (
            "That time has passed today where they join. Choose a later time, or send "
            '"backdated": true for someone who has already joined.'
        )
    return (
        f"That date has passed (today is {error.today.isoformat()} where they join). Choose "
        'today or a later day, or send "backdated": true for someone who has already joined.'
    )


def change_joining(
    candidate: User, body: dict[str, Any], actor: User, *, now: datetime, portal_link: str
) -> dict[str, tuple[Any, Any]]:
    """Change some of the candidate's joining details (the others stay): checked as on HR's
    form, then saved as it saves them. The changes made ({field: (old, new)}), or InvalidInput."""
    errors = [
        FieldError(
            f"There is no such field. The fields: {', '.join(JOINING_FIELDS)}, backdated.",
            str(name),
            f"#/{name}",
        )
        for name in body
        if name not in (*JOINING_FIELDS, BACKDATED)
    ]
    backdated = body.get(BACKDATED, False)
    if not isinstance(backdated, bool):
        errors.append(FieldError("Send true or false.", BACKDATED, f"#/{BACKDATED}"))
        backdated = False
    profile = candidate.profile
    was = joining.joining_details(profile)
    day = _checked(
        "joining_date", offer_import.day_from_text, _text(body, "joining_date", errors), errors
    )
    at = _checked(
        "joining_time", offer_import.time_from_text, _text(body, "joining_time", errors), errors
    )
    zone = _checked("joining_time_zone", _zone, _text(body, "joining_time_zone", errors), errors)
    location = _checked("location", _optional_line, _text(body, "location", errors), errors)
    reception = _checked(
        "reception_instructions",
        lambda value: inputs.multi_line(value, max_length=RECEPTION_INSTRUCTIONS_MAX),
        _text(body, "reception_instructions", errors),
        errors,
    )
    if errors:
        raise InvalidInput("Some values cannot be used: see `errors`. Nothing changed.", errors)
    day = was.joining_date if day is None else day
    at = was.joining_time if at is None else at
    zone = was.joining_time_zone if zone is None else zone
    try:
        passed = joining_rules.check_joining_date(
            day, zone=zone, now=now, was=was, backdated=backdated
        )
        passed = joining_rules.check_joining_time(
            day, at, zone=zone, now=now, was=was, backdated=backdated, date_passed=passed
        )
    except joining_rules.PastJoining as error:
        raise InvalidInput(
            "The joining moment has passed: see `errors`. Nothing changed.",
            [FieldError(_past(error), error.field, f"#/{error.field}")],
        ) from None
    except inputs.InputError as error:
        raise InvalidInput(
            "The joining date cannot be used: see `errors`. Nothing changed.",
            [FieldError(error.message, "joining_date", "#/joining_date")],
        ) from None
    details = CandidateDetails(
        job_title=profile.job_title,
        department=profile.department,
        location=profile.location if location is None else location,
        joining_date=day,
        joining_time=at,
        joining_time_zone=zone,
        recruiter_id=profile.recruiter_id,
        reception_instructions=(profile.reception_instructions if reception is None else reception),
        backup_recruiter_id=profile.backup_recruiter_id,
    )
    return accounts.update_person(
        actor=actor,
        user=candidate,
        email=candidate.email,
        name=candidate.name,
        time_zone=candidate.time_zone,
        details=details,
        portal_link=portal_link,
        backdated=passed,
    )


# --- Recruiter ----------------------------------------------------------------------------------


def change_recruiter(candidate: User, body: dict[str, Any], actor: User) -> bool:
    """Give the candidate to another recruiter (or to none: null), as HR's pages do. True if
    it changed; InvalidInput for anything but an active recruiter's id."""
    unknown = [name for name in body if name != RECRUITER_ID]
    if RECRUITER_ID not in body or unknown:
        raise InvalidInput(
            'Send {"recruiter_id": <an active recruiter\'s id>} (or null for no recruiter).',
            [FieldError("Give the recruiter's id, or null.", RECRUITER_ID, f"#/{RECRUITER_ID}")],
        )
    recruiter_id = body[RECRUITER_ID]
    if recruiter_id is not None and (
        isinstance(recruiter_id, bool) or not isinstance(recruiter_id, int) or recruiter_id < 1
    ):
        raise InvalidInput(
            "The recruiter's id is a whole number.",
            [FieldError("Give the recruiter's id, or null.", RECRUITER_ID, f"#/{RECRUITER_ID}")],
        )
    try:
        if recruiter_id is not None and recruiter_id > MAX_ID:
            accounts.ensure_recruiter(0)  # no such person: the same refusal, in its words
        return accounts.assign_recruiter(candidate, recruiter_id, actor)
    except accounts.AccountError as error:
        raise InvalidInput(
            "That recruiter cannot be chosen: see `errors`. Nothing changed.",
            [FieldError(error.message, RECRUITER_ID, f"#/{RECRUITER_ID}")],
        ) from None
