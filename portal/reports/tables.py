"""The numbers of a report as tables: shown under its charts (their text alternative) and
exported as CSV, so the page and the file cannot say different things."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from portal.core.i18n import _, format_number, reader_language
from portal.core.spreadsheets import safe_cell
from portal.reports.charts import percent

# A share of fewer cases than this is marked "few": one more case would move it a lot.
FEW = 10


@dataclass(frozen=True)
class Share:
    """`part` of `whole`: shown as "67%" with "2 of 3" beside it, so small numbers show."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def few(self) -> bool:
        return 0 < self.whole < FEW

    def __str__(self) -> str:
        return percent(self.value)

    @property
    def counts(self) -> str:
        """ "2 of 3", in the reader's language."""
        return _(
            "%(part)s of %(whole)s", part=format_number(self.part), whole=format_number(self.whole)
        )

    def for_csv(self) -> str:
        value = self.value
        return "" if value is None else f"{value * 100:.1f}%"


Cell = str | int | Share


@dataclass(frozen=True)
class Table:
    """A table of a report: its first column names each row."""

    caption: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def month_label(first_day: date) -> str:
    """ "March 2026" ("März 2026"), in the reader's language."""
    return format_date(first_day, "LLLL y", locale=reader_language())


def short_month(first_day: date) -> str:
    """ "Mar 26" ("Mär 26"), for a chart's axis."""
    return format_date(first_day, "LLL yy", locale=reader_language())


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from `first`'s to `last`'s."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def csv_text(title: str, filters: str, tables: Iterable[Table]) -> str:
    """The report as one CSV file: its title and filters, then each table under its caption,
    a blank line between them. A file for people, in the reader's language like the page,
    but its numbers written the same in every language (counts as digits, shares as
    percentages with a point: "66.7%"); every cell made safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(title)])
    writer.writerow([safe_cell(_("Counting: %(filters)s", filters=filters))])
    for table in tables:
        writer.writerow([])
        writer.writerow([safe_cell(str(table.caption))])
        writer.writerow([safe_cell(str(column)) for column in table.columns])
        for row in table.rows:
            writer.writerow([safe_cell(_text(cell)) for cell in row])
    return buffer.getvalue()


def _text(cell: Cell) -> str:
    if isinstance(cell, Share):
        return cell.for_csv()
    return str(cell)
