"""The candidate's pages. Every one shows only the signed-in candidate's own data."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from portal import clock
from portal.auth.loader import require_role
from portal.extensions import db
from portal.models import Role
from portal.services import joining, news, people, timeline

bp = Blueprint("candidate", __name__)


@bp.before_request
def _only_candidates() -> None:
    require_role(Role.CANDIDATE)


@bp.get("/")
def home():
    """Greeting, the joining moment in the candidate's zone, the countdown, the recruiter,
    the latest news."""
    candidate = people.person(current_user.id)
    if candidate is None or candidate.candidate_profile is None:
        abort(404)
    profile = candidate.candidate_profile
    joins_at = joining.candidate_joining(profile)
    # Whole seconds: the countdown and the data-server-now the page's script corrects its
    # clock with are then worked out from exactly the same instant.
    now = clock.now().replace(microsecond=0)
    news_items = news.home_news(candidate)
    page = render_template(
        "candidate/home.html",
        candidate=candidate,
        profile=profile,
        joins_at=joins_at,
        countdown=joining.countdown(joins_at, now),
        now=now,
        days_until=joining.days_until(joins_at, now),
        timeline=timeline.candidate_timeline(candidate, now),
        recruiter=profile.recruiter if profile.recruiter and profile.recruiter.is_active else None,
        news_items=news_items,
    )
    if news.any_new(news_items):
        # The "new" marks move on, in a short write transaction of its own: the usual visit,
        # with nothing new, stays a read-only GET that never waits for the write lock.
        candidate_id = candidate.id
        db.session.rollback()
        news.mark_seen(candidate_id, clock.now())
        db.session.commit()
    return page
