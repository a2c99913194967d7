"""Keyset pages: newest first by id, `before` the last id seen. A page costs one query however
many rows the table holds (no OFFSET, no COUNT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from portal.core.extensions import db


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
