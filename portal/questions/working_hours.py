"""A recruiter's working week, and the answer promise counted in it.

The promise (RESPONSE_PROMISE_HOURS, 24) is a promise of that many hours *of working days*:
RESPONSE_PROMISE_HOURS / 24 of the recruiter's working day, counted only within their working
hours (people.models.WorkingHours; else the WORKING_HOURS_DEFAULT week, Monday to Friday
09:00–17:00) in their own zone, skipping the days they do not work and the public holidays of
their calendar (timeline.workdays). So a question asked within working hours is due the same
time on the next working day (Friday 16:00 → Monday 16:00), and one asked in the evening, at a
weekend or on a holiday is due a working day after the next opening (Saturday → Monday 17:00).
A week that is open every day from 00:00 to 24:00 gives plain hours again.

Whose week: the candidate's recruiter's (their promise), whoever covers while they are away;
a candidate with no active recruiter is counted on the default week in their workplace's zone.
questions.waiting.answer_due is the one definition every page, notice and status reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_day_names
from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select

from portal.core.config import ConfigError
from portal.core.extensions import db
from portal.core.i18n import _, in_language
from portal.people import audit
from portal.people.models import User, WorkingHours
from portal.timeline import workdays

# The weekdays in English, as WORKING_HOURS_DEFAULT names them ("Mon-Fri"); pages say them in
# the reader's language (`day_name`).
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_A_DAY = 1440
# Looked ahead for a working day at most this far: a holiday calendar cannot close a whole
# year, and a week works on at least one day (the form and the database refuse none).
MAX_DAYS = 400
_DAYS = re.compile(r"^\s*(\w{3})\w*\s*(?:-\s*(\w{3})\w*\s*)?$")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class WorkingWeek:
    """When someone works: weekdays (bit n for weekday n, Monday 0), from `starts_minute` to
    `ends_minute` after local midnight in `zone`, without the public holidays of `holidays`."""

    zone: ZoneInfo
    weekdays: int
    starts_minute: int
    ends_minute: int
    holidays: workdays.WorkingCalendar | None = None
    holiday_calendar: str | None = None  # the location of WORKING_CALENDARS it came from

    @property
    def day_minutes(self) -> int:
        return self.ends_minute - self.starts_minute

    def works_on(self, day: date) -> bool:
        if not self.weekdays & (1 << day.weekday()):
            return False
        return self.holidays is None or self.holidays.holiday(day) is None

    def _at(self, day: date, minute: int) -> datetime:
        day += timedelta(days=minute // MINUTES_A_DAY)
        local = datetime.combine(day, time(minute % MINUTES_A_DAY // 60, minute % 60))
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The day's working hours as instants (UTC)."""
        return self._at(day, self.starts_minute), self._at(day, self.ends_minute)

    @property
    def days_text(self) -> str:
        """ "Monday to Friday", "Monday, Wednesday and Friday", "every day" (in the reader's
        language)."""
        days = [n for n in range(7) if self.weekdays & (1 << n)]
        if len(days) == 7:
            return _("every day")
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            return _("%(first)s to %(last)s", first=day_name(days[0]), last=day_name(days[-1]))
        names = [day_name(n) for n in days]
        if len(names) == 1:
            return names[0]
        return _("%(days)s and %(last)s", days=", ".join(names[:-1]), last=names[-1])

    @property
    def hours_text(self) -> str:
        """ "09:00–17:00" """
        return f"{clock_text(self.starts_minute)}–{clock_text(self.ends_minute)}"

    def __str__(self) -> str:
        """ "Monday to Friday, 09:00–17:00 (Europe/Paris), with the public holidays of Berlin"
        (in the reader's language)."""
        said = {"days": self.days_text, "hours": self.hours_text, "zone": self.zone.key}
        if self.holiday_calendar:
            text = _(
                "%(days)s, %(hours)s (%(zone)s), with the public holidays of %(place)s",
                place=self.holiday_calendar,
                **said,
            )
        else:
            text = _("%(days)s, %(hours)s (%(zone)s)", **said)
        return text[:1].upper() + text[1:]


def day_name(weekday: int) -> str:
    """The weekday's name in the reader's language ("Monday", "Montag"; Monday is 0)."""
    return str(get_day_names("wide", locale=get_locale() or "en")[weekday])


