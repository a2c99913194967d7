"""The joining moment and details: when and where it is, in whose zone, how long until it."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from portal.people.models import CandidateProfile, User


def joining_instant(joining_date: date, joining_time: time, time_zone: str) -> datetime:
    """The joining moment as an aware datetime in the candidate's zone.

    A wall-clock time that does not exist (inside a spring-forward gap) resolves forward,
    one that happens twice (autumn fall-back) takes its first occurrence, as PEP 495 says.
    """
    local = datetime.combine(joining_date, joining_time, tzinfo=ZoneInfo(time_zone))
    # Round-trip through UTC normalises a non-existent wall time to a real instant.
    return local.astimezone(UTC).astimezone(ZoneInfo(time_zone))


@dataclass(frozen=True)
class Countdown:
    """Whole days and hours (and minutes) left until joining, floored; zero once it has passed."""

    days: int
    hours: int
    minutes: int
    seconds_left: int

    @property
    def has_passed(self) -> bool:
        return self.seconds_left <= 0


def countdown(target: datetime, now: datetime) -> Countdown:
    seconds = int((target - now).total_seconds())
    if seconds <= 0:
        return Countdown(0, 0, 0, 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    return Countdown(days, hours, rest // 60, seconds)


@dataclass(frozen=True)
class JoiningDetails:
    """The candidate's first day as one value: when (a wall-clock date and time in the
    workplace's zone), where, and what to do on arrival. The home page, the calendar file and
    the joining-changed email all read it through `joining_details`, so they cannot differ."""

    joining_date: date
    joining_time: time
    joining_time_zone: str
    location: str
    reception_instructions: str

    @property
    def starts_at(self) -> datetime:
        """The reception moment, aware in the workplace's zone (the .ics DTSTART)."""
        return joining_instant(self.joining_date, self.joining_time, self.joining_time_zone)

    def as_json(self) -> str:
        """The details as JSON (kept with a queued email: what the candidate knew before)."""
        values = {name: getattr(self, name) for name in JOINING_FIELDS}
        values["joining_date"] = self.joining_date.isoformat()
        values["joining_time"] = self.joining_time.isoformat()
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JoiningDetails:
        values = json.loads(text)
        values["joining_date"] = date.fromisoformat(values["joining_date"])
        values["joining_time"] = time.fromisoformat(values["joining_time"])
        return cls(**{name: values[name] for name in JOINING_FIELDS})

    def changes_from(self, before: JoiningDetails) -> list[str]:
        """What differs from `before`, in the candidate's words: "date", "time", "place",
        "reception instructions" (a new zone moves the time)."""
        changed = []
        if self.joining_date != before.joining_date:
            changed.append("date")
        if (self.joining_time, self.joining_time_zone) != (
            before.joining_time,
            before.joining_time_zone,
        ):
            changed.append("time")
        if self.location != before.location:
            changed.append("place")
        if self.reception_instructions != before.reception_instructions:
            changed.append("reception instructions")
        return changed


# The profile's columns that make up the joining details: changing any of them raises the
# calendar event's SEQUENCE and tells the candidate.
JOINING_FIELDS = frozenset(f.name for f in fields(JoiningDetails))


def joining_details(profile: CandidateProfile) -> JoiningDetails:
    """The candidate's joining details as they stand."""
    return JoiningDetails(**{name: getattr(profile, name) for name in JOINING_FIELDS})


def details_before(
    profile: CandidateProfile, changes: dict[str, tuple[Any, Any]]
) -> JoiningDetails:
    """The joining details as they were before `changes` ({field: (old, new)}) were made."""
    now = joining_details(profile)
    return replace(now, **{f: changes[f][0] for f in JOINING_FIELDS if f in changes})


def candidate_joining(profile: CandidateProfile) -> datetime:
    """The candidate's joining moment, in the workplace's zone."""
    return joining_details(profile).starts_at


def days_until(target: datetime, now: datetime) -> int:
    """Calendar days from today to the joining day, both in the target's zone."""
    today = now.astimezone(target.tzinfo).date()
    return (target.date() - today).days


@dataclass(frozen=True)
class JoiningRow:
    """A candidate with their joining moment worked out, for lists."""

    candidate: User
    joins_at: datetime
    days_until: int
    has_joined: bool


def joining_rows(candidates: list[User], now: datetime) -> list[JoiningRow]:
    rows = []
    for candidate in candidates:
        profile = candidate.candidate_profile
        if profile is None:
            continue
        joins_at = candidate_joining(profile)
        rows.append(JoiningRow(candidate, joins_at, days_until(joins_at, now), joins_at <= now))
    return rows
