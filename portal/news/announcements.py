"""HR's announcements: news the company writes in the portal, beside the feeds.

An announcement has a title, a Markdown body (rendered and sanitised when saved:
news.writing), an audience of departments and locations exactly as a feed has (news.entries
stores and matches them), may be pinned to the top, and is shown to candidates from its publish
moment: now, or a moment HR chose (scheduled). Without one it is a draft; taking a published
announcement back makes it a draft again. Candidates read it among the feeds' items
(news.cards) with the company as its source, and "new" is measured from its publish moment.

Every change is audit-logged (people.audit: "announcement.*") with the old and new values.
Retention: announcements are about no candidate; they are kept until HR deletes them, and
their author only while the author's account is (the link is cleared with it).

Plain module: no request knowledge. Functions flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, select
from sqlalchemy.orm import joinedload

from portal.core import pages
from portal.core.changes import apply_changes
from portal.core.extensions import db
from portal.core.i18n import _
from portal.news import writing
from portal.news.entries import NewsError, audience_of, in_audience, normalise_tags
from portal.news.feeds.config import image_origins
from portal.news.models import Announcement
from portal.people import audit
from portal.people.models import User

TITLE_MAX = 200
BODY_MAX = 20_000
HR_PAGE_SIZE = 20


@dataclass(frozen=True)
class Draft:
    """What HR's form gives: the text, the audience as typed ("Sales, Paris"), whether it is
    pinned, and when it is shown (None: a draft, not shown)."""

    title: str
    body: str
    departments: str = ""
    locations: str = ""
    pinned: bool = False
    publish_at: datetime | None = None


def shown_to(candidate: User, now: datetime) -> ColumnElement[bool]:
    """The WHERE clause of the announcements `candidate` may read at `now`: published by then,
    and their department and location in its audience (news.entries' rule for feeds)."""
    return shown_to_audience(audience_of(candidate), now)


def shown_to_audience(
    audience: tuple[str, str] | None, now: datetime | BindParameter[Any]
) -> ColumnElement[bool]:
    """`shown_to` for a department and location (`news.entries.audience_of`); `now` may be a
    bound parameter, for a query built once and run at any moment."""
    if audience is None:
        return and_(Announcement.id.is_(None), Announcement.id.is_not(None))
    department, location = audience
    return and_(
        Announcement.published_at.is_not(None),
        Announcement.published_at <= now,
        in_audience(Announcement.departments, department),
        in_audience(Announcement.locations, location),
    )


def state(target: Announcement, now: datetime) -> str:
    """ "draft", "scheduled" (shown from a later moment) or "published"."""
    if target.published_at is None:
        return "draft"
    return "scheduled" if target.published_at > now else "published"


def render(body: str) -> str:
    """The body as the stored, sanitised HTML (pictures only from today's allowed origins)."""
    return writing.render(body, image_origins())


def _values(draft: Draft) -> dict[str, Any]:
    """The columns a draft sets; NewsError names the field it cannot use."""
    if not draft.title.strip():
        raise NewsError("title", _("Enter a title."))
    return {
        "title": draft.title.strip()[:TITLE_MAX],
        "body": draft.body,
        "departments": normalise_tags(draft.departments, field="departments"),
        "locations": normalise_tags(draft.locations, field="locations"),
        "pinned": draft.pinned,
        "published_at": draft.publish_at,
    }


def _subject(target: Announcement) -> str:
    return f"Announcement “{target.title}”"


def create(actor: User, draft: Draft, now: datetime) -> Announcement:
    """Write a new announcement (a draft, published or scheduled as `draft` says)."""
    values = _values(draft)
    target = Announcement(
        **values, body_html=render(draft.body), created_at=now, updated_at=now, author_id=actor.id
    )
    db.session.add(target)
    db.session.flush()
    audit.record(actor, "announcement.created", subject=_subject(target))
    if target.published_at is not None:
        audit.record(
            actor,
            "announcement.published",
            field="published_at",
            new=target.published_at,
            subject=_subject(target),
        )
    db.session.flush()
    return target


def change(actor: User, target: Announcement, draft: Draft, now: datetime) -> dict[str, Any]:
    """Save HR's changes; returns them ({column: (old, new)}), empty when nothing changed.
    Publishing or taking back is recorded as such, other changes field by field."""
    values = _values(draft)
    changes = apply_changes(target, values)
    if not changes:
        return {}
    if "body" in changes:
        target.body_html = render(target.body)
    target.updated_at = now
    moment = changes.pop("published_at", None)
    # The body's words are long: the log says it changed, not what it said.
    shown = {
        name: ("…", "…") if name == "body" else (old, new) for name, (old, new) in changes.items()
    }
    audit.record_changes(actor, None, "announcement.updated", shown, subject=_subject(target))
    if moment is not None:
        old, new = moment
        action = "announcement.unpublished" if new is None else "announcement.published"
        audit.record(
            actor, action, field="published_at", old=old, new=new, subject=_subject(target)
        )
        changes["published_at"] = moment
    db.session.flush()
    return changes


def take_back(actor: User, target: Announcement) -> bool:
    """Stop showing an announcement (it stays, as a draft); False when it was not shown."""
    if target.published_at is None:
        return False
    old = target.published_at
    target.published_at = None
    audit.record(
        actor, "announcement.unpublished", field="published_at", old=old, subject=_subject(target)
    )
    db.session.flush()
    return True


def publish_now(actor: User, target: Announcement, now: datetime) -> bool:
    """Show a draft or scheduled announcement from now; False when it is already shown."""
    if target.published_at is not None and target.published_at <= now:
        return False
    old = target.published_at
    target.published_at = now
    audit.record(
        actor,
        "announcement.published",
        field="published_at",
        old=old,
        new=now,
        subject=_subject(target),
    )
    db.session.flush()
    return True


def delete(actor: User, target: Announcement) -> None:
    """Delete an announcement for good (candidates' read events keep only its id)."""
    audit.record(actor, "announcement.deleted", subject=_subject(target))
    db.session.delete(target)
    db.session.flush()


def get(announcement_id: int) -> Announcement | None:
    return db.session.get(Announcement, announcement_id)


@dataclass(frozen=True)
class AnnouncementPage:
    """A page of HR's announcements, newest written first, and the cursor of the next page."""

    announcements: list[Announcement]
    next_before: int | None


def hr_page(before: int | None = None, size: int = HR_PAGE_SIZE) -> AnnouncementPage:
    """HR's announcements (drafts included), newest written first, older than the one `before`
    (the last of the previous page; None for the first): one query, with their authors."""
    query = select(Announcement).options(joinedload(Announcement.author))
    rows, next_before = pages.newest_first(query, Announcement.id, before, size)
    return AnnouncementPage(rows, next_before)


# The demo's announcements (portal.demo): one for everyone, one for the Paris office.
DEMO: tuple[tuple[str, str, str, int], ...] = (
    (
        "Welcome to the pre-boarding portal",
        "Everything about your first weeks is here: your **timeline**, the people you will "
        "meet, and news from the company.\n\n"
        "- Ask your recruiter anything under *Questions*.\n"
        "- Tick off your checklist as you go.\n\n"
        "We are glad you are joining us.",
        "",
        3,
    ),
    (
        "Lunch with the Paris team",
        "New colleagues in **Paris** are invited to lunch with the team on their first "
        "Friday. Tell your recruiter about any dietary needs.",
        ",paris,",
        1,
    ),
)


def load_demo(author: User, now: datetime) -> None:
    """The demo's announcements, published some days before `now`. Flushes."""
    for title, body, locations, days_ago in DEMO:
        published = now - timedelta(days=days_ago)
        db.session.add(
            Announcement(
                title=title,
                body=body,
                body_html=render(body),
                locations=locations,
                published_at=published,
                created_at=published,
                updated_at=published,
                author_id=author.id,
            )
        )
    db.session.flush()
