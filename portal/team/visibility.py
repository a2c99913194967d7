"""Who may load which photo: staff (recruiters and HR) any, a candidate only the photos their
own pages show (their manager's, their buddy's, their team's). Anything else is not found."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import undefer

from portal.core.extensions import db
from portal.people.models import Role, User
from portal.team.models import Buddy, ManagerWelcome, TeamMember, TeamPhoto
from portal.team.teams import team_condition

STAFF = (Role.RECRUITER, Role.HR)


def photo_for(reader: User, photo_id: int, digest: str) -> TeamPhoto | None:
    """The photo with its bytes, when `reader` may see it and `digest` is its digest."""
    query = (
        select(TeamPhoto)
        .options(undefer(TeamPhoto.data))
        .where(TeamPhoto.id == photo_id, TeamPhoto.digest == digest)
    )
    if reader.role == Role.CANDIDATE:
        profile = reader.candidate_profile
        if profile is None:
            return None
        query = query.where(
            or_(
                TeamPhoto.id.in_(
                    select(ManagerWelcome.photo_id).where(ManagerWelcome.candidate_id == reader.id)
                ),
                TeamPhoto.id.in_(select(Buddy.photo_id).where(Buddy.candidate_id == reader.id)),
                TeamPhoto.id.in_(select(TeamMember.photo_id).where(team_condition(profile))),
            )
        )
    elif reader.role not in STAFF:
        return None
    return db.session.scalar(query)
