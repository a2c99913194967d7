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

`queue_due(now)` is run by the worker; it is idempotent and safe with several workers: each
candidate is decided in a transaction of its own that first locks the candidate (FOR UPDATE on
PostgreSQL; on SQLite the transaction begins IMMEDIATE), then reads what was already queued.
It commits per candidate, so no lock is held for long.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, func, literal, select, union_all
from sqlalchemy.orm import contains_eager

from portal.core.extensions import db
from portal.core.links import absolute_url
from portal.mail import cadence, notifications
from portal.mail.cadence import Category
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news import entries as news
from portal.news.models import FeedEntry
from portal.people.models import CandidateProfile, MailPreference, Role, User
from portal.timeline import joining
from portal.timeline import milestones as timeline
from portal.timeline.models import CandidateMilestone, MilestoneTemplate

UPDATE_KIND = "candidate_update"
SUMMARY_KIND = "weekly_summary"
SUMMARY_WEEKDAY = 0  # Monday
SUMMARY_HOUR = 9  # local time
SUMMARY_LATEST = timedelta(hours=12)  # a summary the worker could not send that day is skipped
HORIZON = timedelta(days=7)  # milestones this close are worth a mention
NEWS_LIMIT = 6
EXCERPT_LENGTH = 200
WITH_NEWS_CHUNK = 200  # SQLite allows 500 SELECTs in one UNION


@dataclass(frozen=True)
class NewsLine:
    title: str
    source: str
    excerpt: str
    link: str


@dataclass(frozen=True)
class Update:
    """What one update email says."""

    news: list[NewsLine]
    more_news: bool
    milestones: list[timeline.TimelineItem]
    new_milestones: int
    joins_at: datetime
    days_until: int

    @property
    def is_empty(self) -> bool:
        return not self.news and not self.milestones


def gather(candidate: User, since: datetime, now: datetime) -> Update:
    """News first seen after `since` that the candidate may read, and their milestones due
    within HORIZON of `now`."""
    entries = list(
        db.session.scalars(
            select(FeedEntry)
            .join(FeedEntry.feed)
            .options(contains_eager(FeedEntry.feed))
            # The one definition of who may read an entry, kept in news.entries.
            .where(news._visible_to(candidate))
            .where(FeedEntry.first_seen_at > since, FeedEntry.first_seen_at <= now)
            .order_by(FeedEntry.first_seen_at.desc(), FeedEntry.id.desc())
            .limit(NEWS_LIMIT + 1)
        )
    )
    lines = [
        NewsLine(
            title=entry.title or "Untitled",
            source=entry.feed.name,
            excerpt=news.excerpt(entry.summary_html or entry.content_html, EXCERPT_LENGTH),
            link=absolute_url("candidate.open_news", entry_id=entry.id),
        )
        for entry in entries[:NEWS_LIMIT]
    ]
    upcoming = [
        item
        for item in timeline.candidate_timeline(candidate, now)
        if not item.done and item.done_at <= now + HORIZON
    ]
    joins_at = joining.candidate_joining(candidate.candidate_profile)
    return Update(
        news=lines,
        more_news=len(entries) > NEWS_LIMIT,
        milestones=upcoming,
        # Came within the horizon after `since`: not in any earlier update.
        new_milestones=sum(1 for item in upcoming if item.done_at > since + HORIZON),
        joins_at=joins_at,
        days_until=joining.days_until(joins_at, now),
    )


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
    return {
        MailPreference.EVERYTHING: UPDATE_KIND,
        MailPreference.WEEKLY_SUMMARY: SUMMARY_KIND,
    }.get(profile.mail_preference)


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


def _last_queued(user_ids: list[int], kinds: tuple[str, ...], *, sent: bool = False):
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


def queue_due(now: datetime) -> int:
    """Queue the update emails that are due at `now`; returns how many were queued."""
    try:
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
        due = [
            (user, kind)
            for user in candidates
            if _eligible(user, now)
            and (kind := _kind_for(user.candidate_profile)) is not None
            and _is_due(user, kind, last.get((user.id, kind)), now)
        ]
        due = [(user.id, kind) for user, kind in _worth_a_look(due, now)]
    finally:
        db.session.rollback()  # only read: end the transaction before deciding per candidate
    return sum(_queue_for(user_id, kind, now) for user_id, kind in due)


def _since(covered: datetime | None, now: datetime) -> datetime:
    """What a "What's new" email covers: since the last one they got, a week at most."""
    return max(covered, now - HORIZON) if covered else now - HORIZON


