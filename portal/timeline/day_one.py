"""What the first day looks like: the address (with a map link), whom to ask for at reception,
what to bring, the dress code and the agenda of the day.

HR writes one plan per joining location (DayOnePlan); a candidate's own values
(DayOneOverride) win field by field. The home page, HR's pages and the calendar file all read
the result through `day_one_for` (or `with_day_one` beside other facts), so they cannot differ.
Saving a plan raises the calendar SEQUENCE of everyone joining at that location (one UPDATE),
so their calendars take the new file in place of the old event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import Select, func, literal, select, update

from portal.core import inputs
from portal.core.database import OrBound
from portal.core.extensions import db
from portal.core.i18n import _, _l
from portal.people import audit
from portal.people.models import CandidateProfile, User
from portal.timeline.models import DayOneOverride, DayOnePlan

LOCATION_MAX = 80  # CandidateProfile.location
ADDRESS_MAX = 300
ASK_FOR_MAX = 200
BRING_MAX = 1_000
DRESS_CODE_MAX = 200
AGENDA_MAX = 2_000
AGENDA_LINES_MAX = 20
FIELDS = ("address", "ask_for", "bring", "dress_code", "agenda")
MAP_SEARCH = "https://www.openstreetmap.org/search?query="
# "09:30 Welcome coffee", "9:30 – Welcome", "14.00 Tour": a time, then what happens.
_AGENDA_LINE = re.compile(
    r"(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)\s*[-–—:]?\s*(?P<what>.*)"
)
_BULLET = re.compile(r"^\s*(?:[-*•·]\s+)")


class DayOneError(ValueError):
    """A value that cannot be saved, with the form field it belongs beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AgendaItem:
    at: time | None  # local time at the workplace; None for a line without one
    what: str


@dataclass(frozen=True)
class DayOne:
    """The first day as the candidate reads it."""

    address: str
    ask_for: str
    bring: tuple[str, ...]
    dress_code: str
    agenda: tuple[AgendaItem, ...]

    @property
    def map_url(self) -> str | None:
        """The address on OpenStreetMap, or None without an address."""
        if not self.address:
            return None
        return MAP_SEARCH + quote_plus(" ".join(self.address.split()))

    @property
    def is_empty(self) -> bool:
        return not (self.address or self.ask_for or self.bring or self.dress_code or self.agenda)


NOTHING_PLANNED = DayOne(address="", ask_for="", bring=(), dress_code="", agenda=())


@dataclass(frozen=True)
class DayOneFields:
    """What a form hands over: cleaned text per field ("" for a blank one)."""

    address: str = ""
    ask_for: str = ""
    bring: str = ""
    dress_code: str = ""
    agenda: str = ""


def bring_items(text: str) -> tuple[str, ...]:
    """One thing per line, bullets ("- ", "• ") taken off."""
    return tuple(item for line in text.splitlines() if (item := _BULLET.sub("", line).strip()))


def agenda_items(text: str) -> tuple[AgendaItem, ...]:
    """The agenda's lines: "09:30 Welcome coffee" → (09:30, "Welcome coffee"); a line
    without a time is kept as it is."""
    items = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        found = _AGENDA_LINE.fullmatch(line)
        if found and found["what"].strip():
            at = time(int(found["hour"]), int(found["minute"]))
            items.append(AgendaItem(at=at, what=found["what"].strip()))
        else:
            items.append(AgendaItem(at=None, what=line))
    return tuple(items)


def check_agenda(text: str) -> str:
    """The agenda as stored, or DayOneError beside its field."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > AGENDA_LINES_MAX:
        raise DayOneError(
            "agenda", _("Keep the agenda to %(max)d lines or fewer.", max=AGENDA_LINES_MAX)
        )
    for number, line in enumerate(lines, start=1):
        if re.match(r"\s*\d{1,2}[:.]\d", line) and not _AGENDA_LINE.fullmatch(line.strip()):
            raise DayOneError(
                "agenda",
                _(
                    "Line %(number)d starts with a time that is not one: write it like 09:30, "
                    "then what happens.",
                    number=number,
                ),
            )
        if _AGENDA_LINE.fullmatch(line.strip()) and not agenda_items(line)[0].at:
            raise DayOneError(
                "agenda", _("Line %(number)d: say what happens after the time.", number=number)
            )
    return "\n".join(line.strip() for line in lines)


def resolve(plan: DayOnePlan | None, override: DayOneOverride | None) -> DayOne:
    """The candidate's first day: their own value of each field, else their location's."""
    values: dict[str, str] = {}
    for name in FIELDS:
        own = getattr(override, name, None) if override is not None else None
        values[name] = own if own is not None else (getattr(plan, name) if plan else "")
    return DayOne(
        address=values["address"],
        ask_for=values["ask_for"],
        bring=bring_items(values["bring"]),
        dress_code=values["dress_code"],
        agenda=agenda_items(values["agenda"]),
    )


def with_day_one(statement: Select[Any], candidate_id: OrBound[int]) -> Select[Any]:
    """`statement` (one row of facts about the candidate) with their location's plan and their
    own values as its last two columns: read beside the other facts in the same query."""
    return (
        statement.add_columns(DayOnePlan, DayOneOverride)
        .select_from(CandidateProfile)
        .outerjoin(DayOnePlan, DayOnePlan.location_key == _profile_location_key())
        .outerjoin(DayOneOverride, DayOneOverride.candidate_id == CandidateProfile.user_id)
        .where(CandidateProfile.user_id == candidate_id)
    )


def _location_key(location: Any) -> Any:
    """How a location is matched, in SQL: trimmed, lower case. The database works out a plan's
    key too (`_key_of`), so a profile and a plan agree on every database: SQLite's lower() folds
    ASCII letters only, PostgreSQL's every letter."""
    return func.lower(func.trim(location))


