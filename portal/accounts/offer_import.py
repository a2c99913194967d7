"""Offers in bulk: HR's CSV of offers read, checked row by row, and created all together.

`read_offers` turns the uploaded bytes into a `Sheet`: a problem with the file as a whole (not
UTF-8, too large, missing or unknown columns) is an `OfferFileError`; everything wrong with a row
is a `RowError` beside that row. Each value goes through the same validator as on HR's "Add a
candidate" form (`portal.core.inputs`), and each valid row becomes the same `CandidateDetails`.
`create_offers` then creates every candidate through `accounts.operations`, exactly as adding
one does, and queues their invitations; the caller commits once, so it is all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar

from sqlalchemy import select

from portal.accounts import languages
from portal.accounts.bulk_candidates import NewCandidate, create_candidates
from portal.accounts.offer_file import (
    COLUMNS,
    DEPARTMENT,
    EMAIL,
    JOB_TITLE,
    JOINING_DATE,
    JOINING_TIME,
    LANGUAGE,
    LOCATION,
    NAME,
    RECRUITER,
    REQUIRED_COLUMNS,
    TIME_ZONE,
    Offer,
    OfferFileError,
    OfferRow,
    RowError,
    parse,
)
from portal.accounts.operations import CandidateDetails
from portal.core import inputs
from portal.core.extensions import db
from portal.core.forms import time_zone_names
from portal.core.i18n import _
from portal.people.models import Role, User
from portal.timeline import joining_rules

# The file's own names (offer_file) are part of this module's public face: callers import
# the CSV of offers from here.
__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "LANGUAGE",
    "RECRUITER",
    "TIME_ZONE",
    "Context",
    "Offer",
    "OfferFileError",
    "OfferRow",
    "RowError",
    "Sheet",
    "check_rows",
    "create_offers",
    "day_from_text",
    "existing_emails",
    "parse",
    "read_offers",
    "time_from_text",
]

T = TypeVar("T")

_LOOKUP_CHUNK = 500  # emails per IN (...) query: well under every database's parameter limit


@dataclass
class Sheet:
    rows: list[OfferRow]
    columns: tuple[str, ...]  # the columns the file has, in COLUMNS order

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def offers(self) -> list[Offer]:
        return [row.offer for row in self.rows if row.offer is not None]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and all(row.offer is not None for row in self.rows)


@dataclass(frozen=True)
class Context:
    """What rows are checked against: the recruiters and the uploader's zone, the moment."""

    now: datetime
    default_zone: str
    recruiters: dict[str, User]  # active recruiters by email address

    @classmethod
    def load(cls, now: datetime, default_zone: str) -> Context:
        query = select(User).where(User.role == Role.RECRUITER, User.is_active.is_(True))
        return cls(now, default_zone, {user.email: user for user in db.session.scalars(query)})


def read_offers(
    data: bytes, *, context: Context, max_bytes: int, max_rows: int, taken: set[str] | None = None
) -> Sheet:
    """Read and check every row. `taken`: addresses known to have an account (by default
    looked up in the database, a few queries for the whole file)."""
    columns, rows = parse(data, max_bytes=max_bytes, max_rows=max_rows)
    return check_rows(rows, columns, context=context, taken=taken)


def check_rows(
    rows: list[OfferRow], columns: list[str], *, context: Context, taken: set[str] | None = None
) -> Sheet:
    """Check rows from a file or the API's JSON: each cell, then addresses taken or repeated."""
    for row in rows:
        _check(row, context)
    emails = {row.offer.email for row in rows if row.offer is not None}
    taken = existing_emails(emails) if taken is None else taken
    first_row: dict[str, int] = {}
    for row in rows:
        if row.offer is None:
            continue
        email = row.offer.email
        if email in taken:
            row.fail(EMAIL, _("Someone already has an account with this email address."))
        elif email in first_row:
            row.fail(
                EMAIL,
                _(
                    "The same email address as row %(row)s: one row a person.",
                    row=first_row[email],
                ),
            )
        else:
            first_row[email] = row.number
        if row.errors:
            row.offer = None
    return Sheet(rows, tuple(column for column in COLUMNS if column in columns))


def existing_emails(emails: Iterable[str]) -> set[str]:
    """Which of these addresses already have an account (any role, active or not)."""
    wanted = sorted(set(emails))
    found: set[str] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        found.update(db.session.scalars(select(User.email).where(User.email.in_(chunk))))
    return found


