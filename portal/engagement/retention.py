"""Retention: how long the portal keeps what it knows about a candidate, and the job that keeps
to it.

The policy (`policy()`: periods from the settings, and what becomes of each kind of record) is
read by the worker's daily job and by /what-we-record, which is written from it: the page
cannot promise what the job does not do. The records exist to help a candidate between offer
and first day; once a candidate has *departed* (ENGAGEMENT_KEEP_DAYS_AFTER_JOINING days after
their joining day, or CANDIDATE_KEEP_DAYS_AFTER_CLOSING days after their account was closed,
whichever comes first) every row about them, in every table, is deleted or anonymised
(portal.engagement.forgetting). What a webhook said is erased WEBHOOK_BODY_KEEP_DAYS days after
delivery, for everyone. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from portal.core.extensions import db
from portal.core.i18n import N_, _
from portal.engagement.forgetting import Forgotten, forget
from portal.people.models import CandidateProfile, Role, User
from portal.timeline import documents
from portal.webhooks import outbox

BATCH = 50  # candidates forgotten per round


@dataclass(frozen=True)
class Kind:
    """A kind of record about a candidate as the page names it, and the tables that hold it."""

    words: str  # in English, marked for translation
    tables: tuple[str, ...]

    @property
    def said(self) -> str:
        """The words in the reader's language."""
        return _(self.words)


# Deleted once a candidate has departed.
DELETED: tuple[Kind, ...] = (
    Kind(
        N_(
            "Your account: your name, email address, phone number and password, your sign-ins "
            "and the links we emailed you"
        ),
        ("users", "candidate_profiles", "auth_sessions", "user_tokens", "api_tokens"),
    ),
    Kind(
        N_(
            "The records of what you did in the portal, and the portal’s view of how engaged "
            "you are"
        ),
        ("engagement_events", "candidate_statuses", "candidate_summaries"),
    ),
    Kind(
        N_("Your answers to “How do you feel about joining?”, with any comment"),
        ("pulse_responses",),
    ),
    Kind(
        N_("Your questions, their answers, which of them were read and which needed no reply"),
        ("messages", "thread_reads", "thread_unread", "thread_closures"),
    ),
    Kind(
        N_("Your timeline, your own first-day details, and which news items you read"),
        ("candidate_milestones", "day_one_overrides", "news_reads"),
    ),
    Kind(
        N_(
            "Your checklist: which tasks you ticked off and when, and the documents you uploaded "
            "for them"
        ),
        ("checklist_ticks",),
    ),
    Kind(
        N_("The private notes the staff who look after you kept about you (you never see them)"),
        ("candidate_notes",),
    ),
    Kind(
        N_(
            "The welcome from your manager, your buddy and the team chosen for you, with the "
            "photos that came with them"
        ),
        ("manager_welcomes", "buddies", "chosen_teams", "team_picks", "team_photos"),
    ),
    Kind(
        N_("The emails we sent you, and emails to your recruiter or HR that name you"),
        ("outgoing_emails", "email_attachments"),
    ),
)
# Kept, without anything that identifies the candidate.
ANONYMISED: tuple[Kind, ...] = (
    Kind(
        N_(
            "Our audit log (who changed what, and when) keeps its entries about you, without your "
            "name, email address, phone number or the values that were changed"
        ),
        ("audit_log",),
    ),
    Kind(
        N_(
            "The log of messages sent to the company’s other systems keeps that a message went, "
            "not what it said"
        ),
        ("webhook_messages", "webhook_attempts"),
    ),
    Kind(
        N_(
            "What the portal answered the company’s other systems through its API in the last day "
            "(kept so that a repeated request gets the same answer), and which accepted offer you "
            "came from: without your name, email address or a link to you"
        ),
        ("api_idempotency_keys", "inbound_offers"),
    ),
    Kind(
        N_(
            "Whether you joined, with your department, location, joining date and recruiter and "
            "the portal’s view of your engagement before it (whether it warned about you, your "
            "longest absence, how fast your questions were answered): kept without your name, for "
            "the reports that check the portal’s warnings"
        ),
        ("candidate_outcomes",),
    ),
)
# Tables that hold nothing about any candidate (feeds, staff's own records, the job clock).
ABOUT_NO_CANDIDATE: tuple[str, ...] = (
    "announcements",  # HR's news, kept until HR deletes it; its author cleared with them
    # The tiles' counts per recruiter (kept by triggers: a candidate's going takes them out).
    "cohort_count_changes",
    "cohort_joining_counts",
    "cohort_status_counts",
    "day_one_plans",
    "feeds",
    "feed_entries",
    "faq_entries",
    "milestone_templates",
    "recruiter_digests",
    "saved_replies",  # staff's replies to insert, with placeholders: no candidate in them
    "staff_absences",  # recruiters' time away and who covers
    "working_hours",  # recruiters' working weeks
    "team_members",  # HR's team list: the colleagues candidates meet
    "staff_identities",  # staff only: candidates never sign in with single sign-on
    "webhook_endpoints",
    "worker_jobs",
)


