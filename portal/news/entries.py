"""Company news as candidates read it (HR's side, with flags and audiences: news.library).

Who sees an entry: its feed is enabled (turned on by HR), the entry is not hidden, and
the candidate is in its audience. The audience is the entry's own departments and locations
where HR set them (not NULL), else its feed's. Tags are stored as ",tag,tag," in lower case and
"" means everyone; department and location are independent filters that must both match.

Order: pinned first, then newest (published_at), then id. Featured entries are highlighted
where they stand; they do not move. The candidate's pages show entries and HR's announcements
together as cards (news.cards); what is new there is news.visits' to say.

Plain module: no request knowledge. Functions flush; the caller commits.
"""

from __future__ import annotations

import re
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, contains_eager

from portal.core.database import upsert
from portal.core.extensions import db
from portal.core.i18n import _
from portal.news.feeds import media
from portal.news.feeds.config import image_origins
from portal.news.feeds.sanitize import plain_text, safe_link
from portal.news.models import Feed, FeedEntry, NewsRead
from portal.people.models import CandidateProfile, User

EXCERPT_LENGTH = 240
TAG_MAX = 80
TAGS_MAX = 500  # the column's size

_LIKE_SPECIAL = re.compile(r"([\\%_])")


class NewsError(ValueError):
    """An audience that cannot be saved, with the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- Tags ----------------------------------------------------------------------------------


def normalise_tags(text: str | None, *, field: str = "departments") -> str:
    """ "Engineering, sales ,," → ",engineering,sales," as stored; "" (everyone) when empty."""
    tags: list[str] = []
    for part in (text or "").split(","):
        tag = " ".join(part.split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_MAX:
            raise NewsError(field, _("Keep each name to %(max)s characters or fewer.", max=TAG_MAX))
        tags.append(tag)
    stored = f",{','.join(tags)}," if tags else ""
    if len(stored) > TAGS_MAX:
        raise NewsError(
            field, _("Too many names: keep the list under %(max)s characters.", max=TAGS_MAX)
        )
    return stored


def tag_list(stored: str | None) -> list[str]:
    """The tags of a stored ",a,b," value, in order."""
    return [tag for tag in (stored or "").split(",") if tag]


def tags_text(stored: str | None) -> str:
    """ ",a,b," → "a, b", for a form field."""
    return ", ".join(tag_list(stored))


def candidate_tag(value: str | None) -> str:
    """A candidate's department or location as a tag to match (lower case, spaces tidied).
    A comma cannot be part of a stored tag, so a value holding one matches nothing but ""."""
    return " ".join((value or "").split()).lower()


def in_audience(
    column: ColumnElement[str] | InstrumentedAttribute[str], value: str
) -> ColumnElement[bool]:
    """Whether the stored audience `column` (",a,b,", "" for everyone) includes tag `value`."""
    if not value:
        return column == ""
    pattern = "%," + _LIKE_SPECIAL.sub(r"\\\1", value) + ",%"
    return or_(column == "", column.like(pattern, escape="\\"))


def audience_of(candidate: User) -> tuple[str, str] | None:
    """The candidate's department and location as tags to match (`candidate_tag`); None for
    someone with no candidate profile, who reads nothing."""
    profile: CandidateProfile | None = candidate.candidate_profile
    if profile is None:
        return None
    return candidate_tag(profile.department), candidate_tag(profile.location)


def visible_to(candidate: User) -> ColumnElement[bool]:
    """The WHERE clause of everything `candidate` may read (FeedEntry joined to Feed): the one
    definition of who reads what, for the pages and the candidates' update emails alike."""
    return visible_to_audience(audience_of(candidate))


def visible_to_audience(audience: tuple[str, str] | None) -> ColumnElement[bool]:
    """`visible_to` for a department and location (`audience_of`): what a query built once
    for everyone of that audience needs."""
    if audience is None:
        return literal(False)
    department, location = audience
    departments = func.coalesce(FeedEntry.departments, Feed.departments)
    locations = func.coalesce(FeedEntry.locations, Feed.locations)
    return and_(
        Feed.enabled.is_(True),
        FeedEntry.hidden.is_(False),
        in_audience(departments, department),
        in_audience(locations, location),
    )


_ORDER = (FeedEntry.pinned.desc(), FeedEntry.published_at.desc(), FeedEntry.id.desc())


# --- What a candidate reads ----------------------------------------------------------------


def for_candidate(candidate: User, *, limit: int = 10, offset: int = 0) -> list[FeedEntry]:
    """The entries `candidate` may read, pinned first then newest, with their feed: one query."""
    query = (
        select(FeedEntry)
        .join(FeedEntry.feed)
        .options(contains_eager(FeedEntry.feed))
        .where(visible_to(candidate))
        .order_by(*_ORDER)
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(query))


def count_for_candidate(candidate: User) -> int:
    """How many entries `candidate` may read."""
    query = select(func.count(FeedEntry.id)).join(FeedEntry.feed).where(visible_to(candidate))
    return db.session.scalar(query) or 0


def excerpt(html: str, length: int = EXCERPT_LENGTH) -> str:
    """A plain-text excerpt of at most about `length` characters, cut between words."""
    return plain_text(html or "", max_length=length)


def render_html(html: str) -> Markup:
    """Stored feed HTML, sanitised again for the news pages (media.for_reading): links open in
    a new tab, images only from today's NEWS_IMAGE_ORIGINS (what the CSP allows)."""
    hint = _("(opens in a new tab)")
    return Markup(media.for_reading(html or "", image_origins(), hint))  # noqa: S704 - nh3-cleaned


def count_read(candidate_id: int, entry_id: int, now: datetime) -> None:
    """Count one read of an entry by the candidate (the first one's moment is kept)."""
    statement = upsert(NewsRead).values(
        candidate_id=candidate_id, entry_id=entry_id, first_read_at=now, read_count=1
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[NewsRead.candidate_id, NewsRead.entry_id],
            set_={"read_count": NewsRead.read_count + 1},
        )
    )


def record_read(candidate: User, entry_id: int, now: datetime) -> str | None:
    """Count one read of an entry the candidate may see and return its link; None if it is
    out of their audience, hidden, missing or has no http(s) link."""
    link = db.session.scalar(
        select(FeedEntry.link)
        .join(FeedEntry.feed)
        .where(FeedEntry.id == entry_id, visible_to(candidate))
    )
    link = safe_link(link)
    if link is None:
        return None
    count_read(candidate.id, entry_id, now)
    return link
