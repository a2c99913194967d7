"""The emails a candidate's mail preference governs: "What's new" and the weekly summary.
(The preference itself is portal.mail.preferences; new answers to their questions are
portal.questions.answer_mail.)

- everything: a "What's new" email when something is new for them since their last one (news
  published for their audience, milestones coming within the next 7 days), at most one per
  local day and never queued during their quiet hours;
- weekly_summary: one summary a week (the past week's news, the coming week's milestones), on
  Monday at 09:00 in their zone (or at the first worker pass after it, that day);
- essentials: none of these. Answers to their own questions and changes to their joining day
  reach every candidate.

Only candidates who have set up their account and have not joined yet are sent updates. The
cadence rules (mail.cadence) still apply when the email is delivered: an update that has to
wait for a free slot under the weekly cap is replaced, the next day, by a fresh one covering
everything since the last update they received.

What an email says is gathered by portal.news.whats_new (only curated news:
portal.news.curation); this module decides who is due one and queues it, and when it is about
to be sent gathers it again over the same window (`recheck`): news HR hid or retargeted
meanwhile is left out, and an email left with nothing to say is not sent.

The worker runs it through `portal.news.jobs.queue_candidate_updates`: `due(now)` reads who may
be due, then each candidate is decided by `queue_for` in a transaction of its own, committed by
that job runner, which first locks the candidate (FOR UPDATE on PostgreSQL; on SQLite the
transaction begins IMMEDIATE) and then reads what was already queued. So it is idempotent and
safe with several workers, and no lock is held for long.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager

from portal.core.extensions import db
from portal.core.i18n import N_, _, ngettext
from portal.mail import cadence, notifications, rechecks
from portal.mail.cadence import Category
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news import whats_new
from portal.news.whats_new import HORIZON, Update
from portal.people.models import CandidateProfile, MailPreference, Role, User
from portal.timeline import joining

UPDATE_KIND = "candidate_update"
SUMMARY_KIND = "weekly_summary"
SUMMARY_WEEKDAY = 0  # Monday
SUMMARY_HOUR = 9  # local time
SUMMARY_LATEST = timedelta(hours=12)  # a summary the worker could not send that day is skipped


def _local_midnight(now: datetime, zone: str) -> datetime:
    tz = cadence.zone_info(zone)
    return datetime.combine(now.astimezone(tz).date(), time.min, tzinfo=tz).astimezone(UTC)


def summary_slot(now: datetime, zone: str) -> datetime:
    """This week's summary moment in `zone` (the last Monday 09:00 at or before `now`)."""
    tz = cadence.zone_info(zone)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - SUMMARY_WEEKDAY) % 7)
    slot = datetime.combine(day, time(SUMMARY_HOUR), tzinfo=tz).astimezone(UTC)
    if slot > now:
        slot = datetime.combine(day - timedelta(days=7), time(SUMMARY_HOUR), tzinfo=tz)
    return slot.astimezone(UTC)


def _kind_for(profile: CandidateProfile) -> str | None:
    kinds: dict[str, str] = {
        MailPreference.EVERYTHING: UPDATE_KIND,
        MailPreference.WEEKLY_SUMMARY: SUMMARY_KIND,
    }
    return kinds.get(profile.mail_preference)


def _is_due(user: User, kind: str, last_queued: datetime | None, now: datetime) -> bool:
    """The time rules alone: is it this candidate's moment for an email of `kind`?"""
    if kind == UPDATE_KIND:
        rules = cadence.Rules.from_config(current_app.config)
        if cadence.is_quiet(now, user.time_zone, rules.quiet):
            return False
        return last_queued is None or last_queued < _local_midnight(now, user.time_zone)
    slot = summary_slot(now, user.time_zone)
    if now >= slot + SUMMARY_LATEST:  # that morning is gone: wait for next week's
        return False
    return last_queued is None or last_queued < slot


