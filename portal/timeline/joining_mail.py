"""Telling a candidate that their joining details changed: one clear email per batch of edits.

Every saved change to the joining details (date, time, zone, location, reception instructions)
raises the calendar event's SEQUENCE once (`calendar.raise_sequence`). The email waits
JOINING_MAIL_BATCH_MINUTES: edits made meanwhile join it instead of adding emails, and it keeps
(in its `covers`) the details as they were before the first of them. When it is sent it is
worked out again from that and the details as they then stand (`recheck`): rewritten with
everything that changed and the latest calendar file, or dropped when the net change is nothing
(moved and moved back), the account is closed or the first day has begun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal.core import clock
from portal.core.extensions import db
from portal.core.i18n import _, in_language
from portal.core.links import absolute_url
from portal.mail import cadence, notifications, rechecks
from portal.mail.models import EmailAttachment, EmailStatus, OutgoingEmail
from portal.people import audit
from portal.people.models import User
from portal.timeline import calendar, joining
from portal.timeline.joining import JoiningDetails

KIND = "joining_changed"
TEMPLATE = "timeline/email/joining_changed"


@dataclass(frozen=True)
class Composed:
    """A joining-changed email, ready to queue or to put in place of a stale one."""

    subject: str
    body_text: str
    body_html: str
    attachments: list[tuple[str, str, str]]


def batch_window() -> timedelta:
    """How long the first change's email waits for more (JOINING_MAIL_BATCH_MINUTES)."""
    return timedelta(minutes=max(0, current_app.config.get("JOINING_MAIL_BATCH_MINUTES") or 0))


def listed(words: list[str]) -> str:
    """ "date", "date and time", "date, time and place" (in the reader's language)."""
    if len(words) < 2:
        return "".join(words)
    return _("%(first)s and %(last)s", first=_(", ").join(words[:-1]), last=words[-1])


def _word(change: str) -> str:
    """A change of `JoiningDetails.changes_from` in words: "date", "reception instructions"."""
    words = {
        "date": _("date"),
        "time": _("time"),
        "place": _("place"),
        "reception instructions": _("reception instructions"),
    }
    return words.get(change, change)


def _named(change: str) -> str:
    """The same with its article: "the date", "the reception instructions"."""
    words = {
        "date": _("the date"),
        "time": _("the time"),
        "place": _("the place"),
        "reception instructions": _("the reception instructions"),
    }
    return words.get(change, change)


def subject_for(changed: list[str]) -> str:
    """ "New date and time for your first day", in the reader's language."""
    return _("New %(what)s for your first day", what=listed([_word(c) for c in changed]))


def _context(candidate: User, was: JoiningDetails, now: JoiningDetails) -> dict[str, Any]:
    """What the email's templates are given (besides `recipient`, which the queue adds)."""
    changed = now.changes_from(was)
    return {
        "was": was,
        "joining": now,
        "changed": changed,
        "what_changed": listed([_named(word) for word in changed]),
        "moved": "date" in changed or "time" in changed,
        "home_zone": candidate.time_zone,
        "recruiter": calendar.active_recruiter(candidate.profile),
        "filename": calendar.FILENAME,
    }


def _attachments(candidate: User, portal_link: str) -> list[tuple[str, str, str]]:
    """The calendar file as it stands: the current details and the latest SEQUENCE."""
    return [
        (
            calendar.FILENAME,
            calendar.ATTACHMENT_TYPE,
            calendar.joining_event(candidate, portal_link),
        )
    ]


def compose(candidate: User, was: JoiningDetails, portal_link: str) -> Composed:
    """The email telling `candidate` what changed since `was`, with the current calendar file,
    in the candidate's language."""
    now = joining.joining_details(candidate.profile)
    with in_language(candidate.language):
        context = {"recipient": candidate, **_context(candidate, was, now)}
        body_text, body_html = notifications.render_bodies(TEMPLATE, **context)
        return Composed(
            subject=subject_for(now.changes_from(was)),
            body_text=body_text,
            body_html=body_html,
            attachments=_attachments(candidate, portal_link),
        )


def _rewrite(email: OutgoingEmail, composed: Composed) -> None:
    email.subject = composed.subject
    email.body_text = composed.body_text
    email.body_html = composed.body_html
    email.attachments = [
        EmailAttachment(filename=name, content_type=content_type, content=content)
        for name, content_type, content in composed.attachments
    ]


def baseline(email: OutgoingEmail) -> JoiningDetails | None:
    """The joining details as the candidate knew them before the email's changes (None for
    an email queued before they were kept)."""
    return None if email.covers is None else JoiningDetails.from_json(email.covers)