def clock_text(minute: int) -> str:
    """ "09:00", and "24:00" for the end of the day."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def deadline(start: datetime, hours: float, week: WorkingWeek) -> datetime:
    """The instant `hours` hours of working days after `start` (see the module's docstring):
    hours / 24 of the working day, counted within the week's working hours only."""
    needed = timedelta(hours=hours) * week.day_minutes / MINUTES_A_DAY
    if needed <= timedelta(0):
        return start
    day = start.astimezone(week.zone).date()
    for _attempt in range(MAX_DAYS):
        if week.works_on(day):
            opens, closes = week.window(day)
            begin = max(opens, start)
            if begin < closes:
                available = closes - begin
                if needed <= available:
                    return begin + needed
                needed -= available
        day += timedelta(days=1)
    return start + timedelta(hours=hours)  # no working day within a year: plain hours


# --- Reading the weeks --------------------------------------------------------------------------


def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class DefaultWeek:
    """WORKING_HOURS_DEFAULT as read: the week of anyone who has not set their own."""

    weekdays: int
    starts_minute: int
    ends_minute: int


def _minute(value: Any, what: str) -> int:
    found = _TIME.match(str(value))
    hours, minutes = (int(found.group(1)), int(found.group(2))) if found else (-1, -1)
    if not (0 <= hours <= 24 and 0 <= minutes < 60 and hours * 60 + minutes <= MINUTES_A_DAY):
        raise ConfigError(f'WORKING_HOURS_DEFAULT: "{what}" must be a time such as "09:00"')
    return hours * 60 + minutes


def weekdays_named(text: str) -> int:
    """ "Mon-Fri", "Mon,Wed,Fri", "Monday-Sunday" as a weekdays bitmask; ValueError else."""
    bits = 0
    prefixes = [name[:3].lower() for name in DAY_NAMES]
    for part in str(text).split(","):
        found = _DAYS.match(part)
        if not found:
            raise ValueError(part)
        first = prefixes.index(found.group(1).lower())
        last = prefixes.index((found.group(2) or found.group(1)).lower())
        if last < first:
            raise ValueError(part)
        for n in range(first, last + 1):
            bits |= 1 << n
    return bits


def read_default(config: Mapping[str, Any]) -> DefaultWeek:
    """WORKING_HOURS_DEFAULT ({"days": "Mon-Fri", "start": "09:00", "end": "17:00"}), or
    ConfigError saying what is wrong; read once as the app is built."""
    entry = config.get("WORKING_HOURS_DEFAULT") or {}
    if not isinstance(entry, Mapping):
        raise ConfigError("WORKING_HOURS_DEFAULT must be a JSON object")
    try:
        weekdays = weekdays_named(entry.get("days", "Mon-Fri"))
    except ValueError:
        raise ConfigError(
            'WORKING_HOURS_DEFAULT: "days" must name weekdays, such as "Mon-Fri"'
        ) from None
    starts = _minute(entry.get("start", "09:00"), "start")
    ends = _minute(entry.get("end", "17:00"), "end")
    if not starts < ends:
        raise ConfigError('WORKING_HOURS_DEFAULT: "end" must come after "start"')
    return DefaultWeek(weekdays, starts, ends)


def default_week() -> DefaultWeek:
    return current_app.extensions["working_hours_default"]


def holiday_calendars() -> list[str]:
    """The locations whose public holidays someone may keep (WORKING_CALENDARS), by name."""
    configured = current_app.config.get("WORKING_CALENDARS") or {}
    return sorted((" ".join(str(place).split()) for place in configured), key=str.casefold)


def build_week(
    zone: str | None,
    weekdays: int | None = None,
    starts_minute: int | None = None,
    ends_minute: int | None = None,
    holiday_calendar: str | None = None,
) -> WorkingWeek:
    """A week from its stored values; the default week (in `zone`) when `weekdays` is None."""
    if weekdays is None or starts_minute is None or ends_minute is None:
        fallback = default_week()
        weekdays, starts_minute, ends_minute = (
            fallback.weekdays,
            fallback.starts_minute,
            fallback.ends_minute,
        )
        holiday_calendar = None
    calendar = workdays.calendar_for(holiday_calendar) if holiday_calendar else None
    return WorkingWeek(
        zone_named(zone), weekdays, starts_minute, ends_minute, calendar, holiday_calendar
    )


def week_of(person: User, hours: WorkingHours | None) -> WorkingWeek:
    """Someone's week: their own hours, or the default, in their zone."""
    if hours is None:
        return build_week(person.time_zone)
    return build_week(
        person.time_zone,
        hours.weekdays,
        hours.starts_minute,
        hours.ends_minute,
        hours.holiday_calendar,
    )


def promise_week(
    recruiter: User | None, hours: WorkingHours | None, workplace_zone: str
) -> WorkingWeek:
    """The week a candidate's answer promise is counted in: their active recruiter's, else the
    default week in the candidate's workplace zone."""
    if recruiter is not None and recruiter.is_active:
        return week_of(recruiter, hours)
    return build_week(workplace_zone)


def hours_of(user_ids: Iterable[int]) -> dict[int, WorkingHours]:
    """The working hours these people set (one query); the others work the default week."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {
        row.user_id: row
        for row in db.session.scalars(select(WorkingHours).where(WorkingHours.user_id.in_(ids)))
    }


# --- Changing them ------------------------------------------------------------------------------


class WorkingHoursError(ValueError):
    """Hours that cannot be saved, with the field to show the message beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def save(
    person: User,
    *,
    time_zone: str,
    weekdays: int,
    starts_minute: int,
    ends_minute: int,
    holiday_calendar: str | None,
    by: User,
) -> bool:
    """Set someone's zone and working week (each change in the audit log); whether anything
    changed. Flushes only."""
    if not 0 < weekdays < 128:
        raise WorkingHoursError("weekdays", _("Tick at least one working day."))
    if not 0 <= starts_minute < ends_minute <= MINUTES_A_DAY:
        raise WorkingHoursError(
            "ends", _("Finish after you start. For a day that ends at midnight, enter 00:00.")
        )
    if holiday_calendar and holiday_calendar not in holiday_calendars():
        raise WorkingHoursError("holiday_calendar", _("Choose public holidays from the list."))
    row = db.session.get(WorkingHours, person.id)
    with in_language("en"):  # the audit log keeps its records in English
        before = str(week_of(person, row))
    changes: dict[str, tuple[Any, Any]] = {}
    if person.time_zone != time_zone:
        changes["time_zone"] = (person.time_zone, time_zone)
        person.time_zone = time_zone
    after = build_week(time_zone, weekdays, starts_minute, ends_minute, holiday_calendar or None)
    with in_language("en"):
        after_words = str(after)
    if before != after_words:
        changes["working_hours"] = (before, after_words)
    if row is None:
        row = WorkingHours(user_id=person.id)
        db.session.add(row)
    row.weekdays, row.starts_minute, row.ends_minute = weekdays, starts_minute, ends_minute
    row.holiday_calendar = holiday_calendar or None
    audit.record_changes(by, person, "working_hours.changed", changes)
    db.session.flush()
    return bool(changes)
