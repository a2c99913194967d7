"""English words for numbers, the same in Python and in templates (where `plural` is a Jinja
global): for what is only ever English (the JSON API's messages, the command line's output).
What a person reads on a page or in an email uses `ngettext` (portal/core/i18n.py) instead:
"%(num)d day" / "%(num)d days" as one message, which every language words its own way."""

from __future__ import annotations


def noun(count: float, singular: str, plural_form: str | None = None) -> str:
    """The noun alone: "day" for one, "days" (or `plural_form`) for any other count."""
    return singular if count == 1 else (plural_form or singular + "s")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 day", "3 days", "0 entries" (with plural_form="entries")."""
    return f"{count} {noun(count, singular, plural_form)}"