def _value(row: OfferRow, column: str, check: Callable[[str], T]) -> T | None:
    """The cell through its validator, or None with the error noted beside it."""
    try:
        return check(row.cells.get(column) or "")
    except inputs.InputError as error:
        row.fail(column, error.message)
        return None


def _optional(row: OfferRow, column: str, max_length: int, what: str) -> str:
    text = row.cells.get(column) or ""
    if not inputs.single_line(text):
        return ""
    value = _value(row, column, lambda v: inputs.one_line(v, max_length=max_length, what=what))
    return value or ""


def _zone(row: OfferRow, context: Context) -> str | None:
    zone = inputs.single_line(row.cells.get(TIME_ZONE) or "")
    if not zone:
        return context.default_zone
    if zone not in time_zone_names():
        row.fail(TIME_ZONE, _("Use a time zone name such as Europe/Paris."))
        return None
    return zone


def day_from_text(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise inputs.InputError(
            _("Enter the joining date as YYYY-MM-DD."), empty=not text
        ) from None


def time_from_text(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()  # noqa: DTZ007 - a time of day
    except ValueError:
        raise inputs.InputError(
            _("Enter the time of day, such as 09:00."), empty=not text
        ) from None


def _joining(row: OfferRow, zone: str | None, now: datetime) -> tuple[date, time] | None:
    day = _value(row, JOINING_DATE, day_from_text)
    at = _value(row, JOINING_TIME, time_from_text)
    if day is None or zone is None:
        return None
    try:
        passed = joining_rules.check_joining_date(day, zone=zone, now=now, backdated=False)
        if at is not None:
            joining_rules.check_joining_time(
                day, at, zone=zone, now=now, backdated=False, date_passed=passed
            )
    except joining_rules.PastJoining as error:
        if error.field == "joining_time":
            row.fail(JOINING_TIME, error.message)
        else:
            row.fail(
                JOINING_DATE,
                _(
                    "That date has passed (today is %(today)s where they join). Choose today or "
                    "a later day; add someone who has already joined on their own, as a "
                    "backdated record.",
                    today=error.today.isoformat(),
                ),
            )
        return None
    except inputs.InputError as error:
        row.fail(JOINING_DATE, error.message)
        return None
    return None if at is None else (day, at)


def _recruiter(row: OfferRow, context: Context) -> User | None:
    address = _value(row, RECRUITER, inputs.email_address)
    if address is None:
        return None
    recruiter = context.recruiters.get(address)
    if recruiter is None:
        row.fail(RECRUITER, _("No active recruiter has this email address."))
    return recruiter


def _check(row: OfferRow, context: Context) -> None:
    """Check each cell of the row, noting every problem; set `row.offer` when there is none."""
    name = _value(row, NAME, inputs.person_name)
    email = _value(row, EMAIL, inputs.email_address)
    job_title = _value(
        row, JOB_TITLE, lambda v: inputs.one_line(v, max_length=120, what=_("the job title"))
    )
    department = _optional(row, DEPARTMENT, 80, _("the department"))
    location = _optional(row, LOCATION, 80, _("the location"))
    zone = _zone(row, context)
    joining = _joining(row, zone, context.now)
    recruiter = _recruiter(row, context)
    # The same check as HR's form and the profile; left empty, the portal's default.
    language = _value(row, LANGUAGE, languages.optional_language)
    if (
        row.errors
        or name is None
        or email is None
        or job_title is None
        or joining is None
        or recruiter is None
        or zone is None
        or language is None
    ):
        return
    row.offer = Offer(
        name=name,
        email=email,
        time_zone=zone,
        details=CandidateDetails(
            job_title=job_title,
            department=department,
            location=location,
            joining_date=joining[0],
            joining_time=joining[1],
            joining_time_zone=zone,
            recruiter_id=recruiter.id,
        ),
        language=language,
    )


def create_offers(offers: list[Offer], actor: User | None) -> list[User]:
    """Create every candidate as HR's "Add a candidate" does (audit log, summary) and queue
    each invitation, which the mail queue sends at its own pace. Flushes; the caller commits,
    or rolls everything back when one fails (an `AccountError`)."""
    return create_candidates(
        actor=actor,
        candidates=[
            NewCandidate(offer.email, offer.name, offer.time_zone, offer.details, offer.language)
            for offer in offers
        ],
    )
