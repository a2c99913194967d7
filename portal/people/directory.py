"""Who may see whom: the scoped look-ups every view goes through."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.core.extensions import db
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


def all_candidates(recruiter_id: int | None = None, include_inactive: bool = True) -> list[User]:
    query = _candidates_query()
    if recruiter_id is not None:
        query = query.where(CandidateProfile.recruiter_id == recruiter_id)
    if not include_inactive:
        query = query.where(User.is_active.is_(True))
    return list(db.session.scalars(query.order_by(CandidateProfile.joining_date, User.name)))


def staff(role: Role | None = None) -> list[User]:
    """Recruiters and HR people, by name."""
    roles = [role] if role else [Role.RECRUITER, Role.HR]
    query = select(User).where(User.role.in_(roles)).order_by(User.name)
    return list(db.session.scalars(query))


def active_recruiters() -> list[User]:
    query = select(User).where(User.role == Role.RECRUITER, User.is_active.is_(True))
    return list(db.session.scalars(query.order_by(User.name)))


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
