"""Working days at a workplace: its weekend and public holidays, so that "3 working days before
joining" never lands on a Saturday or on 25 December.

Each joining location has a calendar (WORKING_CALENDARS in the configuration: location → an
ISO country code and an optional subdivision; WORKING_CALENDAR_DEFAULT for any other place).
The public holidays and the weekend days of each country come from the `holidays` package;
a country it does not know the weekend of rests on Saturday and Sunday.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import holidays
from flask import current_app

from portal.core.config import ConfigError

SATURDAY_SUNDAY = frozenset({5, 6})
# Far enough for any offset HR may enter (timeline.milestones allows a year) over any run of
# holidays; a calendar with no working day at all is a configuration mistake.
MAX_STEPS = 800


@dataclass(frozen=True)
class WorkingCalendar:
    """A country's (or one of its subdivisions') working days."""

    country: str
    subdiv: str | None = None

    @property
    def name(self) -> str:
        """ "DE (Berlin)", "FR": the country code, and the subdivision by name where known."""
        if not self.subdiv:
            return self.country
        aliases = getattr(_holidays(self), "subdivisions_aliases", None) or {}
        named = next((alias for alias, code in aliases.items() if code == self.subdiv), None)
        return f"{self.country} ({named or self.subdiv})"

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in _weekend(self) and day not in _holidays(self)

    def holiday(self, day: date) -> str | None:
        """The public holiday on `day`, in the package's words, or None."""
        return _holidays(self).get(day)


@cache
def _holidays(calendar: WorkingCalendar) -> holidays.HolidayBase:
    # Years are filled in as they are asked about (the package's expand=True).
    return holidays.country_holidays(calendar.country, subdiv=calendar.subdiv)


@cache
def _weekend(calendar: WorkingCalendar) -> frozenset[int]:
    days = getattr(_holidays(calendar), "weekend", None)
    return frozenset(days) if days else SATURDAY_SUNDAY


def _calendar(entry: Any, what: str) -> WorkingCalendar:
    """One configured calendar, checked against what the `holidays` package knows."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("country"), str):
        raise ConfigError(f'{what} needs a "country", such as {{"country": "DE"}}, not {entry!r}')
    subdiv = entry.get("subdiv")
    calendar = WorkingCalendar(entry["country"].strip().upper(), subdiv or None)
    try:
        _holidays(calendar)
    except NotImplementedError as error:
        raise ConfigError(f"{what}: {error}") from None
    return calendar


@dataclass(frozen=True)
class Calendars:
    """Every configured calendar: by location (in lower case), and the default."""

    by_location: Mapping[str, WorkingCalendar]
    default: WorkingCalendar

    def for_location(self, location: str | None) -> WorkingCalendar:
        key = " ".join((location or "").split()).casefold()
        return self.by_location.get(key, self.default)


def read_config(config: Mapping[str, Any]) -> Calendars:
    """The calendars the configuration names, or ConfigError saying which entry is wrong."""
    mapping = config.get("WORKING_CALENDARS") or {}
    by_location = {
        " ".join(str(place).split()).casefold(): _calendar(entry, f"WORKING_CALENDARS[{place!r}]")
        for place, entry in mapping.items()
    }
    default = _calendar(config.get("WORKING_CALENDAR_DEFAULT"), "WORKING_CALENDAR_DEFAULT")
    return Calendars(by_location, default)


def calendars() -> Calendars:
    """The app's calendars (read once, when the app was built)."""
    return current_app.extensions["working_calendars"]


def calendar_for(location: str | None) -> WorkingCalendar:
    """The calendar of a joining location (the default one for a place not configured)."""
    return calendars().for_location(location)


def shift(day: date, working_days: int, calendar: WorkingCalendar) -> date:
    """The day `working_days` working days after `day` (before it when negative); `day` itself
    for 0, whether or not it is a working day. "3 before a Monday" is the Wednesday before."""
    step = timedelta(days=1 if working_days > 0 else -1)
    left = abs(working_days)
    for _ in range(MAX_STEPS + left):
        if not left:
            return day
        day += step
        if calendar.is_working_day(day):
            left -= 1
    raise ValueError(f"no working day in {MAX_STEPS} days on the {calendar.name} calendar")