def _last_queued(
    user_ids: list[int], kinds: tuple[str, ...], *, sent: bool = False
) -> dict[tuple[int | None, str], datetime]:
    query = (
        select(OutgoingEmail.to_user_id, OutgoingEmail.kind, func.max(OutgoingEmail.created_at))
        .where(OutgoingEmail.to_user_id.in_(user_ids), OutgoingEmail.kind.in_(kinds))
        .group_by(OutgoingEmail.to_user_id, OutgoingEmail.kind)
    )
    if sent:
        query = query.where(OutgoingEmail.status == EmailStatus.SENT)
    return {(user_id, kind): moment for user_id, kind, moment in db.session.execute(query)}


def _eligible(user: User, now: datetime) -> bool:
    profile = user.candidate_profile
    return (
        user.is_active
        and user.has_password
        and profile is not None
        and joining.candidate_joining(profile) > now
    )


def due(now: datetime) -> list[tuple[int, str]]:
    """The candidates (id, kind of email) who may be due an update at `now`, each to be decided
    by `queue_for`. Only reads: end the transaction before deciding."""
    candidates = db.session.scalars(
        select(User)
        .join(CandidateProfile, CandidateProfile.user_id == User.id)
        .options(contains_eager(User.candidate_profile))
        .where(
            User.role == Role.CANDIDATE,
            User.is_active.is_(True),
            User.password_hash.is_not(None),
            CandidateProfile.mail_preference.in_(
                [MailPreference.EVERYTHING, MailPreference.WEEKLY_SUMMARY]
            ),
        )
        .order_by(User.id)
    ).all()
    kinds = (UPDATE_KIND, SUMMARY_KIND)
    last = _last_queued([user.id for user in candidates], kinds) if candidates else {}
    found = [
        (user, kind)
        for user in candidates
        if _eligible(user, now)
        and (kind := _kind_for(user.profile)) is not None
        and _is_due(user, kind, last.get((user.id, kind)), now)
    ]
    return [(user.id, kind) for user, kind in _worth_a_look(found, now)]


def _worth_a_look(due: list[tuple[User, str]], now: datetime) -> list[tuple[User, str]]:
    """Leave out, in a few queries, the "What's new" candidates for whom nothing can be new
    since their last one. (The worker asks every minute; most of the time, nothing is new.)"""
    everything = [user for user, kind in due if kind == UPDATE_KIND]
    if not everything:
        return due
    covered = _last_queued([user.id for user in everything], (UPDATE_KIND,), sent=True)
    maybe = whats_new.maybe_new(
        [
            (user, whats_new.update_since(covered.get((user.id, UPDATE_KIND)), now))
            for user in everything
        ],
        now,
    )
    return [(user, kind) for user, kind in due if kind != UPDATE_KIND or user.id in maybe]


def queue_for(user_id: int, kind: str, now: datetime) -> bool:
    """Decide about one candidate, locking them first: queue their email of `kind` if it is
    still due and has something to say. True if queued. Only flushes: run it in a transaction
    of its own and commit it at once, so the lock is not held for long."""
    user = cadence.lock_candidates({user_id}, skip_locked=False).get(user_id)
    if user is None or not _eligible(user, now) or _kind_for(user.profile) != kind:
        return False
    last = _last_queued([user_id], (kind,)).get((user_id, kind))
    if not _is_due(user, kind, last, now):  # another worker was quicker
        return False
    since = _since(user, kind, now)
    update_ = _worth_sending(user, kind, since, now)
    if update_ is None:
        return False
    # An update of this kind still waiting (held by the weekly cap) is out of date now.
    db.session.execute(
        delete(OutgoingEmail).where(
            OutgoingEmail.to_user_id == user_id,
            OutgoingEmail.kind == kind,
            OutgoingEmail.status == EmailStatus.PENDING,
            OutgoingEmail.attempts == 0,
        )
    )
    _queue_update(user, kind, update_, since, now)
    return True