def _profile_location_key() -> Any:
    return _location_key(CandidateProfile.location)


def _key_of(location: str) -> str:
    return db.session.scalar(select(_location_key(literal(location)))) or ""


def day_one_for(candidate: User) -> DayOne:
    """The candidate's first day (one query)."""
    row = db.session.execute(with_day_one(select(), candidate.id)).one_or_none()
    return resolve(*row) if row is not None else NOTHING_PLANNED


# --- HR: plans per location ------------------------------------------------------------


def plans() -> list[DayOnePlan]:
    return list(db.session.scalars(select(DayOnePlan).order_by(DayOnePlan.location_key)))


def plan(plan_id: int) -> DayOnePlan | None:
    return db.session.get(DayOnePlan, plan_id)


def joining_at(key: str) -> int:
    """How many candidates join at the location with this key."""
    query = select(func.count()).where(_profile_location_key() == key)
    return db.session.scalar(query.select_from(CandidateProfile)) or 0


def _clean(values: DayOneFields) -> dict[str, str]:
    """Each field as stored ("" when blank), or DayOneError beside the first that cannot be."""
    cleaned: dict[str, str] = {}
    try:
        for field, limit in (
            ("address", ADDRESS_MAX),
            ("bring", BRING_MAX),
            ("agenda", AGENDA_MAX),
        ):
            cleaned[field] = inputs.multi_line(getattr(values, field), max_length=limit)
        for field, limit, what in (
            ("ask_for", ASK_FOR_MAX, _l("whom to ask for")),
            ("dress_code", DRESS_CODE_MAX, _l("the dress code")),
        ):
            try:
                cleaned[field] = inputs.one_line(
                    getattr(values, field), max_length=limit, what=what
                )
            except inputs.InputError as error:
                if not error.empty:
                    raise
                cleaned[field] = ""
    except inputs.InputError as error:
        raise DayOneError(field, error.message) from None
    cleaned["agenda"] = check_agenda(cleaned["agenda"])
    return cleaned


def _raise_sequences_at(key: str) -> None:
    """Everyone joining at the location takes the new calendar file in place of the old."""
    db.session.execute(
        update(CandidateProfile)
        .where(_profile_location_key() == key)
        .values(calendar_sequence=CandidateProfile.calendar_sequence + 1)
        .execution_options(synchronize_session=False)
    )


def save_plan(
    existing: DayOnePlan | None, location: str, values: DayOneFields, actor: User
) -> DayOnePlan:
    """Create or change a location's plan; DayOneError beside the field that cannot be used."""
    try:
        location = inputs.one_line(location, max_length=LOCATION_MAX, what=_l("the location"))
    except inputs.InputError as error:
        raise DayOneError("location", error.message) from None
    key = _key_of(location)
    clash = db.session.scalar(select(DayOnePlan).where(DayOnePlan.location_key == key))
    if clash is not None and clash is not existing:
        raise DayOneError(
            "location",
            _(
                "%(location)s already has a first day: change that one instead.",
                location=clash.location,
            ),
        )
    cleaned = _clean(values)
    target = existing or DayOnePlan(location=location, location_key=key)
    before = {name: getattr(target, name) for name in FIELDS} if existing else {}
    old_key = existing.location_key if existing else None
    target.location, target.location_key = location, key
    for name, value in cleaned.items():
        setattr(target, name, value)
    if existing is None:
        db.session.add(target)
    db.session.flush()
    changes = {n: (before.get(n, ""), v) for n, v in cleaned.items() if before.get(n, "") != v}
    if changes or old_key != key:
        for touched in {key, old_key} - {None}:
            _raise_sequences_at(str(touched))
        audit.record(actor, "day_one.plan_saved", None, subject=location)
    return target


def delete_plan(existing: DayOnePlan, actor: User) -> None:
    _raise_sequences_at(existing.location_key)
    audit.record(actor, "day_one.plan_deleted", None, subject=existing.location)
    db.session.delete(existing)
    db.session.flush()


# --- HR: one candidate's own values --------------------------------------------------------


def override_of(candidate: User) -> DayOneOverride | None:
    return db.session.get(DayOneOverride, candidate.id)


def plan_for(candidate: User) -> DayOnePlan | None:
    """The plan of the candidate's joining location, if HR has written one."""
    return db.session.scalar(
        select(DayOnePlan)
        .join(CandidateProfile, DayOnePlan.location_key == _profile_location_key())
        .where(CandidateProfile.user_id == candidate.id)
    )


def save_override(candidate: User, values: DayOneFields, actor: User) -> bool:
    """Set the candidate's own values (a blank field keeps the location's); True if anything
    changed, which raises their calendar SEQUENCE once and is audited field by field."""
    cleaned = {name: value or None for name, value in _clean(values).items()}
    existing = override_of(candidate)
    before = {name: getattr(existing, name) for name in FIELDS} if existing else {}
    changes = {n: (before.get(n), cleaned[n]) for n in FIELDS if before.get(n) != cleaned[n]}
    if not changes:
        return False
    if all(value is None for value in cleaned.values()):
        if existing is not None:  # nothing of their own left: the location's plan again
            db.session.delete(existing)
    else:
        target = existing or DayOneOverride(candidate_id=candidate.id)
        for name, value in cleaned.items():
            setattr(target, name, value)
        if existing is None:
            db.session.add(target)
    db.session.flush()
    audit.record_changes(actor, candidate, "day_one.changed", changes)
    profile = candidate.candidate_profile
    if profile is not None:  # their calendar takes the new file in place of the old event
        profile.calendar_sequence = CandidateProfile.calendar_sequence + 1
        db.session.flush()
    return True
