"""The joining moment: when it is, in whose zone, and how long until it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
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


def candidate_joining(profile: CandidateProfile) -> datetime:
    """The candidate's joining moment, in the workplace's zone."""
    return joining_instant(profile.joining_date, profile.joining_time, profile.joining_time_zone)


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
