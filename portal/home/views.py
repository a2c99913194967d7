"""The candidate's pages. Every one shows only the signed-in candidate's own data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import Integer, Select, bindparam, literal, select

from portal.core import clock
from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.engagement import pulse
from portal.events import log as events
from portal.home.forms import PulseForm
from portal.news import cards as news
from portal.news import visits as news_visits
from portal.people.access import candidate_bp, signed_in_candidate
from portal.people.models import Role, User
from portal.questions import threads as questions_threads
from portal.team import introductions
from portal.team.introductions import WelcomeCard
from portal.timeline import day_one, joining
from portal.timeline import milestones as timeline


@dataclass(frozen=True)
class HomeFacts:
    """The small facts the home page needs, read in one query."""

    last_pulse_at: datetime | None  # when they last answered the pulse check
    unread: int  # messages in their thread they have not read (the menu's badge)
    viewed_lately: bool  # a home view recorded within the hour (then this one is not)
    use: pulse.Use  # how they have used the portal (the pulse waits for enough of it)
    welcome: WelcomeCard | None  # the short welcome from their hiring manager, if written
    day_one: day_one.DayOne  # address, reception, what to bring, dress code, agenda


# The values the facts' query is run with (besides the unread count's).
_CANDIDATE = "home_candidate_id"
_VIEWED_SINCE = "home_viewed_since"


@cache
def _facts_query() -> Select[Any]:
    """The facts' query, built once (every home view runs it; building it cost more than
    running it): the candidate and the moments are bound when it runs."""
    candidate_id = bindparam(_CANDIDATE, type_=Integer())
    unread = questions_threads.unread_query(Role.CANDIDATE)
    statement = select(
        pulse.last_answered_at(candidate_id),
        unread.scalar_subquery() if unread is not None else literal(0),
        events.home_viewed_since(candidate_id, bindparam(_VIEWED_SINCE)),
        *pulse.use_columns(candidate_id),
        *introductions.welcome_card_columns(candidate_id),
    )
    # The first day's plan and the candidate's own values come last (timeline.day_one).
    return day_one.with_day_one(statement, candidate_id)


def _facts(candidate: User, now: datetime) -> HomeFacts:
    values = {
        _CANDIDATE: candidate.id,
        _VIEWED_SINCE: now - events.HOME_VIEW_EVERY,
        **questions_threads.unread_values(candidate),
    }
    row = db.session.execute(_facts_query(), values).one()
    facts = HomeFacts(
        last_pulse_at=row[0],
        unread=row[1] or 0,
        viewed_lately=bool(row[2]),
        use=pulse.Use.of(row[3], row[4]),
        welcome=introductions.welcome_card(row[5:-2]),
        day_one=day_one.resolve(row[-2], row[-1]),
    )
    questions_threads.note_unread(facts.unread)
    return facts


def render_home(
    candidate: User, now: datetime, pulse_form: PulseForm | None = None
) -> tuple[str, list[news.Card], HomeFacts]:
    """The home page, the news cards it shows and the facts it was built from. `pulse_form`
    brings back a pulse answer that had errors; otherwise a blank one is shown when the pulse
    check is due. Five queries with the session's: the facts (the manager's welcome among
    them), the news, the timeline (two)."""
    profile = candidate.profile
    # The same value the calendar file is made from: the page and the file cannot differ.
    details = joining.joining_details(profile)
    joins_at = details.starts_at
    facts = _facts(candidate, now)
    news_items = news.home_news(candidate, now)
    if pulse_form is None and pulse.due(candidate, facts.last_pulse_at, facts.use, now):
        pulse_form = PulseForm(formdata=None)
    page = render_template(
        "home/home.html",
        candidate=candidate,
        profile=profile,
        details=details,
        day_one=facts.day_one,
        joins_at=joins_at,
        countdown=joining.countdown(joins_at, now),
        now=now,
        days_until=joining.days_until(joins_at, now),
        # Tuples: the page keeps these sections rendered, keyed by what they show.
        timeline=tuple(timeline.candidate_timeline(candidate, now)),
        recruiter=profile.recruiter if profile.recruiter and profile.recruiter.is_active else None,
        news_items=tuple(news_items),
        pulse_form=pulse_form,
        welcome=facts.welcome,
    )
    return page, news_items, facts


@candidate_bp.get("/")
@writes_on_get("engagement_events", "candidate_summaries", "candidate_profiles", up_front=False)
def home() -> ResponseReturnValue:
    """Greeting, the joining moment in the candidate's zone, the countdown, the recruiter,
    the latest news, and the pulse check when it is due."""
    candidate = signed_in_candidate()
    # Whole seconds: the countdown and the data-server-now the page's script corrects its
    # clock with are then worked out from exactly the same instant.
    now = clock.now().replace(microsecond=0)
    seen = news_visits.visit(candidate.profile, now)  # before the page: the profile's moments
    page, _news, facts = render_home(candidate, now)
    if seen.begins or not facts.viewed_lately:
        # In a short write transaction of its own: the usual visit (within the hour) stays a
        # read-only GET that never waits for SQLite's write lock.
        candidate_id = candidate.id
        db.session.rollback()
        news_visits.record(seen, now)  # a visit to the news begins: the "new" marks move on
        events.record_home_view(candidate_id, now)  # still at most once an hour
        db.session.commit()
    return page
