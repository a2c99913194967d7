"""Time zones as people choose them: by country, each with the places it covers ("Germany —
Berlin"), from the tz database's own tables (zone.tab, iso3166.tab in the tzdata package), not
the 597 raw names. Any valid IANA name is still accepted (core.forms.valid_time_zone).

The country is named in the reader's language (Babel's CLDR names: "Deutschland — Berlin");
the places and the tz database's notes stay as the database writes them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from babel import Locale

from portal.core.i18n import DEFAULT_LANGUAGE, _, reader_language


@dataclass(frozen=True)
class ZoneChoice:
    zone: str  # "Europe/Berlin"
    label: str  # "Germany — Berlin (most of Germany)"


def _table(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def _place(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _sort_key(text: str) -> str:
    """Alphabetical as people expect it: "Österreich" among the O's, not after "Z"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def choices() -> tuple[ZoneChoice, ...]:
    """Every zone of every country, sorted by country then place, in the reader's language;
    UTC last."""
    return _choices(reader_language(), _("Coordinated Universal Time"))


@cache
def _choices(language: str, utc_words: str) -> tuple[ZoneChoice, ...]:
    countries = {row[0]: row[1] for row in _table("iso3166.tab")}
    if language != DEFAULT_LANGUAGE:
        countries.update(Locale.parse(language).territories)
    found: list[tuple[str, str, ZoneChoice]] = []
    for row in _table("zone.tab"):
        code, zone = row[0], row[2]
        comment = row[3] if len(row) > 3 else ""
        country = countries.get(code, code)
        label = f"{country} — {_place(zone)}" + (f" ({comment})" if comment else "")
        found.append((_sort_key(country), _place(zone), ZoneChoice(zone, label)))
    ordered = [choice for _country, _place_name, choice in sorted(found, key=lambda f: f[:2])]
    return (*ordered, ZoneChoice("UTC", f"UTC — {utc_words}"))


def label(zone: str) -> str:
    """The zone as the list shows it ("Germany — Berlin (most of Germany)"), else its name."""
    return _labels(reader_language(), _("Coordinated Universal Time")).get(zone, zone)


@cache
def _labels(language: str, utc_words: str) -> dict[str, str]:
    return {choice.zone: choice.label for choice in _choices(language, utc_words)}


def _comparable(text: str) -> str:
    """Typed text as the lists are searched: one line, any case, any dash between country
    and place ("germany - berlin" is "Germany — Berlin")."""
    line = " ".join(text.split()).casefold()
    return line.replace(" - ", " — ").replace(" – ", " — ")


def zone_for_label(typed: str) -> str | None:
    """The zone typed as the list shows it: its label in full (any case, any dash), in the
    reader's language or in English; or a place alone ("Paris") or a country alone ("France")
    when it names exactly one zone. None when nothing, or more than one zone, matches."""
    wanted = _comparable(typed)
    if not wanted:
        return None
    lists = (choices(), _choices(DEFAULT_LANGUAGE, "Coordinated Universal Time"))
    for listed in lists:
        for choice in listed:
            if _comparable(choice.label) == wanted:
                return choice.zone
    named = {
        choice.zone
        for listed in lists
        for choice in listed
        if wanted in (_comparable(_place(choice.zone)), _comparable(_country(choice)))
    }
    return named.pop() if len(named) == 1 else None


def _country(choice: ZoneChoice) -> str:
    return choice.label.split(" — ", 1)[0]
