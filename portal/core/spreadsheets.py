"""CSV files people open in a spreadsheet: a cell that starts like a formula is quoted, so it
is shown as text and never run (CSV formula injection). Every CSV export uses `safe_cell`."""

from __future__ import annotations

# A cell a spreadsheet would run as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The value as text a spreadsheet shows rather than runs: a leading quote when needed."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
