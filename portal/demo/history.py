"""The demo candidates' last five weeks: what they did in the portal, how they felt, and the
status changes the worker would have recorded, so the dashboards have something to say.

Chloé is engaged (joins in two days, in every day), Arjun is at risk (his pulse fell from 5 to 2
and his question waits), Olivia is engaged (asked something this morning), Marcus joined
yesterday, Sofia was only just invited (she has never signed in), Lena is quiet (not seen for
nine days) and Tomás is at risk (joins in six days and has signed in but opened nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.engagement.models import CandidateStatus, PulseResponse
from portal.events.models import EngagementEvent, EventKind
from portal.news.models import Feed, FeedEntry, NewsRead
from portal.people.models import User
from portal.questions.models import Message
from portal.questions.waiting import response_promise
from portal.timeline import joining
from portal.timeline.models import MilestoneTemplate

NEWS, TIMELINE, FAQ, CALENDAR = (
    EventKind.NEWS_OPENED,
    EventKind.TIMELINE_VIEWED,
    EventKind.FAQ_SEARCHED,
    EventKind.CALENDAR_DOWNLOADED,
)


@dataclass(frozen=True)
class Story:
    """One candidate's history, in days before the demo is loaded."""

    offered: float  # the offer (their account) was created this many days ago
    visits: tuple[float, ...] = ()  # each a sign-in and a look at their home page
    # (days ago, what, which): "which" is the index of a company news item or of a milestone.
    extras: tuple[tuple[float, EventKind, int], ...] = ()
    pulses: tuple[tuple[float, int, str | None], ...] = ()  # (days ago, score, comment)
    # (days ago, from, to, reason) as the worker recorded them.
    changes: tuple[tuple[float, str, str, str], ...] = field(default=())


STORIES = {
    "chloe@example.com": Story(
        offered=38,
        visits=(36, 33, 30, 27.4, 25, 22, 19.5, 17, 15, 13, 11, 9, 8, 6.2, 5, 4, 3, 2, 1, 0.15),
        extras=(
            (36, TIMELINE, 0),
            (30, NEWS, 0),
            (22, NEWS, 1),
            (13, FAQ, 0),
            (8, CALENDAR, 0),
            (6.2, TIMELINE, 1),
            (4, NEWS, 2),
            (1, TIMELINE, 2),
        ),
        pulses=((16, 4, None), (2, 5, "Can't wait to meet the team!")),
    ),
    "arjun@example.com": Story(
        offered=35,
        visits=(33, 30, 26, 21, 17, 14, 10, 7, 4, 1.26, 1),
        extras=((33, TIMELINE, 0), (26, NEWS, 0), (21, FAQ, 0), (14, NEWS, 1), (10, TIMELINE, 2)),
        pulses=(
            (20, 5, "Excited about London!"),
            (
                1,
                2,
                "Still waiting to hear about my visa appointment. A bit anxious about the move.",
            ),
        ),
        changes=((0.99, "engaged", "at_risk", "pulse fell from 5 to 2"),),
    ),
    "olivia@example.com": Story(
        offered=30,
        visits=(28, 24, 19, 12, 6, 0.09),
        extras=((24, NEWS, 0), (19, TIMELINE, 0), (12, FAQ, 0)),
        pulses=((6, 4, None),),
    ),
    "marcus@example.com": Story(
        offered=45,
        visits=(40, 35, 30, 26, 22, 18, 15, 12, 9, 7, 5, 3, 2, 1.6),
        extras=((35, NEWS, 0), (26, NEWS, 1), (9, CALENDAR, 0), (3, TIMELINE, 2)),
        pulses=((30, 4, None), (15, 5, "Everything is clear, thank you.")),
    ),
    "lena@example.com": Story(
        offered=40,
        visits=(38, 33, 27, 20, 15, 12, 9.13),
        extras=((33, NEWS, 0), (27, TIMELINE, 0), (15, FAQ, 0)),
        pulses=((24, 4, None),),
        changes=((2.12, "engaged", "quiet", "not seen for 7 days"),),
    ),
    "tomas@example.com": Story(
        offered=20,
        visits=(19, 3),
        changes=(
            (
                7.9,
                "engaged",
                "at_risk",
                "joins in 14 days and has signed in but not read, asked or downloaded anything",
            ),
        ),
    ),
}


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _company_news() -> list[int]:
    return list(
        db.session.scalars(
            select(FeedEntry.id)
            .join(Feed, Feed.id == FeedEntry.feed_id)
            .where(Feed.name == "Company news")
            .order_by(FeedEntry.published_at, FeedEntry.id)
        )
    )


