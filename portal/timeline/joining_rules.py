"""The rules a joining date and time must meet when they are saved, whichever door they come
in by: HR's candidate form, HR's CSV of offers, the API. Each door reads and cleans its values
(`portal.core.inputs`), then asks these; each says in its own words how to confirm a backdated
record (a box to tick, a column, a JSON field) when `PastJoining` tells it the moment has passed.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from portal.core import inputs
from portal.core.i18n import _
from portal.timeline.joining import JoiningDetails, joining_instant


class PastJoining(inputs.InputError):
    """The joining moment has passed: refused unless the record is confirmed as backdated.
    `field` is "joining_date" or "joining_time"; `today` is today where they join."""

    def __init__(self, field: str, today: date, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.today = today


def workplace_today(zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def check_joining_date(
    day: date, *, zone: str, now: datetime, was: JoiningDetails | None = None, backdated: bool
) -> bool:
    """A joining date about to be saved (in the workplace's `zone`); True when it has passed
    (allowed only with `backdated`). The date as stored (`was`) stays editable, past or not.
    InputError (`PastJoining` for a passed date without `backdated`) otherwise."""
    if was is not None and day == was.joining_date:
        return False
    today = workplace_today(zone, now)
    try:
        inputs.joining_date(day, today=today, backdated=backdated)
    except inputs.PastDate as error:
        raise PastJoining("joining_date", today, error.message) from None
    return day < today


def check_joining_time(
    day: date,
    at: time,
    *,
    zone: str,
    now: datetime,
    was: JoiningDetails | None = None,
    backdated: bool,
    date_passed: bool,
) -> bool:
    """A joining time on a date `check_joining_date` accepted (`date_passed`: what it said).
    Today, a time that has passed is a moment in the past too; True when the moment has passed
    (allowed only with `backdated`, else `PastJoining`)."""
    today = workplace_today(zone, now)
    if day != today or date_passed:
        return date_passed
    if was is not None and (day, at, zone) == (
        was.joining_date,
        was.joining_time,
        was.joining_time_zone,
    ):
        return False
    if joining_instant(day, at, zone) > now:
        return False
    if not backdated:
        raise PastJoining(
            "joining_time",
            today,
            _("That time has passed today where they join. Choose a later time."),
        )
    return True
