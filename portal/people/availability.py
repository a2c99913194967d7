"""Who is away now, and whom a colleague covers meanwhile: the questions every scope asks of
staff absences (people.models.StaffAbsence). Which of them answers a candidate is the
questions package's rule (questions.cover); this module only says who is away when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import joinedload

from portal.core.extensions import db
from portal.people.models import StaffAbsence


def in_effect(now: datetime) -> ColumnElement[bool]:
    """The absences under way at `now` (from the first day's midnight to the last day's end)."""
    return and_(StaffAbsence.starts_at <= now, StaffAbsence.ends_at > now)


def recruiters_covered_by(cover_id: int, now: datetime) -> Select[int]:
    """The ids of the recruiters away at `now` who named `cover_id` to cover them (a subquery)."""
    return select(StaffAbsence.recruiter_id).where(
        StaffAbsence.cover_id == cover_id, in_effect(now)
    )


def away_now(now: datetime, recruiter_ids: Iterable[int] | None = None) -> dict[int, StaffAbsence]:
    """The absences under way at `now`, by recruiter (one query), with who covers loaded;
    narrowed to `recruiter_ids` when given."""
    query = (
        select(StaffAbsence)
        .where(in_effect(now))
        .options(joinedload(StaffAbsence.cover), joinedload(StaffAbsence.recruiter))
        .order_by(StaffAbsence.starts_at)
    )
    if recruiter_ids is not None:
        query = query.where(StaffAbsence.recruiter_id.in_(list(recruiter_ids)))
    return {absence.recruiter_id: absence for absence in db.session.scalars(query)}


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
