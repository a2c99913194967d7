"""The candidate's news: every card beyond the home page, a feed item or an announcement read in
the portal, and the redirect (from emails) that counts a read on the way to the item's own page.

The home page's cards come from news.cards too (see home.views.home).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request
from flask.typing import ResponseReturnValue

from portal.core import clock
from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.news import cards, visits
from portal.news import entries as news
from portal.people.access import candidate_bp, signed_in_candidate


def page_number() -> int:
    """?page=N from the query string (1 when absent); 404 for anything but a number."""
    raw = request.args.get("page", "1")
    if not raw.isdecimal() or len(raw) > 6:
        abort(404)
    return int(raw)


@candidate_bp.get("/news")
@writes_on_get("candidate_profiles", up_front=False)
def news_archive() -> ResponseReturnValue:
    """Every feed item and announcement meant for the candidate, 20 a page, pinned first then
    newest, those that appeared since their previous visit marked new."""
    candidate = signed_in_candidate()
    now = clock.now()
    seen = visits.visit(candidate.profile, now)
    found = cards.archive_page(candidate, page_number(), now)
    if found is None:
        abort(404)
    page = render_template("news/candidate_news.html", candidate=candidate, news_page=found)
    if seen.begins:
        # A visit begins: written in a short transaction of its own, after the page is made,
        # so the usual page view stays a read-only GET (news.visits).
        db.session.rollback()
        visits.record(seen, now)
        db.session.commit()
    return page


@candidate_bp.get("/news/<int:entry_id>")
@writes_on_get("news_reads", "engagement_events", "candidate_summaries")
def read_news(entry_id: int) -> ResponseReturnValue:
    """One feed item, sanitised, read in the portal (the read counted); 404 if it is not meant
    for the candidate."""
    candidate = signed_in_candidate()
    card = cards.entry_card(candidate, entry_id)
    if card is None:
        abort(404)
    site = urlsplit(card.link).hostname if card.link else None
    # Rendered first: the event then updates the candidate's summary once, at the commit (the
    # page's own queries would flush it half-way), and the commit cannot expire what it shows.
    page = render_template(
        "news/candidate_entry.html", candidate=candidate, card=card, original_site=site
    )
    news.count_read(candidate.id, entry_id, clock.now())
    events.record(candidate.id, EventKind.NEWS_OPENED, subject=f"news:{entry_id}")
    db.session.commit()
    return page


@candidate_bp.get("/news/announcements/<int:announcement_id>")
@writes_on_get("engagement_events", "candidate_summaries")
def read_announcement(announcement_id: int) -> ResponseReturnValue:
    """One of HR's announcements, read in the portal; 404 if it is not shown to the candidate
    (another audience, not published yet, taken back or deleted)."""
    candidate = signed_in_candidate()
    card = cards.announcement_card(candidate, announcement_id, clock.now())
    if card is None:
        abort(404)
    page = render_template(
        "news/candidate_entry.html", candidate=candidate, card=card, original_site=None
    )
    events.record(candidate.id, EventKind.NEWS_OPENED, subject=f"announcement:{announcement_id}")
    db.session.commit()
    return page


@candidate_bp.get("/news/<int:entry_id>/open")
@writes_on_get("news_reads", "engagement_events", "candidate_summaries")
def open_news(entry_id: int) -> ResponseReturnValue:
    """Count the read, then on to the item's own page; 404 if it is not meant for them."""
    candidate = signed_in_candidate()
    link = news.record_read(candidate, entry_id, clock.now())
    if link is None:
        abort(404)
    events.record(candidate.id, EventKind.NEWS_OPENED, subject=f"news:{entry_id}")
    db.session.commit()
    return redirect(link, 302)
