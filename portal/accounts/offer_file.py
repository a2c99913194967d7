"""HR's CSV of offers as a file: its encoding (UTF-8 only, never guessed), its columns, its
rows as written. `parse` gives the columns and the non-blank rows, or an `OfferFileError` for a
problem with the file as a whole; checking each row is `accounts.offer_import`'s.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from portal.accounts.operations import CandidateDetails
from portal.core.i18n import _, _l, format_decimal, format_number, ngettext

# The columns, as HR's form names them; headers match whatever their case, spacing, "_" or "-".
NAME, EMAIL, JOB_TITLE = "name", "email", "job title"
JOINING_DATE, JOINING_TIME = "joining date", "joining time"
LOCATION, DEPARTMENT, RECRUITER, TIME_ZONE = "location", "department", "recruiter", "time zone"
LANGUAGE = "language"
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
# The language of their invitation and pages (a code such as "de"); else the portal's default.
OPTIONAL_COLUMNS = (TIME_ZONE, LANGUAGE)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAVE_AS_UTF8 = _l(
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
    language: str  # a code of LANGUAGES


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


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark. Anything else is refused
    with a message saying so, never guessed at (a guess stores "JosÃ©" for "José")."""
    if data.startswith(_UTF16_BOMS):
        raise OfferFileError(_("This file is in UTF-16, not UTF-8. %(how)s", how=SAVE_AS_UTF8))
    if b"\x00" in data:
        raise OfferFileError(_("This does not look like a CSV file. %(how)s", how=SAVE_AS_UTF8))
    try:
        return data.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise OfferFileError(
            _(
                "This file is not in UTF-8 (line %(line)s has characters in another encoding, "
                "such as Windows or Latin-1). %(how)s",
                line=format_number(line),
                how=SAVE_AS_UTF8,
            )
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
        problems.append(
            ngettext(
                "Missing column: %(names)s.",
                "Missing columns: %(names)s.",
                len(missing),
                names=_quoted(missing),
            )
        )
    if unknown:
        problems.append(
            ngettext(
                "Unknown column: %(names)s.",
                "Unknown columns: %(names)s.",
                len(unknown),
                names=_quoted(unknown),
            )
        )
    if doubled:
        problems.append(_("Columns that appear twice: %(names)s.", names=_quoted(doubled)))
    if problems:
        problems.append(
            _(
                "The first row names the columns: %(required)s, and optionally %(optional)s.",
                required=_quoted(REQUIRED_COLUMNS),
                optional=_quoted(OPTIONAL_COLUMNS),
            )
        )
        raise OfferFileError(" ".join(problems))
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
            _(
                "Line %(line)s cannot be read as CSV (%(error)s). Check its quotes.",
                line=format_number(reader.line_num),
                error=error,
            )
        ) from None


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(count / 1024 / 1024, "#,##0.0"))
    return _("%(size)s KB", size=format_number(-(-count // 1024)))


def parse(data: bytes, *, max_bytes: int, max_rows: int) -> tuple[list[str], list[OfferRow]]:
    """The columns and the non-blank rows of a CSV file (cells as written), or OfferFileError."""
    if len(data) > max_bytes:
        raise OfferFileError(
            _(
                "This file is %(size)s; the limit is %(limit)s. Split it into smaller files.",
                size=_size(len(data)),
                limit=_size(max_bytes),
            )
        )
    records = _records(decode(data))
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        raise OfferFileError(_("This file is empty: the first row names the columns."))
    columns = _columns(header[1])
    rows: list[OfferRow] = []
    for number, (_line, record) in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(rows) == max_rows:
            raise OfferFileError(
                _(
                    "This file has more than %(max)s offers. Split it into files of %(max)s "
                    "or fewer.",
                    max=format_number(max_rows),
                )
            )
        row = OfferRow(number, dict(zip(columns, record, strict=False)))
        if len(record) > len(columns):
            row.fail(
                "",
                _(
                    "This row has %(cells)s cells; the first row names %(columns)s.",
                    cells=format_number(len(record)),
                    columns=format_number(len(columns)),
                ),
            )
        rows.append(row)
    if not rows:
        raise OfferFileError(_("This file has its column names but no offers."))
    return columns, rows
