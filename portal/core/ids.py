"""Row ids read from a request: the path's `<int:…>` and query-string or form values.

An id no table can hold (PostgreSQL's `integer` stops at 2**31 - 1; SQLite and drivers refuse
anything past 64 bits) names nothing: it answers 404 like any other unknown id, and never
reaches the database, where it would be an error instead.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, Map

# The largest id of any table reached from a URL: ids are `integer` columns (32-bit on
# PostgreSQL). A route over a 64-bit id says so: <int(max=9223372036854775807):event_id>.
MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


class IdConverter(IntegerConverter):
    """`<int:…>` for the whole app: ASCII digits only, at most 19 of them, at most MAX_ID
    unless the route names its own `max`. Anything else does not match: 404."""

    regex = r"[0-9]{1,19}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002 - werkzeug's argument names
        max: int | None = None,  # noqa: A002
        signed: bool = False,
    ) -> None:
        highest = MAX_ID if max is None else max
        super().__init__(map, fixed_digits, min, highest, signed)


def query_id(value: str) -> int:
    """For `request.args.get(name, type=query_id)` (and `request.form`): the id, or 0 (which
    names no row, so the look-up finds nothing) when it is beyond any id; ValueError (so the
    default, None) when it is not a plain whole number at all, as `type=int` did."""
    value = value.strip()
    if not _DIGITS.fullmatch(value):
        if value.isascii() and value.isdigit():
            return 0  # a run of digits too long for any id
        raise ValueError(value)
    number = int(value)
    return number if number <= MAX_ID else 0


def form_id(value: object) -> int:
    """`coerce=form_id` for a select of rows: the id, or ValueError (the field's own "not a
    valid choice" error) when it is not a whole number any row could have."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if not _DIGITS.fullmatch(text):
            raise ValueError(text)
        number = int(text)
    if not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number
