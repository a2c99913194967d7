"""Time zones as people choose them: by country, each with the places it covers ("Germany —
Berlin"), from the tz database's own tables (zone.tab, iso3166.tab in the tzdata package), not
the 597 raw names. Any valid IANA name is still accepted (core.forms.valid_time_zone)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class ZoneChoice:
    zone: str  # "Europe/Berlin"
    label: str  # "Germany — Berlin (most of Germany)"


def _table(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def _place(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@cache
def choices() -> tuple[ZoneChoice, ...]:
    """Every zone of every country, sorted by country then place; UTC last."""
    countries = {row[0]: row[1] for row in _table("iso3166.tab")}
    found: list[tuple[str, str, ZoneChoice]] = []
    for row in _table("zone.tab"):
        code, zone = row[0], row[2]
        comment = row[3] if len(row) > 3 else ""
        country = countries.get(code, code)
        label = f"{country} — {_place(zone)}" + (f" ({comment})" if comment else "")
        found.append((country, _place(zone), ZoneChoice(zone, label)))
    ordered = [choice for _country, _place_name, choice in sorted(found, key=lambda f: f[:2])]
    return (*ordered, ZoneChoice("UTC", "UTC — Coordinated Universal Time"))


@cache
def label(zone: str) -> str:
    """The zone as the list shows it ("Germany — Berlin (most of Germany)"), else its name."""
    return next((choice.label for choice in choices() if choice.zone == zone), zone)
