"""Many candidates at once (HR's CSV of offers, accounts.offer_import): what
`accounts.operations.create_candidate` and `invite` do for one, with the same checks, rows and
audit entries, written in a few flushes instead of several per person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.accounts import tokens
from portal.accounts.models import TokenPurpose
from portal.accounts.operations import CandidateDetails
from portal.core.extensions import db
from portal.core.i18n import _
from portal.people import audit
from portal.people.models import Role, User


@dataclass(frozen=True)
class NewCandidate:
    email: str
    name: str
    time_zone: str
    details: CandidateDetails
    language: str | None = None  # of their invitation and pages; None: the portal's default


def create_candidates(*, actor: User | None, candidates: Sequence[NewCandidate]) -> list[User]:
    """Create each candidate and queue their invitation. All or nothing is the caller's: it
    commits, or rolls back on AccountError (a recruiter or an address that cannot be used)."""
    for recruiter_id, backup_id in {
        (c.details.recruiter_id, c.details.backup_recruiter_id) for c in candidates
    }:
        accounts.ensure_recruiter(recruiter_id)
        accounts.ensure_backup(backup_id, recruiter_id)
    emails = [accounts.normalize_email(c.email) for c in candidates]
    if len(set(emails)) < len(emails):
        raise accounts.AccountError(
            "email", _("Each email address may be used for one person only.")
        )
    for start in range(0, len(emails), 500):  # well under any database's parameter limit
        taken = db.session.scalar(
            select(User.email).where(User.email.in_(emails[start : start + 500])).limit(1)
        )
        if taken is not None:
            raise accounts.AccountError(
                "email",
                _(
                    "Someone already has an account with this email address: %(email)s.",
                    email=taken,
                ),
            )
    users = [
        User(
            email=email,
            name=c.name.strip(),
            role=Role.CANDIDATE,
            time_zone=c.time_zone,
            language=accounts.checked_language(c.language),
        )
        for email, c in zip(emails, candidates, strict=True)
    ]
    db.session.add_all(users)
    db.session.flush()
    for user, c in zip(users, candidates, strict=True):
        audit.record(actor, "candidate.created", user)
        db.session.add(accounts.candidate_profile(user, c.details))
    db.session.flush()
    hours = current_app.config["INVITATION_HOURS"]
    for user in users:  # as `invite` does; a new account has no earlier link to revoke
        audit.record(actor, "invitation.sent", user)
        raw = tokens.add(user, TokenPurpose.INVITATION, timedelta(hours=hours), created_by=actor)
        accounts.queue_link(
            user,
            TokenPurpose.INVITATION,
            raw,
            hours,
            subject=accounts.INVITATION_SUBJECT,
            actor=actor,
        )
    return users
