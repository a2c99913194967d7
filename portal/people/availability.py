"""Who is away now, and whom a colleague covers meanwhile: the questions every scope asks of
staff absences (people.models.StaffAbsence). Which of them answers a candidate is the
questions package's rule (questions.cover); this module only says who is away when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, bindparam, select
from sqlalchemy.orm import joinedload

from portal.core.database import OrBound
from portal.core.extensions import db
from portal.people.models import StaffAbsence


def in_effect(now: OrBound[datetime]) -> ColumnElement[bool]:
    """The absences under way at `now` (from the first day's midnight to the last day's end)."""
    return and_(StaffAbsence.starts_at <= now, StaffAbsence.ends_at > now)


def recruiters_covered_by(cover_id: OrBound[int], now: OrBound[datetime]) -> Select[int]:
    """The ids of the recruiters away at `now` who named `cover_id` to cover them (a subquery)."""
    return select(StaffAbsence.recruiter_id).where(
        StaffAbsence.cover_id == cover_id, in_effect(now)
    )


# The absences under way, with who covers and whom: built once (every question asked runs
# it, and building it cost more than running it). Run with {"now": ...}.
_AWAY_NOW = (
    select(StaffAbsence)
    .where(in_effect(bindparam("now")))
    .options(joinedload(StaffAbsence.cover), joinedload(StaffAbsence.recruiter))
    .order_by(StaffAbsence.starts_at)
)


def away_now(now: datetime, recruiter_ids: Iterable[int] | None = None) -> dict[int, StaffAbsence]:
    """The absences under way at `now`, by recruiter (one query), with who covers loaded;
    narrowed to `recruiter_ids` when given."""
    query = _AWAY_NOW
    if recruiter_ids is not None:
        query = query.where(StaffAbsence.recruiter_id.in_(list(recruiter_ids)))
    absences = db.session.scalars(query, {"now": now})
    return {absence.recruiter_id: absence for absence in absences}


def absences_of(recruiter_id: int, now: datetime) -> list[StaffAbsence]:
    """The recruiter's absences under way or to come, soonest first (one query); absences
    that are over are history (the audit log keeps them)."""
    return list(
        db.session.scalars(
            select(StaffAbsence)
            .where(StaffAbsence.recruiter_id == recruiter_id, StaffAbsence.ends_at > now)
            .options(joinedload(StaffAbsence.cover))
            .order_by(StaffAbsence.starts_at)
        )
    )