def _with_news(candidates: list[tuple[User, datetime]], now: datetime) -> set[int]:
    """Which of these candidates have news they may read, first seen after their own `since`:
    one query per WITH_NEWS_CHUNK candidates, each one's audience as news.entries defines it."""
    found: set[int] = set()
    for start in range(0, len(candidates), WITH_NEWS_CHUNK):
        checks = [
            select(literal(user.id).label("candidate_id")).where(
                select(FeedEntry.id)
                .join(FeedEntry.feed)
                .where(
                    news._visible_to(user),
                    FeedEntry.first_seen_at > since,
                    FeedEntry.first_seen_at <= now,
                )
                .exists()
            )
            for user, since in candidates[start : start + WITH_NEWS_CHUNK]
        ]
        found.update(db.session.scalars(union_all(*checks)))
    return found


def _worth_a_look(due: list[tuple[User, str]], now: datetime) -> list[tuple[User, str]]:
    """Leave out, in a few queries, the "What's new" candidates for whom nothing can be new:
    no news for them since their last one, and no milestone day near the edge of their coming
    week. (The worker asks every minute; most of the time, nothing is new.)"""
    everything = [user.id for user, kind in due if kind == UPDATE_KIND]
    if not everything:
        return due
    covered = _last_queued(everything, (UPDATE_KIND,), sent=True)
    offsets = set(db.session.scalars(select(MilestoneTemplate.day_offset)))
    own: dict[int, set[int]] = defaultdict(set)
    for candidate_id, offset in db.session.execute(
        select(CandidateMilestone.candidate_id, CandidateMilestone.day_offset).where(
            CandidateMilestone.candidate_id.in_(everything)
        )
    ):
        own[candidate_id].add(offset)
    with_news = _with_news(
        [
            (user, _since(covered.get((user.id, kind)), now))
            for user, kind in due
            if kind == UPDATE_KIND
        ],
        now,
    )
    kept = []
    for user, kind in due:
        since = _since(covered.get((user.id, kind)), now)
        if kind == UPDATE_KIND and user.id not in with_news:
            # A milestone is new when it entered the coming week after `since`; a day either
            # side covers the difference between the workplace's calendar and UTC.
            first = (since + HORIZON).date() - timedelta(days=1)
            last = (now + HORIZON).date() + timedelta(days=1)
            joining_date = user.candidate_profile.joining_date
            days = {joining_date + timedelta(days=o) for o in offsets | own[user.id]}
            if not any(first <= day <= last for day in days):
                continue
        kept.append((user, kind))
    return kept


def _queue_for(user_id: int, kind: str, now: datetime) -> int:
    """Decide about one candidate in one transaction, the candidate locked: 1 if queued."""
    try:
        user = cadence.lock_candidates({user_id}, skip_locked=False).get(user_id)
        if user is None or not _eligible(user, now) or _kind_for(user.candidate_profile) != kind:
            db.session.rollback()
            return 0
        last = _last_queued([user_id], (kind,)).get((user_id, kind))
        if not _is_due(user, kind, last, now):  # another worker was quicker
            db.session.rollback()
            return 0
        if kind == UPDATE_KIND:
            covered = _last_queued([user_id], (kind,), sent=True).get((user_id, kind))
            update_ = gather(user, _since(covered, now), now)
            worth_it = bool(update_.news) or update_.new_milestones > 0
        else:
            update_ = gather(user, now - HORIZON, now)
            worth_it = not update_.is_empty
        if not worth_it:
            db.session.rollback()
            return 0
        # An update of this kind still waiting (held by the weekly cap) is out of date now.
        db.session.execute(
            delete(OutgoingEmail).where(
                OutgoingEmail.to_user_id == user_id,
                OutgoingEmail.kind == kind,
                OutgoingEmail.status == EmailStatus.PENDING,
                OutgoingEmail.attempts == 0,
            )
        )
        _queue_update(user, kind, update_)
        db.session.commit()
        return 1
    except BaseException:
        db.session.rollback()
        raise


def _queue_update(user: User, kind: str, update_: Update) -> OutgoingEmail:
    if kind == UPDATE_KIND:
        subject = (
            f"What’s new: {update_.news[0].title}"[:200]
            if update_.news
            else "What’s new: your coming week"
        )
    else:
        subject = f"Your weekly summary: {_days_text(update_.days_until)} to your first day"
    return notifications.queue(
        to=user,
        kind=kind,
        category=Category.UPDATE,
        template=f"news/email/{kind}",
        subject=subject,
        update=update_,
        zone=user.candidate_profile.joining_time_zone,
        quiet=cadence.Rules.from_config(current_app.config).quiet,
        home=absolute_url("candidate.home"),
        news_link=absolute_url("candidate.news_archive"),
        preferences=absolute_url("candidate.email_preferences"),
    )


def _days_text(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"
