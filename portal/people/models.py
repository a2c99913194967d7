"""Who someone is: users, their role, a candidate's profile and mail preference, the audit log."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime, one_of

# The longest reception instructions HR may write (CandidateProfile.reception_instructions).
RECEPTION_INSTRUCTIONS_MAX = 500


class Role(StrEnum):
    CANDIDATE = "candidate"
    RECRUITER = "recruiter"
    HR = "hr"


class MailPreference(StrEnum):
    """A candidate's own choice of how much mail they get from the portal."""

    EVERYTHING = "everything"
    WEEKLY_SUMMARY = "weekly_summary"
    ESSENTIALS = "essentials"


class User(UserMixin, Base):
    """Anyone who can sign in: a candidate, a recruiter or an HR person."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({one_of(Role)})", name="role"),
        # The staff's people search: everyone by name, a page at a time (people.directory).
        Index("ix_users_name", "name", "id"),
        # Staff by role in name order (the recruiter filters and choices): the few staff rows
        # read from the index, not every candidate's.
        Index("ix_users_role_name", "role", "is_active", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    # None until the person accepts their invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # What they would like to be called and their pronouns ("" when not said), and the language
    # of their pages and email (a code of LANGUAGES): their own choices, on their profile.
    preferred_name: Mapped[str] = mapped_column(String(120), default="", server_default=text("''"))
    pronouns: Mapped[str] = mapped_column(String(40), default="", server_default=text("''"))
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sign_in_count: Mapped[int] = mapped_column(Integer, default=0)
    # When the email, password or role last changed, or the account was closed: API tokens
    # made before then stop working (accounts revokes links and sessions at the same moment).
    credentials_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    candidate_profile: Mapped[CandidateProfile | None] = relationship(
        back_populates="user", foreign_keys="CandidateProfile.user_id", uselist=False
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    @property
    def greeting_name(self) -> str:
        """What a greeting calls them: their preferred name, else the first word of their name."""
        return self.preferred_name or self.name.split(" ")[0]

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def profile(self) -> CandidateProfile:
        """`candidate_profile` where the caller knows there is one (a candidate that
        candidate_or_404 or signed_in_candidate returned), so types need no None check."""
        profile = self.candidate_profile
        if profile is None:
            raise LookupError(f"user {self.id} has no candidate profile")
        return profile


class CandidateProfile(Base):
    """What a candidate was offered: the job, where and when they join, who looks after them."""

    __tablename__ = "candidate_profiles"
    __table_args__ = (
        CheckConstraint(
            "mail_preference IN ('everything', 'weekly_summary', 'essentials')",
            name="mail_preference",
        ),
        # HR's people list: soonest joining first, and "joining in the next N days".
        Index("ix_candidate_profiles_joining", "joining_date", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    job_title: Mapped[str] = mapped_column(String(120))
    department: Mapped[str] = mapped_column(String(80), default="")
    location: Mapped[str] = mapped_column(String(80), default="")
    # The joining moment is a wall-clock date and time in the workplace's zone, kept local so
    # that a change in the zone's rules cannot move it. users.time_zone is where the candidate
    # lives and reads the portal; the two differ for someone relocating to join.
    joining_date: Mapped[date] = mapped_column(Date)
    joining_time: Mapped[time] = mapped_column(Time, default=time(9, 0))
    joining_time_zone: Mapped[str] = mapped_column(String(64))
    # What to do on arrival ("Ask for Rosa at the front desk of building B."): plain text, part
    # of the joining details with the moment and the location (timeline.joining.JoiningDetails).
    reception_instructions: Mapped[str] = mapped_column(
        # An empty string as SQL: Alembic reads server_default="" as no default at all.
        String(RECEPTION_INSTRUCTIONS_MAX),
        default="",
        server_default=text("''"),
    )
    # RFC 5545 SEQUENCE of the joining-day calendar event: raised on every change to it.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the candidate's latest visit to their news began, and the visit before it: news
    # that appeared after the previous visit is marked new (news.visits).
    news_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    news_previous_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    recruiter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    # The recruiter who answers when the recruiter is away (set by HR): sees the thread in
    # their inbox and may answer it (questions.answerers).
    backup_recruiter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    # The candidate's own choice: everything / weekly_summary / essentials (MailPreference).
    mail_preference: Mapped[str] = mapped_column(
        String(20), default="everything", server_default="everything"
    )

    user: Mapped[User] = relationship(back_populates="candidate_profile", foreign_keys=[user_id])
    recruiter: Mapped[User | None] = relationship(foreign_keys=[recruiter_id])
    backup_recruiter: Mapped[User | None] = relationship(foreign_keys=[backup_recruiter_id])


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    target_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    action: Mapped[str] = mapped_column(String(40))
    # What was changed when it is not a person's record, e.g. 'Milestone "Reception"'.
    subject: Mapped[str | None] = mapped_column(String(160), default=None)
    field: Mapped[str | None] = mapped_column(String(40), default=None)
    old_value: Mapped[str | None] = mapped_column(Text, default=None)
    new_value: Mapped[str | None] = mapped_column(Text, default=None)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target: Mapped[User | None] = relationship(foreign_keys=[target_user_id])


class StaffAbsence(Base):
    """A recruiter away from one day to another (their own zone), and who covers meanwhile.

    The days are kept as entered, for reading; `starts_at` and `ends_at` are the same days as
    instants (midnight to midnight where the recruiter lives, fixed when saved), so that "away
    now" is one comparison in SQL. Who answers whom while someone is away: questions.cover.
    """

    __tablename__ = "staff_absences"
    __table_args__ = (
        Index("ix_staff_absences_recruiter", "recruiter_id", "ends_at"),
        Index("ix_staff_absences_cover", "cover_id", "ends_at"),
        CheckConstraint("first_day <= last_day", name="days_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The colleague who answers the recruiter's candidates meanwhile; None: nobody named (each
    # candidate's own backup, else HR).
    cover_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recruiter: Mapped[User] = relationship(foreign_keys=[recruiter_id])
    cover: Mapped[User | None] = relationship(foreign_keys=[cover_id])


class WorkingHours(Base):
    """A recruiter's working week, which the answer promise counts in (questions.working_hours):
    the days they work, from when to when in their own zone (users.time_zone), and whose public
    holidays they keep. A recruiter without a row works the WORKING_HOURS_DEFAULT week."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint(
            "starts_minute >= 0 AND starts_minute < ends_minute AND ends_minute <= 1440",
            name="hours_in_order",
        ),
        CheckConstraint("weekdays > 0 AND weekdays < 128", name="weekdays"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Bit n set: they work on weekday n (Monday 0 … Sunday 6).
    weekdays: Mapped[int] = mapped_column(Integer)
    # Minutes after local midnight: 540 is 09:00, 1440 the end of the day.
    starts_minute: Mapped[int] = mapped_column(Integer)
    ends_minute: Mapped[int] = mapped_column(Integer)
    # A location of WORKING_CALENDARS whose public holidays they keep; None: none.
    holiday_calendar: Mapped[str | None] = mapped_column(String(80), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