def _story_events(
    candidate: User, story: Story, now: datetime, news: list[int], templates: list
) -> tuple[list, datetime | None]:
    def at(days: float) -> datetime:
        return now - timedelta(days=days)

    made: list = []
    read: set[int] = set()
    for days in story.visits:
        made.append(
            EngagementEvent(
                candidate_id=candidate.id, kind=EventKind.SIGNED_IN, occurred_at=at(days)
            )
        )
        made.append(
            EngagementEvent(
                candidate_id=candidate.id,
                kind=EventKind.HOME_VIEWED,
                occurred_at=at(days) + timedelta(minutes=1),
            )
        )
    for days, kind, which in story.extras:
        when = at(days) + timedelta(minutes=4)
        subject, data = None, None
        if kind == NEWS and news:
            entry_id = news[which % len(news)]
            subject = f"news:{entry_id}"
            if entry_id not in read:
                read.add(entry_id)
                made.append(
                    NewsRead(candidate_id=candidate.id, entry_id=entry_id, first_read_at=when)
                )
        elif kind == TIMELINE:
            subject = f"milestone:{templates[which].id}"
        elif kind == FAQ:
            data = {"results": 2}
        made.append(
            EngagementEvent(
                candidate_id=candidate.id, kind=kind, occurred_at=when, subject=subject, data=data
            )
        )
    last_change = None
    for days, before, after, reason in story.changes:
        last_change = at(days)
        made.append(
            EngagementEvent(
                candidate_id=candidate.id,
                kind=EventKind.STATUS_CHANGED,
                occurred_at=last_change,
                data={"from": before, "to": after, "reasons": [reason]},
            )
        )
    return made, last_change


def _pulses(candidate: User, story: Story, now: datetime) -> None:
    for days, score, comment in story.pulses:
        when = now - timedelta(days=days) + timedelta(minutes=2)
        response = PulseResponse(
            candidate_id=candidate.id, score=score, comment=comment, answered_at=when
        )
        db.session.add(response)
        db.session.flush()
        db.session.add(
            EngagementEvent(
                candidate_id=candidate.id,
                kind=EventKind.PULSE_ANSWERED,
                occurred_at=when,
                subject=f"pulse:{response.id}",
                data={"score": score},
            )
        )


def _conversation_events(candidates: dict[str, User], now: datetime, promise: timedelta) -> None:
    """Questions asked, answers read, and a question that went past the promised time."""
    ids = {candidate.id: candidate for candidate in candidates.values()}
    messages = db.session.scalars(
        select(Message).where(Message.candidate_id.in_(ids)).order_by(Message.id)
    ).all()
    waiting: dict[int, Message] = {}
    for message in messages:
        if message.author_id == message.candidate_id:
            db.session.add(
                EngagementEvent(
                    candidate_id=message.candidate_id,
                    kind=EventKind.QUESTION_ASKED,
                    occurred_at=message.created_at,
                    subject=f"message:{message.id}",
                )
            )
            waiting.setdefault(message.candidate_id, message)
        else:
            waiting.pop(message.candidate_id, None)
            read_at = message.created_at + timedelta(minutes=40)
            if read_at < now:
                db.session.add(
                    EngagementEvent(
                        candidate_id=message.candidate_id,
                        kind=EventKind.ANSWER_READ,
                        occurred_at=read_at,
                        subject=f"message:{message.id}",
                        data={"answers": 1},
                    )
                )
    for candidate_id, question in waiting.items():
        if now - question.created_at > promise:
            db.session.add(
                EngagementEvent(
                    candidate_id=candidate_id,
                    kind=EventKind.QUESTION_OVERDUE,
                    occurred_at=question.created_at + promise,
                    subject=f"message:{question.id}",
                    data={"asked_at": _instant(question.created_at)},
                )
            )


def load(candidates: dict[str, User], templates: list[MilestoneTemplate]) -> None:
    """Write the history, then the statuses the worker would hold now (so that its first run
    records no change that did not happen)."""
    now = utcnow()
    news = _company_news()
    changed_at: dict[int, datetime] = {}
    for email, story in STORIES.items():
        candidate = candidates[email]
        candidate.created_at = now - timedelta(days=story.offered)
        made, last_change = _story_events(candidate, story, now, news, templates)
        db.session.add_all(made)
        _pulses(candidate, story, now)
        if story.visits:
            candidate.last_sign_in_at = now - timedelta(days=min(story.visits))
            candidate.sign_in_count = len(story.visits)
        if last_change is not None:
            changed_at[candidate.id] = last_change
        joins_at = joining.candidate_joining(candidate.profile)
        if joins_at <= now:
            db.session.add(
                EngagementEvent(
                    candidate_id=candidate.id,
                    kind=EventKind.JOINED,
                    occurred_at=joins_at,
                    data={"joining_at": _instant(joins_at)},
                )
            )
    _conversation_events(candidates, now, response_promise())
    db.session.flush()
    ids = [candidate.id for candidate in candidates.values()]
    for signal in engagement.signals(now, candidate_ids=ids):
        if signal.has_joined:
            continue
        db.session.add(
            CandidateStatus(
                candidate_id=signal.candidate_id,
                status=signal.status,
                reasons=signal.reason_texts,
                since=changed_at.get(signal.candidate_id, now),
                evaluated_at=now,
            )
        )
    db.session.flush()
