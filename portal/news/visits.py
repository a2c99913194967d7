"""What "new" means on a candidate's news: what appeared since their previous visit.

A visit is the time a candidate spends with their news (the home page or the news pages): it
begins when they open one of them VISIT_GAP or more after their latest visit began. The
candidate's profile keeps when their latest visit began (news_visit_at) and when the visit
before it began (news_previous_visit_at). On a page of the latest visit, what appeared after the
previous one began is new; a page that begins a visit measures from the latest instead (which
then becomes the previous). So an item stays marked for the whole visit in which it was first
shown, reloads included, and is no longer new at the next visit. Before any visit, everything
is new.

"Appeared": a feed item when the portal first saw it (not its own date, which a feed may set in
the past), an announcement when it was published.

The page reads the two moments from the profile it already holds (no query) and writes only
when a visit begins, at most once per VISIT_GAP, in a short transaction after the page is
rendered, with one conditional UPDATE: two pages opened at once begin one visit, not two.

Plain module: no request knowledge; `record` only executes, the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from portal.core.extensions import db
from portal.people.models import CandidateProfile

VISIT_GAP = timedelta(hours=1)


@dataclass(frozen=True)
class Visit:
    """A page of a candidate's news seen at some moment: what is new on it is what appeared
    after `since` (everything, when None), and whether it begins a visit."""

    candidate_id: int
    since: datetime | None
    begins: bool
    latest: datetime | None  # the latest visit as the page found it (begins: now the previous)


def visit(profile: CandidateProfile, now: datetime) -> Visit:
    """The visit a page shown at `now` belongs to, from the profile's two moments."""
    latest = profile.news_visit_at
    begins = latest is None or now - latest >= VISIT_GAP
    since = latest if begins else profile.news_previous_visit_at
    return Visit(profile.user_id, since, begins, latest)


def is_new(appeared_at: datetime, since: datetime | None) -> bool:
    """Whether what appeared at `appeared_at` is new on a page measuring from `since`."""
    return since is None or appeared_at > since


def record(seen: Visit, now: datetime) -> bool:
    """Begin the visit `seen` found beginning (nothing when it does not): the latest visit
    becomes the previous one. Not when another page began one meanwhile; True if recorded."""
    if not seen.begins:
        return False
    latest = CandidateProfile.news_visit_at
    result = db.session.execute(
        update(CandidateProfile)
        .where(
            CandidateProfile.user_id == seen.candidate_id,
            latest.is_(None) if seen.latest is None else latest == seen.latest,
        )
        .values(news_previous_visit_at=seen.latest, news_visit_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
