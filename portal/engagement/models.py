"""Engagement: how candidates feel (pulse), the status the portal derives from what they do and
feel, and the recruiters' daily digests."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import utcnow
from portal.core.i18n import _, _l
from portal.core.models import Base, UTCDateTime, one_of


class Status(StrEnum):
    """A candidate's engagement status; its words are said here only ("at risk", "At risk").

    In rising severity (portal.engagement.status.SEVERITY): engaged, invited (has never signed
    in: the invitation is not accepted yet, and not for long enough to worry), quiet, at risk.
    A candidate who has never signed in is never engaged: invited, then quiet or at risk as
    the invitation waits."""

    ENGAGED = "engaged"
    INVITED = "invited"
    QUIET = "quiet"
    AT_RISK = "at_risk"

    @property
    def words(self) -> str:
        """In a sentence: "engaged", "invited", "quiet", "at risk" (the reader's language)."""
        return str(_STATUS_WORDS[self])

    @property
    def label(self) -> str:
        """On its own (a badge, a filter): "Engaged", "Invited", "Quiet", "At risk"."""
        return str(_STATUS_LABELS[self])

    @classmethod
    def words_for(cls, value: str | None) -> str:
        """The words for a stored status (an event's "from"/"to"), even one no longer known."""
        if value is not None:
            try:
                return cls(value).words
            except ValueError:
                return str(value).replace("_", " ")
        return _("unknown")


_STATUS_WORDS = {
    Status.ENGAGED: _l("engaged"),
    Status.INVITED: _l("invited"),
    Status.QUIET: _l("quiet"),
    Status.AT_RISK: _l("at risk"),
}
_STATUS_LABELS = {
    Status.ENGAGED: _l("Engaged"),
    Status.INVITED: _l("Invited"),
    Status.QUIET: _l("Quiet"),
    Status.AT_RISK: _l("At risk"),
}


class PulseResponse(Base):
    """An answer to "How do you feel about joining?" (1 = worried … 5 = can't wait)."""

    __tablename__ = "pulse_responses"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_pulse_responses_candidate_time", "candidate_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CandidateStatus(Base):
    """The last status the worker recorded for a candidate, so a change can be noticed once."""

    __tablename__ = "candidate_statuses"
    __table_args__ = (CheckConstraint(f"status IN ({one_of(Status)})", name="status"),)

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(12))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecruiterDigest(Base):
    """One daily digest per recruiter and local day: the unique key makes it go out once."""

    __tablename__ = "recruiter_digests"
    __table_args__ = (UniqueConstraint("recruiter_id", "local_date", name="uq_recruiter_digests"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when nothing had changed: the day is settled and no mail was sent.
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_emails.id", ondelete="SET NULL"), default=None
    )


class CandidateSummary(Base):
    """One candidate's engagement at a glance, kept current as things happen, so no page ever
    aggregates the event log (portal.engagement.summaries keeps it; `flask engagement
    rebuild-summaries` recomputes it from the events).

    Three kinds of column: facts from the events, questions and pulses, updated in the
    transaction that changes them; copies of the profile's recruiter, joining date, location
    and account state, updated when those change (the dashboards filter and sort on them in one
    index); and the status with its reasons and the board order, evaluated when the facts
    change and again by the worker as time passes (`evaluated_at` says when).

    Triggers note every active one entering or leaving a recruiter's status or joining day
    (CohortCountChange) for the tiles' counts: a SQLite batch migration of this table copies
    it without them and must create them again (migration 0027_cohort_counts).
    """

    __tablename__ = "candidate_summaries"
    __table_args__ = (
        CheckConstraint(f"status IN ({one_of(Status)})", name="status"),
        # The dashboards' order (riskiest first, then soonest joining) for each filter.
        Index(
            "ix_candidate_summaries_board",
            "is_active",
            "board_rank",
            "joining_date",
            "candidate_id",
        ),
        Index(
            "ix_candidate_summaries_recruiter_board",
            "recruiter_id",
            "is_active",
            "board_rank",
            "joining_date",
            "candidate_id",
        ),
        Index(
            "ix_candidate_summaries_status_board",
            "status",
            "is_active",
            "board_rank",
            "joining_date",
            "candidate_id",
        ),
        Index(
            "ix_candidate_summaries_location",
            "location",
            "is_active",
            "board_rank",
            "joining_date",
            "candidate_id",
        ),
        Index("ix_candidate_summaries_joining", "joining_date"),
        # The tiles' counts read only these columns: an index-only scan, not the wide rows.
        Index("ix_candidate_summaries_tiles", "is_active", "status", "signed_up", "joining_date"),
        Index(
            "ix_candidate_summaries_recruiter_tiles",
            "recruiter_id",
            "is_active",
            "status",
            "signed_up",
            "joining_date",
        ),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Copies of the profile and account (kept in step by summaries.py).
    recruiter_id: Mapped[int | None] = mapped_column(Integer, default=None)
    joining_date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(80), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    signed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    # Facts from the events (only what the candidate did: ACTIVITY_KINDS).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Their first event: in practice the sign-in that accepted the invitation (the pulse check
    # waits PULSE_AFTER_DAYS from it).
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    opened_count: Mapped[int] = mapped_column(Integer, default=0)
    event_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Actions per UTC day ("2026-12-04": 3) over the ACTIVITY_WINDOW_DAYS up to the latest day.
    activity_days: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Facts from the pulse answers and the questions.
    last_pulse: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    previous_pulse: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    first_waiting_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # Facts from the checklist (timeline.checklist): its tasks, how many are ticked off, and when
    # each open one is due (ISO instants in UTC, soonest first; None until first read):
    # "overdue" is worked out from them at each evaluation, as time passes.
    tasks_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tasks_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    task_dues: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    # The evaluation: status, reasons ({"code", "status", "text"}) and the board's order
    # (0 at risk, 1 quiet, 2 invited, 3 engaged, 4 joined). A new candidate is invited.
    status: Mapped[str] = mapped_column(String(12), default=Status.INVITED)
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    board_rank: Mapped[int] = mapped_column(SmallInteger, default=2)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CohortStatusCount(Base):
    """How many active candidates a recruiter has in a status (`recruiter_key` 0: those with no
    recruiter), for the dashboards' tiles (portal.engagement.tiles), as of the last time the
    changes were folded in: the tiles add the CohortCountChange rows not folded in yet.

    Written only by `tiles.fold_changes` (the worker's "tile_counts" job); a count that reaches
    0 goes."""

    __tablename__ = "cohort_status_counts"

    recruiter_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    candidates: Mapped[int] = mapped_column(Integer)


class CohortJoiningCount(Base):
    """How many active candidates a recruiter has joining on a day (`recruiter_key` 0: no
    recruiter), for the tiles' "joining this week"; kept as CohortStatusCount is."""

    __tablename__ = "cohort_joining_counts"
    # Everyone's week (HR's whole board): the days first, whoever the recruiter.
    __table_args__ = (Index("ix_cohort_joining_counts_day", "joining_date"),)

    recruiter_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    joining_date: Mapped[date] = mapped_column(Date, primary_key=True)
    candidates: Mapped[int] = mapped_column(Integer)


class CohortCountChange(Base):
    """An active summary entering (+1) or leaving (-1) a recruiter's status and joining day,
    appended by the triggers on candidate_summaries (migration 0027_cohort_counts) and folded
    into the counts above by the worker.

    Only appended, never updated: two transactions moving candidates between the same buckets
    never wait for each other's row (counters updated in place deadlocked on PostgreSQL)."""

    __tablename__ = "cohort_count_changes"
    __table_args__ = (Index("ix_cohort_count_changes_recruiter", "recruiter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recruiter_key: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    joining_date: Mapped[date] = mapped_column(Date)
    delta: Mapped[int] = mapped_column(SmallInteger)