def _since(user: User, kind: str, now: datetime) -> datetime:
    """From when an email of `kind` queued now covers the news: since the last "What's new"
    they received (a week at most), or the past week for a summary."""
    if kind == UPDATE_KIND:
        covered = _last_queued([user.id], (kind,), sent=True).get((user.id, kind))
        return whats_new.update_since(covered, now)
    return now - HORIZON


def _worth_sending(user: User, kind: str, since: datetime, now: datetime) -> Update | None:
    """What the email would say; None when that is nothing new (a "What's new" email) or
    nothing at all (a weekly summary)."""
    update_ = whats_new.gather(user, since, now)
    if kind == UPDATE_KIND:
        worth_it = bool(update_.news) or update_.new_milestones > 0
    else:
        worth_it = not update_.is_empty
    return update_ if worth_it else None


def _subject(kind: str, update_: Update) -> str:
    """The email's subject, in the language being written (the caller's `written_for`)."""
    if kind == UPDATE_KIND:
        return (
            _("What’s new: %(title)s", title=update_.news[0].title or _("Untitled"))[:200]
            if update_.news
            else _("What’s new: your coming week")
        )
    return ngettext(
        "Your weekly summary: %(num)d day to your first day",
        "Your weekly summary: %(num)d days to your first day",
        update_.days_until,
    )


def _context(user: User, update_: Update) -> dict[str, Any]:
    """What the email's templates are given (besides `recipient`, which the queue adds)."""
    return {
        "update": update_,
        "zone": user.profile.joining_time_zone,
        "quiet": cadence.Rules.from_config(current_app.config).quiet,
    }


def _queue_update(user: User, kind: str, update_: Update, since: datetime, now: datetime) -> None:
    with notifications.written_for(user):
        subject = _subject(kind, update_)
    email = notifications.queue(
        to=user,
        kind=kind,
        category=Category.UPDATE,
        template=f"news/email/{kind}",
        subject=subject,
        **_context(user, update_),
    )
    # What it covers, for `recheck` when it is sent: the news curated in this window.
    email.covers = json.dumps(
        {
            "since": since.isoformat(),
            "until": now.isoformat(),
            "news": [line.entry_id for line in update_.news],
        }
    )
    db.session.flush()


def recheck(email: OutgoingEmail, now: datetime) -> rechecks.Verdict:
    """A "What's new" or weekly summary email about to go, gathered again over the same window
    from the news as it is now (registered by `news.app`): news hidden, retargeted away from
    the candidate or removed since it was queued is left out, and an email left with nothing
    to say is not sent."""
    user = db.session.get(User, email.to_user_id) if email.to_user_id is not None else None
    if user is None or user.candidate_profile is None:
        return rechecks.Drop(N_("The candidate's account no longer exists."))
    if not _eligible(user, now):
        return rechecks.Drop(N_("The candidate has joined, or their account is closed."))
    if not email.covers:  # queued before emails said what they cover: it says what it said
        return rechecks.Send()
    covers = json.loads(email.covers)
    since = datetime.fromisoformat(covers["since"])
    until = datetime.fromisoformat(covers["until"])
    update_ = whats_new.gather(user, since, now, until=until)
    news = [line.entry_id for line in update_.news]
    if email.kind == UPDATE_KIND:
        worth_it = bool(update_.news) or update_.new_milestones > 0
    else:
        worth_it = not update_.is_empty
    if not worth_it:
        return rechecks.Drop(
            N_(
                "The news in it was hidden, removed or is no longer meant for this candidate, "
                "and nothing else in it was new."
            )
        )
    if news == covers.get("news"):
        return rechecks.Send()
    covers["news"] = news
    email.covers = json.dumps(covers)
    context = {"recipient": user, **_context(user, update_)}
    body_text, body_html = notifications.render_bodies(f"news/email/{email.kind}", **context)
    with notifications.written_for(user):
        subject = _subject(email.kind, update_)
    return rechecks.Rewrite(
        subject=subject,
        body_text=body_text,
        body_html=body_html,
    )
