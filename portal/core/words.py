"""Words for numbers, the same in Python and in templates (where `plural` is a Jinja global)."""

from __future__ import annotations


def noun(count: float, singular: str, plural_form: str | None = None) -> str:
    """The noun alone: "day" for one, "days" (or `plural_form`) for any other count."""
    return singular if count == 1 else (plural_form or singular + "s")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 day", "3 days", "0 entries" (with plural_form="entries")."""
    return f"{count} {noun(count, singular, plural_form)}"
