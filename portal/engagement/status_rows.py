"""The facts engagement status is worked out from (portal.engagement.status), one row per
candidate, read from their summary (portal.engagement.summaries keeps it current) in one query
whatever the number of candidates or events: no aggregation of the event log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select
from sqlalchemy.orm import aliased

from portal.core import pages
from portal.core.extensions import db
from portal.engagement.models import CandidateSummary
from portal.people.models import CandidateProfile, Role, User, WorkingHours

# Made once: building an alias costs more than the query it is used in.
_RECRUITER = aliased(User, name="recruiter")


def status_rows(
    *,
    recruiter_id: int | None,
    unassigned: bool,
    candidate_ids: list[int] | None,
    search: str | None,
    active_only: bool = True,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """The facts of each candidate, read from their summary (portal.engagement.summaries keeps
    it current): one query, no aggregation. A candidate without a summary yet reads as having
    done nothing."""
    filters = _filters(
        recruiter_id=recruiter_id,
        unassigned=unassigned,
        candidate_ids=candidate_ids,
        search=search,
        active_only=active_only,
    )
    recruiter = _RECRUITER
    query = (
        select(
            User.id,
            User.name,
            User.email,
            User.created_at,
            User.password_hash.is_not(None).label("signed_up"),
            User.last_sign_in_at,
            CandidateProfile.job_title,
            CandidateProfile.joining_date,
            CandidateProfile.joining_time,
            CandidateProfile.joining_time_zone,
            CandidateProfile.recruiter_id,
            recruiter.name.label("recruiter_name"),
            # The week the answer promise is counted in (questions.working_hours).
            recruiter.time_zone.label("recruiter_zone"),
            WorkingHours.weekdays.label("work_weekdays"),
            WorkingHours.starts_minute.label("work_starts"),
            WorkingHours.ends_minute.label("work_ends"),
            WorkingHours.holiday_calendar.label("work_holidays"),
            CandidateSummary.last_seen_at.label("last_seen"),
            func.coalesce(CandidateSummary.opened_count, 0).label("opened"),
            func.coalesce(CandidateSummary.unanswered, 0).label("unanswered"),
            CandidateSummary.waiting_since,
            CandidateSummary.first_waiting_id,
            CandidateSummary.last_pulse,
            CandidateSummary.previous_pulse,
            func.coalesce(CandidateSummary.tasks_total, 0).label("tasks_total"),
            func.coalesce(CandidateSummary.tasks_done, 0).label("tasks_done"),
            CandidateSummary.task_dues,
        )
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .outerjoin(
            recruiter,
            and_(recruiter.id == CandidateProfile.recruiter_id, recruiter.is_active.is_(True)),
        )
        .outerjoin(WorkingHours, WorkingHours.user_id == recruiter.id)
        .outerjoin(CandidateSummary, CandidateSummary.candidate_id == User.id)
        .where(*filters)
    )
    return db.session.execute(query).all()


def _filters(
    *,
    recruiter_id: int | None,
    unassigned: bool,
    candidate_ids: list[int] | None,
    search: str | None,
    active_only: bool = True,
) -> list[ColumnElement[bool]]:
    """Active candidates, narrowed to one recruiter's (or nobody's), these ids, a search."""
    filters = [User.role == Role.CANDIDATE]
    if active_only:
        filters.append(User.is_active.is_(True))
    if unassigned:
        filters.append(CandidateProfile.recruiter_id.is_(None))
    elif recruiter_id is not None:
        filters.append(CandidateProfile.recruiter_id == recruiter_id)
    if candidate_ids is not None:
        filters.append(User.id.in_(candidate_ids))
    if search and search.strip():
        pattern = pages.contains(search.strip())
        filters.append(
            func.lower(User.name).like(pattern, escape="\\")
            | func.lower(User.email).like(pattern, escape="\\")
        )
    return filters
