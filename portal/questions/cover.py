"""Cover: who answers a candidate while their recruiter is away, and planning the time away.

A recruiter (or HR for them) sets "away from … to …" (days in the recruiter's zone) and may
name a colleague who covers meanwhile (people.models.StaffAbsence). Each candidate may also
have their own backup recruiter, named by HR on the candidate's page. The two combine by one
rule, the most specific choice first. The person *responsible* for a candidate now (who is
emailed their new questions, whose inbox and daily digest carry them, marked "covering for",
and who gets their overdue marks) is the first of:

1. their recruiter, when active and not away;
2. while the recruiter is away: the candidate's own backup recruiter, when active and not
   away themselves;
3. else the colleague the recruiter named to cover the absence, when active and not away;
4. else HR (every active HR person), as for a candidate with no recruiter.

While away, the recruiter is sent nothing about their candidates (no question emails, nothing
in a digest); they may still open their pages. When the absence ends, everything routes back
to them at once. Who may *answer* is wider: the recruiter, the candidate's backup at any time,
the covering colleague while the absence lasts, and HR (questions.answerers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, select

from portal.core import clock
from portal.core.extensions import db
from portal.core.i18n import _
from portal.core.templating import short_date
from portal.people import audit, availability
from portal.people.models import CandidateProfile, Role, StaffAbsence, User
from portal.questions.working_hours import zone_named

# An absence is at most this long, and planned at most this far ahead; a recruiter has at most
# this many planned at once (their page lists them all).
LONGEST_DAYS = 366
FURTHEST_AHEAD_DAYS = 730
MOST_PLANNED = 12


@dataclass(frozen=True)
class Route:
    """Who is responsible for a candidate now: `person_id` (None: HR), and the recruiter they
    cover for (None when the recruiter is responsible themselves)."""

    person_id: int | None
    covering_for_id: int | None = None


@dataclass
class Routing:
    """The rule above over one moment's facts: the active recruiters, and who is away (with
    their absence). Built once for a page, a question or a digest pass (two queries)."""

    active: set[int]
    away: dict[int, StaffAbsence] = field(default_factory=dict)

    def available(self, person_id: int | None) -> bool:
        return person_id is not None and person_id in self.active and person_id not in self.away

    def route(self, recruiter_id: int | None, backup_id: int | None) -> Route:
        """Who answers a candidate with this recruiter and backup now (the module's rule)."""
        if recruiter_id is None or recruiter_id not in self.active:
            return Route(None)
        absence = self.away.get(recruiter_id)
        if absence is None:
            return Route(recruiter_id)
        for standing_in in (backup_id, absence.cover_id):
            if standing_in != recruiter_id and self.available(standing_in):
                return Route(standing_in, recruiter_id)
        return Route(None, recruiter_id)

    def route_of(self, profile: CandidateProfile) -> Route:
        return self.route(profile.recruiter_id, profile.backup_recruiter_id)


def routing(now: datetime, active: set[int] | None = None) -> Routing:
    """The routing as of `now`: the active recruiters (`active`, if the caller has them) and
    the absences under way."""
    if active is None:
        active = set(
            db.session.scalars(
                select(User.id).where(User.role == Role.RECRUITER, User.is_active.is_(True))
            )
        )
    return Routing(active, availability.away_now(now))


@dataclass(frozen=True)
class Recipients:
    """Who is told of a candidate's new question, and the away recruiter they cover for."""

    people: list[User]
    covering_for: User | None


# Every active HR person, in a fixed order; built once (a question to HR runs it).
_ACTIVE_HR = select(User).where(User.role == Role.HR, User.is_active.is_(True)).order_by(User.id)


def question_recipients(candidate: User, now: datetime) -> Recipients:
    """Whom to email about the candidate's new question: the person responsible now, or every
    active HR person when that is HR.

    The rule asks only whether the recruiter, their backup and whoever covers the recruiter's
    absence are active recruiters: read from those people, loaded already or with the
    absences, rather than by listing every active recruiter (one query, not two)."""
    profile = candidate.profile
    away = availability.away_now(now)
    named = [profile.recruiter]
    absence = away.get(profile.recruiter_id) if profile.recruiter_id is not None else None
    if absence is not None:
        named += [profile.backup_recruiter, absence.cover]
    active = {
        person.id
        for person in named
        if person is not None and person.role == Role.RECRUITER and person.is_active
    }
    route = Routing(active, away).route_of(profile)
    covering_for = profile.recruiter if route.covering_for_id is not None else None
    if route.person_id is not None:
        return Recipients([db.session.get_one(User, route.person_id)], covering_for)
    return Recipients(list(db.session.scalars(_ACTIVE_HR)), covering_for)


def covers_now(person_id: int, recruiter_id: int | None, now: datetime | None = None) -> bool:
    """Whether `person_id` covers for `recruiter_id`, who is away now (one query)."""
    if recruiter_id is None or person_id == recruiter_id:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    StaffAbsence.recruiter_id == recruiter_id,
                    StaffAbsence.cover_id == person_id,
                    availability.in_effect(now or clock.now()),
                )
            )
        )
    )


# --- Planning time away -------------------------------------------------------------------------


