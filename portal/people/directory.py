"""Who may see whom: the scoped look-ups every view goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, func, literal, or_, select, union
from sqlalchemy.orm import joinedload

from portal.core import clock, pages
from portal.core.database import OrBound
from portal.core.extensions import db
from portal.people import availability
from portal.people.models import AuditEntry, CandidateProfile, Role, User


def _candidates_query() -> Select[User]:
    return (
        select(User)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .options(joinedload(User.candidate_profile).joinedload(CandidateProfile.recruiter))
    )


def candidates_of_recruiter(recruiter: User) -> list[User]:
    """A recruiter's active candidates, soonest joining first."""
    query = _candidates_query().where(
        CandidateProfile.recruiter_id == recruiter.id, User.is_active.is_(True)
    )
    return list(db.session.scalars(query.order_by(CandidateProfile.joining_date, User.name)))


def candidate_of_recruiter(recruiter: User, candidate_id: int) -> User | None:
    """The candidate if `recruiter` looks after them, else None (the view answers 404)."""
    return db.session.scalar(
        _candidates_query().where(
            User.id == candidate_id,
            CandidateProfile.recruiter_id == recruiter.id,
            User.is_active.is_(True),
        )
    )


def in_care_of(
    recruiter_id: OrBound[int], now: OrBound[datetime] | None = None
) -> ColumnElement[bool]:
    """The profiles whose thread the recruiter answers: as their recruiter, as their backup
    recruiter, or (given `now`) covering for their recruiter, who is away then."""
    cares = [
        CandidateProfile.recruiter_id == recruiter_id,
        CandidateProfile.backup_recruiter_id == recruiter_id,
    ]
    if now is not None:
        cares.append(
            CandidateProfile.recruiter_id.in_(availability.recruiters_covered_by(recruiter_id, now))
        )
    return or_(*cares)


def candidate_in_care_of(recruiter: User, candidate_id: int) -> User | None:
    """The candidate if `recruiter` looks after them, is their backup recruiter or covers for
    their recruiter who is away now (their question thread, their notes), else None (the
    view answers 404)."""
    return db.session.scalar(
        _candidates_query().where(
            User.id == candidate_id,
            in_care_of(recruiter.id, clock.now()),
            User.is_active.is_(True),
        )
    )


@dataclass(frozen=True)
class CandidateFilter:
    """What HR narrowed the people list to. `recruiter_id` 0 names no one (an id beyond any
    row): the list is then empty. `joining_from`/`joining_until` are days, both included."""

    recruiter_id: int | None = None
    unassigned: bool = False
    active: bool | None = None  # None: active and deactivated accounts alike
    joining_from: date | None = None
    joining_until: date | None = None
    search: str | None = None  # part of the name or email address, any case


@dataclass(frozen=True)
class CandidatePage:
    """One page of the people list, and the cursor of the next (None on the last page)."""

    candidates: list[User]
    next_after: int | None


# Soonest joining first, then by name; the id makes the order total (and the cursor one id).
_SOONEST = (
    pages.Key(CandidateProfile.joining_date),
    pages.Key(User.name),
    pages.Key(User.id),
)
CANDIDATES_PAGE_SIZE = 50


def _position(candidate_id: int) -> list[object]:
    """The order keys of the candidate `candidate_id`, looked up by the page's own query."""
    return [
        pages.value_of(CandidateProfile.joining_date, CandidateProfile.user_id, candidate_id),
        pages.value_of(User.name, User.id, candidate_id),
        candidate_id,
    ]


def candidates_page(
    wanted: CandidateFilter, after: int | None = None, size: int = CANDIDATES_PAGE_SIZE
) -> CandidatePage:
    """Up to `size` matching candidates, soonest joining first, after the candidate `after`
    (the last one of the previous page; None for the first page): one query."""
    query = _candidates_query()
    if wanted.unassigned:
        query = query.where(CandidateProfile.recruiter_id.is_(None))
    elif wanted.recruiter_id is not None:
        query = query.where(CandidateProfile.recruiter_id == wanted.recruiter_id)
    if wanted.active is not None:
        query = query.where(User.is_active.is_(wanted.active))
    if wanted.joining_from is not None:
        query = query.where(CandidateProfile.joining_date >= wanted.joining_from)
    if wanted.joining_until is not None:
        query = query.where(CandidateProfile.joining_date <= wanted.joining_until)
    if wanted.search:
        pattern = pages.contains(wanted.search)
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    position = _position(after) if after is not None else None
    rows, last = pages.in_order(query, _SOONEST, position, size)
    return CandidatePage(rows, last.id if last is not None else None)


