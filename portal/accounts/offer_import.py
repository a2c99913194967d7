"""Offers in bulk: HR's CSV of offers read, checked row by row, and created all together.

`read_offers` turns the uploaded bytes into a `Sheet`: a problem with the file as a whole (not
UTF-8, too large, missing or unknown columns) is an `OfferFileError`; everything wrong with a row
is a `RowError` beside that row. Each value goes through the same validator as on HR's "Add a
candidate" form (`portal.core.inputs`), and each valid row becomes the same `CandidateDetails`.
`create_offers` then creates every candidate through `accounts.operations`, exactly as adding
one does, and queues their invitations; the caller commits once, so it is all or nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TypeVar

from sqlalchemy import select

from portal.accounts.bulk_candidates import NewCandidate, create_candidates
from portal.accounts.operations import CandidateDetails
from portal.core import inputs
from portal.core.extensions import db
from portal.core.forms import time_zone_names
from portal.core.words import noun
from portal.people.models import Role, User
from portal.timeline import joining_rules

# The columns, as HR's form names them; headers match whatever their case, spacing, "_" or "-".
NAME, EMAIL, JOB_TITLE = "name", "email", "job title"
JOINING_DATE, JOINING_TIME = "joining date", "joining time"
LOCATION, DEPARTMENT, RECRUITER, TIME_ZONE = "location", "department", "recruiter", "time zone"
REQUIRED_COLUMNS = (
    NAME,
    EMAIL,
    JOB_TITLE,
    JOINING_DATE,
    JOINING_TIME,
    LOCATION,
    DEPARTMENT,
    RECRUITER,
)
# Where they start work and, like the form's default, their own zone; else the uploader's.
OPTIONAL_COLUMNS = (TIME_ZONE,)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

T = TypeVar("T")

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LOOKUP_CHUNK = 500  # emails per IN (...) query: well under every database's parameter limit
SAVE_AS_UTF8 = (
    "In your spreadsheet choose Save as (or Download) › “CSV UTF-8”, then upload that file."
)


class OfferFileError(ValueError):
    """The file cannot be read as a whole: a message for HR, shown above the upload field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass(frozen=True)
class Offer:
    """One valid row, ready for `accounts.create_candidate`."""

    name: str
    email: str
    time_zone: str
    details: CandidateDetails


