"""The people a candidate meets before their first day: HR's list of team members, each
candidate's welcome from their hiring manager and their buddy, the team chosen for them, and
the photos of all of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime

# The longest texts staff may write (the forms and the columns hold them to these).
TITLE_MAX = 120
PLACE_MAX = 80  # a department or a location, as candidate profiles keep them
MEMBER_INTRO_MAX = 400
BUDDY_INTRO_MAX = 600
WELCOME_MAX = 1500


class TeamPhoto(Base):
    """A photo as the portal serves it: already resized, stripped of metadata and re-encoded
    (team.photos). Its bytes never change: a new upload is a new row, so its address (which
    holds the digest) may be cached for a year."""

    __tablename__ = "team_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of `data`, hex
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # The candidate whose page it was uploaded for (their manager's or buddy's photo): it goes
    # when they go (retention). None for a photo on HR's team list.
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    """Someone on HR's team list. Candidates of the same department see them on their "Meet
    your team" page: those joining at the same location, or anywhere when no location is set."""

    __tablename__ = "team_members"
    __table_args__ = (
        Index("ix_team_members_team", "department", "location", "name", "id"),
        Index("ix_team_members_name", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    intro: Mapped[str] = mapped_column(String(MEMBER_INTRO_MAX), default="")
    department: Mapped[str] = mapped_column(String(PLACE_MAX))
    location: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_photos.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    photo: Mapped[TeamPhoto | None] = relationship(lazy="joined")


class ManagerWelcome(Base):
    """A candidate's welcome from their hiring manager, written by the recruiter or HR."""

    __tablename__ = "manager_welcomes"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    manager_name: Mapped[str] = mapped_column(String(120))
    manager_title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    message: Mapped[str] = mapped_column(Text)
    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_photos.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    photo: Mapped[TeamPhoto | None] = relationship(lazy="joined")


class Buddy(Base):
    """The colleague a candidate can turn to with small questions, and how to reach them."""

    __tablename__ = "buddies"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    intro: Mapped[str] = mapped_column(String(BUDDY_INTRO_MAX), default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_photos.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    photo: Mapped[TeamPhoto | None] = relationship(lazy="joined")


class ChosenTeam(Base):
    """Present when staff chose a candidate's team themselves: the candidate then sees exactly
    their picks (TeamPick), not their department's list."""

    __tablename__ = "chosen_teams"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    chosen_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class TeamPick(Base):
    """One member of a team chosen for one candidate."""

    __tablename__ = "team_picks"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("team_members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