def _waiting(candidate: User, now: datetime) -> OutgoingEmail | None:
    """The candidate's joining email still waiting (for its batch window, the morning or a free
    slot under the weekly cap) that nobody has tried to send yet, to join; None if none.

    One being claimed right now by a deliverer (locked) is passed over, never waited for."""
    return db.session.scalar(
        select(OutgoingEmail)
        .where(
            OutgoingEmail.to_user_id == candidate.id,
            OutgoingEmail.kind == KIND,
            OutgoingEmail.status == EmailStatus.PENDING,
            OutgoingEmail.attempts == 0,
            OutgoingEmail.next_attempt_at > now,
            OutgoingEmail.covers.is_not(None),
        )
        .order_by(OutgoingEmail.id.desc())
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def joining_changed(
    candidate: User,
    actor: User | None,
    changes: dict,
    portal_link: str,
    *,
    backdated: bool = False,
) -> OutgoingEmail | None:
    """Raise the event's SEQUENCE once and queue (or bring up to date) the email telling the
    candidate what changed. `changes` is `accounts.update_person`'s {field: (old, new)}.

    Nothing is queued (None) for a closed account, once the first day has begun, or for a
    backdated record (HR confirmed a joining date that has passed: that is noted in the audit
    log). A change made while an earlier one's email is still waiting joins that email, which
    is returned; what it says is worked out again when it is sent."""
    calendar.raise_sequence(candidate, actor)
    profile = candidate.profile
    if backdated:
        audit.record(
            actor, "calendar.backdated", candidate, "joining_date", None, profile.joining_date
        )
        return None
    now = joining.joining_details(profile)
    moment = clock.now()
    if not candidate.is_active or now.starts_at <= moment:
        return None
    email = _waiting(candidate, moment)
    if email is not None:
        was = baseline(email)
        # Back where it was, the email keeps what it said: it is dropped when due (`recheck`).
        if was is not None and now != was:
            _rewrite(email, compose(candidate, was, portal_link))
        db.session.flush()
        return email
    was = joining.details_before(profile, changes)
    with in_language(candidate.language):  # the email is written in the candidate's language
        email = notifications.queue(
            to=candidate,
            kind=KIND,
            template=TEMPLATE,
            subject=subject_for(now.changes_from(was)),
            attachments=_attachments(candidate, portal_link),
            wait=batch_window(),
            **_context(candidate, was, now),
        )
    email.covers = was.as_json()
    db.session.flush()
    return email


def would_tell(candidate: User, new: JoiningDetails, moment: datetime) -> str | None:
    """What saving `new` would email the candidate about ("the date and the place"), for HR
    to confirm first; None when nothing would be sent (no change to the joining details, a
    closed account, a first day that has begun): the same conditions as `joining_changed`."""
    changed = new.changes_from(joining.joining_details(candidate.profile))
    if not changed or not candidate.is_active or new.starts_at <= moment:
        return None
    return listed([_named(word) for word in changed])


def goes_at(email_ids: list[int], candidate: User) -> datetime | None:
    """When the queued joining email will go, for telling HR: the end of its batch window, or
    the candidate's morning if that falls in their quiet hours (None once it went, or when
    sending it failed). A full week may hold it longer still."""
    when = notifications.waiting_until(email_ids)
    if when is None:
        return None
    quiet = cadence.Rules.from_config(current_app.config).quiet
    return cadence.after_quiet_hours(when, candidate.time_zone, quiet)


def recheck(email: OutgoingEmail, now: datetime) -> rechecks.Verdict:
    """A due joining-changed email, worked out again from the current details: rewritten with
    every change since what the candidate knew and the current calendar file (latest SEQUENCE),
    or dropped when there is nothing left to say. Registered by `timeline.app`."""
    candidate = db.session.get(User, email.to_user_id) if email.to_user_id is not None else None
    if candidate is None or candidate.candidate_profile is None:
        return rechecks.Drop("The candidate no longer has a joining day.")
    if not candidate.is_active:
        return rechecks.Drop("The candidate's account is closed.")
    details = joining.joining_details(candidate.profile)
    if details.starts_at <= now:
        return rechecks.Drop("Their first day has already begun.")
    was = baseline(email)
    if was is None:  # queued before what it told was kept: it says what it said
        return rechecks.Send()
    if details == was:
        return rechecks.Drop(
            "The joining details were changed back: they are what the candidate already knew."
        )
    composed = compose(candidate, was, absolute_url("candidate.home"))
    return rechecks.Rewrite(
        subject=composed.subject,
        body_text=composed.body_text,
        body_html=composed.body_html,
        attachments=composed.attachments,
    )
