"""A candidate's choice of how much email the portal sends them, and what each choice means."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString
from sqlalchemy import delete

from portal.core.extensions import db
from portal.core.i18n import _, _l
from portal.mail import cadence
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import MailPreference, User


@dataclass(frozen=True)
class Choice:
    value: str
    label: LazyString  # in the reader's language when shown
    explanation: LazyString


CHOICES = (
    Choice(
        MailPreference.EVERYTHING,
        _l("Everything"),
        _l(
            "A short “What’s new” email on days when there is company news for you or a step "
            "of your timeline comes up in the next week. At most one a day."
        ),
    ),
    Choice(
        MailPreference.WEEKLY_SUMMARY,
        _l("A weekly summary"),
        _l("One email on Monday morning with the past week’s news and the coming week’s steps."),
    ),
    Choice(
        MailPreference.ESSENTIALS,
        _l("Essentials only"),
        _l("No news emails. Only what you must not miss."),
    ),
)


class PreferenceError(ValueError):
    """A mail preference that does not exist."""


def set_preference(candidate: User, value: str) -> bool:
    """Record the candidate's choice (True if it changed) and drop waiting updates they no
    longer want."""
    if value not in {choice.value for choice in CHOICES}:
        raise PreferenceError(_("Choose one of the three options."))
    profile = candidate.candidate_profile
    if profile is None:
        raise PreferenceError(_("Only candidates choose which emails they get."))
    if profile.mail_preference == value:
        return False
    profile.mail_preference = value
    unwanted = [kind for kind, wanted in cadence.WANTED_BY.items() if wanted != value]
    db.session.execute(
        delete(OutgoingEmail).where(
            OutgoingEmail.to_user_id == candidate.id,
            OutgoingEmail.kind.in_(unwanted),
            OutgoingEmail.status == EmailStatus.PENDING,
            OutgoingEmail.attempts == 0,
        )
    )
    db.session.flush()
    return True