def staff(role: Role | None = None) -> list[User]:
    """Recruiters and HR people, by name."""
    roles = [role] if role else [Role.RECRUITER, Role.HR]
    query = select(User).where(User.role.in_(roles)).order_by(User.name)
    return list(db.session.scalars(query))


# In name order from ix_users_role_name: a few staff rows, however many candidates there are.
ACTIVE_RECRUITERS = (
    select(User).where(User.role == Role.RECRUITER, User.is_active.is_(True)).order_by(User.name)
)


def active_recruiters() -> list[User]:
    return list(db.session.scalars(ACTIVE_RECRUITERS))


def person(user_id: int) -> User | None:
    return db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .options(joinedload(User.candidate_profile).joinedload(CandidateProfile.recruiter))
    )


def audit_entries(target: User | None = None, limit: int = 200) -> list[AuditEntry]:
    query = select(AuditEntry).options(joinedload(AuditEntry.actor), joinedload(AuditEntry.target))
    if target is not None:
        query = query.where(AuditEntry.target_user_id == target.id)
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(db.session.scalars(query))


# --- The staff's people search ------------------------------------------------------------------

SEARCH_PAGE_SIZE = 25
_BY_NAME = (pages.Key(User.name), pages.Key(User.id))


@dataclass(frozen=True)
class SearchPage:
    """One page of people found, by name, and the cursor of the next (None on the last)."""

    people: list[User]
    next_after: int | None


def search_people(
    reader: User, text: str, after: int | None = None, size: int = SEARCH_PAGE_SIZE
) -> SearchPage:
    """People whose name or email address holds `text` (any case), by name, a page after the
    person `after`: HR finds everyone; a recruiter finds the staff and the active candidates
    in their care (their own, those they are the backup of, those of a recruiter they cover
    for now). One query, walking the users' name index."""
    pattern = pages.contains(text)
    query = (
        select(User)
        .outerjoin(CandidateProfile, CandidateProfile.user_id == User.id)
        .where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
        .options(joinedload(User.candidate_profile).joinedload(CandidateProfile.recruiter))
    )
    if reader.role != Role.HR:
        query = query.where(
            User.is_active.is_(True),
            or_(
                User.role.in_((Role.RECRUITER, Role.HR)),
                and_(User.role == Role.CANDIDATE, in_care_of(reader.id, clock.now())),
            ),
        )
    position = [pages.value_of(User.name, User.id, after), after] if after is not None else None
    found, last = pages.in_order(query, _BY_NAME, position, size)
    return SearchPage(found, last.id if last is not None else None)


MOST_PLACES = 500  # locations or departments offered in a filter or as suggestions


def place_names(*others: tuple[Any, Any]) -> tuple[list[str], list[str]]:
    """The locations and the departments candidates have, with those of other tables
    (`others`: (location column, department column) pairs), each sorted, at most MOST_PLACES
    of each: what filters and suggestions offer. One query."""
    pairs = [(CandidateProfile.location, CandidateProfile.department), *others]
    named = union(
        *(
            select(column.label("name"), literal(kind, Integer).label("kind"))
            for location, department in pairs
            for column, kind in ((location, 0), (department, 1))
        )
    ).subquery()
    rows = db.session.execute(
        select(named.c.name, named.c.kind)
        .where(named.c.name != "")
        .order_by(named.c.kind, named.c.name)
        .limit(2 * MOST_PLACES)
    ).all()
    locations = [name for name, kind in rows if kind == 0][:MOST_PLACES]
    departments = [name for name, kind in rows if kind == 1][:MOST_PLACES]
    return locations, departments