@dataclass
class OfferRow:
    number: int
    cells: dict[str, str]  # what the file says, for the preview
    errors: list[RowError] = field(default_factory=list)
    offer: Offer | None = None

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def errors_in(self, column: str) -> list[str]:
        return [error.message for error in self.errors if error.column == column]


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


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark. Anything else is refused
    with a message saying so, never guessed at (a guess stores "JosÃ©" for "José")."""
    if data.startswith(_UTF16_BOMS):
        raise OfferFileError(f"This file is in UTF-16, not UTF-8. {SAVE_AS_UTF8}")
    if b"\x00" in data:
        raise OfferFileError(f"This does not look like a CSV file. {SAVE_AS_UTF8}")
    try:
        return data.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise OfferFileError(
            f"This file is not in UTF-8 (line {line} has characters in another encoding, such as "
            f"Windows or Latin-1). {SAVE_AS_UTF8}"
        ) from None


def header_key(text: str) -> str:
    """A header as matched: "Joining_Date", " joining-date " and "JOINING DATE" are one."""
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


def _delimiter(first_line: str) -> str:
    """Comma, or the semicolon or tab some spreadsheets write instead."""
    return max((",", ";", "\t"), key=first_line.count)


def _columns(header: list[str]) -> list[str]:
    keys = [header_key(cell) for cell in header]
    unknown = [cell.strip() for cell, key in zip(header, keys, strict=True) if key not in COLUMNS]
    missing = [column for column in REQUIRED_COLUMNS if column not in keys]
    doubled = sorted({key for key in keys if key in COLUMNS and keys.count(key) > 1})
    problems = []
    if missing:
        problems.append(f"Missing {noun(len(missing), 'column')}: {_quoted(missing)}.")
    if unknown:
        problems.append(f"Unknown {noun(len(unknown), 'column')}: {_quoted(unknown)}.")
    if doubled:
        problems.append(f"Columns that appear twice: {_quoted(doubled)}.")
    if problems:
        raise OfferFileError(
            " ".join(problems) + f" The first row names the columns: {_quoted(REQUIRED_COLUMNS)}"
            f", and optionally {_quoted(OPTIONAL_COLUMNS)}."
        )
    return keys


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = text.partition("\n")[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        raise OfferFileError(
            f"Line {reader.line_num} cannot be read as CSV ({error}). Check its quotes."
        ) from None


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB"
    return f"{-(-count // 1024)} KB"


def parse(data: bytes, *, max_bytes: int, max_rows: int) -> tuple[list[str], list[OfferRow]]:
    """The columns and the non-blank rows of a CSV file (cells as written), or OfferFileError."""
    if len(data) > max_bytes:
        raise OfferFileError(
            f"This file is {_size(len(data))}; the limit is {_size(max_bytes)}. "
            "Split it into smaller files."
        )
    records = _records(decode(data))
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        raise OfferFileError("This file is empty: the first row names the columns.")
    columns = _columns(header[1])
    rows: list[OfferRow] = []
    for number, (_line, record) in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(rows) == max_rows:
            raise OfferFileError(
                f"This file has more than {max_rows:,} offers. Split it into files of "
                f"{max_rows:,} or fewer."
            )
        row = OfferRow(number, dict(zip(columns, record, strict=False)))
        if len(record) > len(columns):
            row.fail("", f"This row has {len(record)} cells; the first row names {len(columns)}.")
        rows.append(row)
    if not rows:
        raise OfferFileError("This file has its column names but no offers.")
    return columns, rows


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
            row.fail(EMAIL, "Someone already has an account with this email address.")
        elif email in first_row:
            row.fail(EMAIL, f"The same email address as row {first_row[email]}: one row a person.")
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
        row.fail(TIME_ZONE, "Use a time zone name such as Europe/Paris.")
        return None
    return zone


def day_from_text(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise inputs.InputError("Enter the joining date as YYYY-MM-DD.", empty=not text) from None


def time_from_text(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()  # noqa: DTZ007 - a time of day
    except ValueError:
        raise inputs.InputError("Enter the time of day, such as 09:00.", empty=not text) from None


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
                f"That date has passed (today is {error.today.isoformat()} where they join). "
                "Choose today or a later day; add someone who has already joined on their own, "
                "as a backdated record.",
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
        row.fail(RECRUITER, "No active recruiter has this email address.")
    return recruiter


def _check(row: OfferRow, context: Context) -> None:
    """Check each cell of the row, noting every problem; set `row.offer` when there is none."""
    name = _value(row, NAME, inputs.person_name)
    email = _value(row, EMAIL, inputs.email_address)
    job_title = _value(
        row, JOB_TITLE, lambda v: inputs.one_line(v, max_length=120, what="the job title")
    )
    department = _optional(row, DEPARTMENT, 80, "the department")
    location = _optional(row, LOCATION, 80, "the location")
    zone = _zone(row, context)
    joining = _joining(row, zone, context.now)
    recruiter = _recruiter(row, context)
    if (
        row.errors
        or name is None
        or email is None
        or job_title is None
        or joining is None
        or recruiter is None
        or zone is None
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
    )


def create_offers(offers: list[Offer], actor: User | None) -> list[User]:
    """Create every candidate as HR's "Add a candidate" does (audit log, summary) and queue
    each invitation, which the mail queue sends at its own pace. Flushes; the caller commits,
    or rolls everything back when one fails (an `AccountError`)."""
    return create_candidates(
        actor=actor,
        candidates=[
            NewCandidate(offer.email, offer.name, offer.time_zone, offer.details)
            for offer in offers
        ],
    )