@dataclass(frozen=True)
class Policy:
    """The periods, in days, from the settings."""

    days_after_joining: int
    days_after_closing: int
    webhook_body_days: int
    deleted: tuple[Kind, ...] = DELETED
    anonymised: tuple[Kind, ...] = ANONYMISED
    webhooks_always_send: str = outbox.ALWAYS_SENT
    webhooks_personal_fields: str = outbox.PERSONAL_FIELDS

    def departed(self, now: datetime) -> list[int]:
        """The candidates whose records go now: joined or closed long enough ago."""
        # By date, a day early at worst for the zone furthest east: the promise is "about".
        joined_before = (now - timedelta(days=self.days_after_joining)).date()
        closed_before = now - timedelta(days=self.days_after_closing)
        joined = select(CandidateProfile.user_id).where(
            CandidateProfile.joining_date < joined_before
        )
        return list(
            db.session.scalars(
                select(User.id)
                .where(
                    User.role == Role.CANDIDATE,
                    or_(
                        User.id.in_(joined),
                        User.is_active.is_(False) & (User.deactivated_at < closed_before),
                    ),
                )
                .order_by(User.id)
            )
        )


def policy() -> Policy:
    """The retention policy as configured: what the job does and the page says."""
    config = current_app.config
    return Policy(
        days_after_joining=int(config["ENGAGEMENT_KEEP_DAYS_AFTER_JOINING"]),
        days_after_closing=int(config["CANDIDATE_KEEP_DAYS_AFTER_CLOSING"]),
        webhook_body_days=int(config["WEBHOOK_BODY_KEEP_DAYS"]),
    )


@dataclass(frozen=True)
class Outcome:
    forgotten: Forgotten
    webhook_bodies: int
    stray_documents: int = 0  # checklist files no row named any more (timeline.documents)

    def line(self) -> str | None:
        """What the worker says it did, or None for nothing."""
        said = []
        if self.forgotten.candidates:
            rows = sum(self.forgotten.rows.values())
            said.append(
                f"{self.forgotten.candidates} departed candidate(s) forgotten ({rows} row(s))"
            )
        if self.webhook_bodies:
            said.append(f"{self.webhook_bodies} webhook body(ies) erased")
        if self.stray_documents:
            said.append(f"{self.stray_documents} stray document file(s) removed")
        return ", ".join(said) or None


def run(now: datetime) -> Outcome:
    """The worker's daily job: forget every departed candidate, erase old webhook bodies."""
    current = policy()
    forgotten = Forgotten()
    departed = current.departed(now)
    for start in range(0, len(departed), BATCH):
        forget(departed[start : start + BATCH], now, forgotten)
    db.session.flush()
    erased = outbox.erase_bodies(now - timedelta(days=current.webhook_body_days), now)
    # The files of documents whose rows went without them (a worker stopped in between).
    strays = documents.sweep(now - timedelta(hours=1))
    return Outcome(forgotten, erased, strays)
