"""Keyset pages: a page costs one query however many rows the table holds (no OFFSET, no
COUNT). `newest_first` pages by id alone, `before` the last id seen; `in_order` pages by any
order of keys (the last one unique, such as the id), after the row whose key values it is
given."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from portal.core.extensions import db

Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def newest_first(
    query: Select[Any], id_column: InstrumentedAttribute[int], before: int | None, size: int
) -> tuple[list[Any], int | None]:
    """Up to `size` rows of `query` with ids below `before` (None: from the newest), and the
    cursor of the next, older page (None when there is none)."""
    if before is not None:
        query = query.where(id_column < before)
    rows = list(db.session.scalars(query.order_by(id_column.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more and rows else None)


class Key(NamedTuple):
    """One column of a page's order, and its direction."""

    column: Column
    descending: bool = False


def value_of(column: Column, id_column: Column, row_id: int) -> ScalarSelect[Any]:
    """The `column` of the row `row_id` (its table's id column `id_column`), as a subquery:
    a page's cursor can be a bare id that the page's own query looks up (never correlated with
    the outer query, which may read the same table)."""
    return select(column).where(id_column == row_id).correlate(None).scalar_subquery()


def after(keys: Sequence[Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows that come after the one whose keys are `values` (values or subqueries) in the
    order `keys`: (k1 past v1) or (k1 = v1 and k2 past v2) or ..."""
    steps = []
    for n, key in enumerate(keys):
        past = key.column < values[n] if key.descending else key.column > values[n]
        steps.append(
            and_(*(k.column == v for k, v in zip(keys[:n], values[:n], strict=True)), past)
        )
    return or_(*steps)


def in_order(
    query: Select[Any], keys: Sequence[Key], after_values: Sequence[Any] | None, size: int
) -> tuple[list[Any], Any | None]:
    """Up to `size` rows of `query` in the order `keys`, after the row whose key values are
    `after_values` (None: from the start); and the last row shown when there is a next page
    (the caller makes its cursor), else None."""
    if after_values is not None:
        query = query.where(after(keys, after_values))
    order = [key.column.desc() if key.descending else key.column.asc() for key in keys]
    rows = list(db.session.scalars(query.order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1] if more and rows else None)


def contains(text: str) -> str:
    """The LIKE pattern (escape character "\\") of a substring search for `text`, in lower
    case: compare it with `func.lower(column)`. %, _ and \\ in `text` match only themselves."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_INSTANT_CURSOR = re.compile(r"([0-9]{1,20})-([0-9]{1,19})")


def instant_cursor(moment: datetime, row_id: int) -> str:
    """A page's cursor for an order by an instant, then an id: "<microseconds since 1970>-<id>"
    (read back by `read_instant_cursor`)."""
    return f"{round(moment.timestamp() * 1_000_000)}-{row_id}"


def read_instant_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The instant and id of an `instant_cursor`; None when there is none, or when it is not
    one (the caller shows the first page then)."""
    found = _INSTANT_CURSOR.fullmatch((value or "").strip())
    if not found:
        return None
    try:
        moment = datetime.fromtimestamp(int(found.group(1)) / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment, int(found.group(2))
