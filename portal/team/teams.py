"""Who is on a candidate's team, as their "Meet your team" page shows it.

By default the members of HR's team list in the candidate's department, at their location or at
no particular one. Staff may choose the team instead: the first person they add or remove makes
the team the candidate's own (the department's list so far becomes their picks), and later
changes to the list reach them only through their picks, until staff go back to the
department's team. One rule, `team_condition`, decides for the page, the staff's view of it and
who may load a team member's photo.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    delete,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)

from portal.core import inputs, pages
from portal.core.database import upsert
from portal.core.extensions import db
from portal.core.i18n import _
from portal.core.pages import Key
from portal.people import audit
from portal.people.models import CandidateProfile, User
from portal.team.models import ChosenTeam, TeamMember, TeamPick

TEAM_PAGE_SIZE = 24
MOST_PICKS = 60  # people on a chosen team
SEARCH_RESULTS = 10
SEARCH_MAX = 100  # characters of a search


class TeamError(ValueError):
    """A change to a candidate's team that cannot be made, in words for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def department_team(profile: CandidateProfile) -> ColumnElement[bool]:
    """Members of the candidate's department, at their location or at no particular one."""
    if not profile.department:
        return false()
    return and_(
        TeamMember.department == profile.department,
        TeamMember.location.in_([profile.location, ""]),
    )


def team_condition(profile: CandidateProfile) -> ColumnElement[bool]:
    """The team members this candidate sees (a condition on TeamMember, in one statement)."""
    candidate_id = profile.user_id
    chosen = exists().where(ChosenTeam.candidate_id == candidate_id)
    picked = TeamMember.id.in_(
        select(TeamPick.member_id).where(TeamPick.candidate_id == candidate_id)
    )
    return or_(and_(chosen, picked), and_(~chosen, department_team(profile)))


@dataclass(frozen=True)
class TeamPage:
    members: list[TeamMember]
    next_after: int | None  # the cursor of the next page (a member id), None on the last


ORDER = (Key(TeamMember.name), Key(TeamMember.id))


def team_page(profile: CandidateProfile, after: int | None) -> TeamPage:
    """One page of the candidate's team, by name, after the member `after` (one query)."""
    values = None
    if after is not None:
        values = [pages.value_of(TeamMember.name, TeamMember.id, after), after]
    rows, last = pages.in_order(
        select(TeamMember).where(team_condition(profile)), ORDER, values, TEAM_PAGE_SIZE
    )
    return TeamPage(rows, last.id if last is not None else None)


def search_term(value: str) -> str:
    """What staff typed to find someone, as one tidy line of at most SEARCH_MAX characters."""
    return inputs.single_line(value)[:SEARCH_MAX]


def addable(profile: CandidateProfile, term: str) -> list[TeamMember]:
    """Members matching `term` (name, title or department) not yet on the candidate's team."""
    if not term:
        return []
    pattern = pages.contains(term)
    matches = or_(
        *(
            func.lower(column).like(pattern, escape="\\")
            for column in (TeamMember.name, TeamMember.title, TeamMember.department)
        )
    )
    query = (
        select(TeamMember)
        .where(matches, ~team_condition(profile))
        .order_by(TeamMember.name, TeamMember.id)
        .limit(SEARCH_RESULTS)
    )
    return list(db.session.scalars(query))


def _choose(actor: User, profile: CandidateProfile) -> None:
    """Make the team the candidate's own, starting from their department's team so far."""
    candidate_id = profile.user_id
    if db.session.get(ChosenTeam, candidate_id) is not None:
        return
    db.session.execute(
        upsert(ChosenTeam)
        .values(candidate_id=candidate_id, chosen_by_id=actor.id)
        .on_conflict_do_nothing()
    )
    so_far = (
        select(literal(candidate_id, Integer), TeamMember.id)
        .where(department_team(profile))
        .order_by(TeamMember.name, TeamMember.id)
        .limit(MOST_PICKS)
    )
    db.session.execute(
        upsert(TeamPick)
        .from_select([TeamPick.candidate_id, TeamPick.member_id], so_far)
        .on_conflict_do_nothing()
    )


def _picks(candidate_id: int) -> int:
    counted = db.session.scalar(
        select(func.count()).select_from(TeamPick).where(TeamPick.candidate_id == candidate_id)
    )
    return counted or 0


def add_member(actor: User, candidate: User, added: TeamMember) -> None:
    """Put `added` on the candidate's team (making it chosen); TeamError when it is full."""
    profile = candidate.profile
    _choose(actor, profile)
    if db.session.get(TeamPick, (candidate.id, added.id)) is not None:
        return
    if _picks(candidate.id) >= MOST_PICKS:
        raise TeamError(
            _("A team shows at most %(num)s people. Remove someone first.", num=MOST_PICKS)
        )
    db.session.execute(
        upsert(TeamPick)
        .values(candidate_id=candidate.id, member_id=added.id)
        .on_conflict_do_nothing()
    )
    audit.record(actor, "team.member_added", candidate, subject=f"Team member “{added.name}”")
    db.session.flush()


def remove_member(actor: User, candidate: User, removed: TeamMember) -> None:
    """Take `removed` off the candidate's team (making it chosen)."""
    _choose(actor, candidate.profile)
    db.session.execute(
        delete(TeamPick).where(
            TeamPick.candidate_id == candidate.id, TeamPick.member_id == removed.id
        )
    )
    audit.record(actor, "team.member_removed", candidate, subject=f"Team member “{removed.name}”")
    db.session.flush()


def use_department_team(actor: User, candidate: User) -> bool:
    """Show the candidate their department's team again; False when they already see it."""
    chosen = db.session.get(ChosenTeam, candidate.id)
    if chosen is None:
        return False
    db.session.execute(delete(TeamPick).where(TeamPick.candidate_id == candidate.id))
    db.session.delete(chosen)
    audit.record(actor, "team.department_team", candidate)
    db.session.flush()
    return True
