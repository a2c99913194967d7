"""Each offer's outcome, with what the portal knew about the candidate before it: the facts the
reports and the calibration of the statuses read, so that no report aggregates the event log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.i18n import N_, _, format_number
from portal.core.models import Base, UTCDateTime, one_of
from portal.people.models import User


class Outcome(StrEnum):
    """What became of an offer. Reneged and no-show are both offers *lost*."""

    JOINED = "joined"
    RENEGED = "reneged"  # said no (or went silent for good) before their first day
    NO_SHOW = "no_show"  # did not come on their first day, without a word

    @property
    def label(self) -> str:
        """On its own, in the reader's language: "Joined", "Reneged before start", "No-show"."""
        return _(_LABELS[self])

    @property
    def recorded(self) -> str:
        """On its own in English, as the audit log keeps it (`label` translates it)."""
        return _LABELS[self]

    def counted(self, count: int) -> str:
        """How many offers came to it, in the reader's language: "3 joined", "1 no-show"."""
        return _(_COUNTED[self], num=format_number(count))

    @property
    def lost(self) -> bool:
        return self is not Outcome.JOINED


_LABELS = {
    Outcome.JOINED: N_("Joined"),
    Outcome.RENEGED: N_("Reneged before start"),
    Outcome.NO_SHOW: N_("No-show"),
}
_COUNTED = {
    Outcome.JOINED: N_("%(num)s joined"),
    Outcome.RENEGED: N_("%(num)s reneged before start"),
    Outcome.NO_SHOW: N_("%(num)s no-show"),
}
LOST = (Outcome.RENEGED, Outcome.NO_SHOW)
# How many weeks before the outcome the activity of each week is kept (`active_weeks`).
WEEKS_KEPT = 8


class CandidateOutcome(Base):
    """One offer's outcome, and the facts about the candidate up to `facts_until`: the earlier
    of the moment the outcome was first recorded and their joining moment (what the portal
    could have known before the answer). Worked out once, when the outcome is first recorded
    (portal.outcomes.history); changing the outcome later keeps them.

    The row outlives the candidate: when retention forgets them, `candidate_id` is cleared and
    what is left names nobody (no name, address or free text: a reason given for the outcome
    is kept in the audit log, which retention strips), so the reports keep their history.
    """

    __tablename__ = "candidate_outcomes"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({one_of(Outcome)})", name="outcome"),
        Index("ix_candidate_outcomes_joining", "joining_date", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True, default=None
    )
    outcome: Mapped[str] = mapped_column(String(12))
    # True: the portal marked them joined when their joining moment passed; anyone may
    # correct it, which makes it False.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Copies of the offer, refreshed whenever the outcome is recorded: the reports group and
    # filter on them, and they stay when the candidate is forgotten.
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joining_date: Mapped[date] = mapped_column(Date)  # in the workplace's zone
    joining_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department: Mapped[str] = mapped_column(String(80), default="")
    location: Mapped[str] = mapped_column(String(80), default="")
    recruiter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    # What the portal knew before the outcome, up to `facts_until`.
    facts_until: Mapped[datetime] = mapped_column(UTCDateTime)
    first_quiet_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    first_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The longest stretch without any sign of them (from the offer, between things they did,
    # and up to `facts_until`), in whole days: "not seen for N days" at its worst.
    longest_silence_days: Mapped[int] = mapped_column(Integer, default=0)
    # Bit n set: they did something in the n+1th week before `facts_until` (bit 0: the last
    # 7 days). `offered_weeks`: in how many of those WEEKS_KEPT weeks the offer existed.
    active_weeks: Mapped[int] = mapped_column(Integer, default=0)
    offered_weeks: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Their questions' waits for an answer (from the first question waiting to the reply),
    # against the answer promise of the time (`promise_hours`): within a quarter of it, within
    # half, within the promise, later; and questions still waiting past it at `facts_until`.
    promise_hours: Mapped[int] = mapped_column(SmallInteger)
    answers_within_quarter: Mapped[int] = mapped_column(Integer, default=0)
    answers_within_half: Mapped[int] = mapped_column(Integer, default=0)
    answers_within_promise: Mapped[int] = mapped_column(Integer, default=0)
    answers_late: Mapped[int] = mapped_column(Integer, default=0)
    questions_unanswered: Mapped[int] = mapped_column(Integer, default=0)

    # Who recorded it, for its page (loaded with the row).
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="joined")

    @property
    def kind(self) -> Outcome:
        return Outcome(self.outcome)