class CoverError(ValueError):
    """An absence that cannot be planned or ended, with the field to show the message beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _midnight(day: date, zone_name: str) -> datetime:
    return datetime.combine(day, time(0)).replace(tzinfo=zone_named(zone_name)).astimezone(UTC)


def today_for(person: User, now: datetime) -> date:
    """The person's own date at `now` (the days of an absence are theirs)."""
    return now.astimezone(zone_named(person.time_zone)).date()


def _day(day: date) -> str:
    return short_date(day)


def _overlapping(recruiter_id: int, starts: datetime, ends: datetime) -> StaffAbsence | None:
    return db.session.scalar(
        select(StaffAbsence)
        .where(
            StaffAbsence.recruiter_id == recruiter_id,
            StaffAbsence.starts_at < ends,
            StaffAbsence.ends_at > starts,
        )
        .order_by(StaffAbsence.starts_at)
        .limit(1)
    )


def _check_cover(cover: User | None, recruiter: User, starts: datetime, ends: datetime) -> None:
    if cover is None:
        return
    if cover.id == recruiter.id:
        raise CoverError("cover_id", _("Choose a colleague: you cannot cover for yourself."))
    if cover.role != Role.RECRUITER or not cover.is_active:
        raise CoverError("cover_id", _("Choose an active recruiter from the list."))
    clash = _overlapping(cover.id, starts, ends)
    if clash is not None:
        raise CoverError(
            "cover_id",
            _(
                "%(name)s is away then too (%(first)s to %(last)s): choose someone else, "
                "or nobody.",
                name=cover.name,
                first=_day(clash.first_day),
                last=_day(clash.last_day),
            ),
        )


def plan(
    recruiter: User,
    *,
    first_day: date,
    last_day: date,
    cover: User | None,
    by: User,
    now: datetime,
) -> StaffAbsence:
    """Plan the recruiter's time away, both days included (in the audit log). Flushes only."""
    if recruiter.role != Role.RECRUITER or not recruiter.is_active:
        raise CoverError("first_day", _("Only an active recruiter's time away can be planned."))
    today = today_for(recruiter, now)
    if last_day < first_day:
        raise CoverError("last_day", _("The last day comes on or after the first day."))
    if last_day < today:
        raise CoverError("last_day", _("That day has passed (today is %(day)s).", day=_day(today)))
    if (last_day - first_day).days >= LONGEST_DAYS:
        raise CoverError("last_day", _("An absence lasts at most %(num)d days.", num=LONGEST_DAYS))
    if first_day > today + timedelta(days=FURTHEST_AHEAD_DAYS):
        raise CoverError("first_day", _("That is more than two years ahead. Check the year."))
    starts = _midnight(first_day, recruiter.time_zone)
    ends = _midnight(last_day + timedelta(days=1), recruiter.time_zone)
    clash = _overlapping(recruiter.id, starts, ends)
    if clash is not None:
        raise CoverError(
            "first_day",
            _(
                "Already away from %(first)s to %(last)s: change the days, or end that "
                "absence first.",
                first=_day(clash.first_day),
                last=_day(clash.last_day),
            ),
        )
    planned = db.session.scalar(
        select(StaffAbsence.id)
        .where(StaffAbsence.recruiter_id == recruiter.id, StaffAbsence.ends_at > now)
        .offset(MOST_PLANNED - 1)
        .limit(1)
    )
    if planned is not None:
        raise CoverError(
            "first_day",
            _("%(num)d absences are planned already: end one first.", num=MOST_PLANNED),
        )
    _check_cover(cover, recruiter, starts, ends)
    absence = StaffAbsence(
        recruiter_id=recruiter.id,
        cover=cover,
        first_day=first_day,
        last_day=last_day,
        starts_at=starts,
        ends_at=ends,
        created_by_id=by.id,
        created_at=now,
    )
    db.session.add(absence)
    audit.record(by, "absence.planned", recruiter, subject=words(absence))
    db.session.flush()
    return absence


def words(absence: StaffAbsence) -> str:
    """ "away 21 Dec 2026 to 3 Jan 2027, covered by Bo Chen", in English: the audit log's
    subject (pages say it in the reader's language)."""
    covered = f"covered by {absence.cover.name}" if absence.cover else "nobody named to cover"
    first, last = absence.first_day, absence.last_day
    return f"away {first.day} {first:%b %Y} to {last.day} {last:%b %Y}, {covered}"


def end(absence: StaffAbsence, *, by: User, now: datetime) -> str:
    """Back from time away: an absence under way ends now, one still to come is taken back
    (deleted). In the audit log either way; returns what was done, in words. Flushes only."""
    recruiter = absence.recruiter
    if absence.ends_at <= now:
        raise CoverError("absence", _("That absence is over already."))
    said: dict[str, Any] = {"subject": words(absence)}
    if absence.starts_at > now:
        db.session.delete(absence)
        audit.record(by, "absence.cancelled", recruiter, **said)
        db.session.flush()
        return "cancelled"
    absence.ends_at = now
    absence.last_day = max(absence.first_day, today_for(recruiter, now))
    audit.record(by, "absence.ended", recruiter, **said)
    db.session.flush()
    return "ended"


def absence_of(recruiter: User, absence_id: int) -> StaffAbsence | None:
    """One of the recruiter's absences by id (None for anyone else's)."""
    return db.session.scalar(
        select(StaffAbsence).where(
            StaffAbsence.id == absence_id, StaffAbsence.recruiter_id == recruiter.id
        )
    )
