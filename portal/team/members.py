"""HR's team list: the people candidates meet on their "Meet your team" page, by department and
location. Only flushes; the view commits."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from portal.core import pages
from portal.core.extensions import db
from portal.core.pages import Key
from portal.people import audit, directory
from portal.people.models import User
from portal.team import photos
from portal.team.models import TeamMember
from portal.team.photos import PreparedPhoto

MEMBERS_PAGE_SIZE = 50


@dataclass(frozen=True)
class MemberFields:
    name: str
    title: str
    intro: str
    department: str
    location: str


@dataclass(frozen=True)
class MemberFilter:
    department: str = ""  # exactly this department; "" for every one
    search: str = ""  # in the name or the title


@dataclass(frozen=True)
class MembersPage:
    members: list[TeamMember]
    next_after: int | None


ORDER = (Key(TeamMember.name), Key(TeamMember.id))


def _filtered(wanted: MemberFilter) -> Select[TeamMember]:
    query = select(TeamMember)
    if wanted.department:
        query = query.where(TeamMember.department == wanted.department)
    if wanted.search:
        pattern = pages.contains(wanted.search)
        query = query.where(
            or_(
                func.lower(TeamMember.name).like(pattern, escape="\\"),
                func.lower(TeamMember.title).like(pattern, escape="\\"),
            )
        )
    return query


def members_page(wanted: MemberFilter, after: int | None) -> MembersPage:
    """A page of the list by name, after the member `after` (one query)."""
    values = None
    if after is not None:
        values = [pages.value_of(TeamMember.name, TeamMember.id, after), after]
    rows, last = pages.in_order(_filtered(wanted), ORDER, values, MEMBERS_PAGE_SIZE)
    return MembersPage(rows, last.id if last is not None else None)


def places() -> tuple[list[str], list[str]]:
    """The departments and the locations candidates and the team list name, for suggestions
    and filters (one query)."""
    locations, departments = directory.place_names((TeamMember.location, TeamMember.department))
    return departments, locations


def member(member_id: int) -> TeamMember | None:
    """Someone on the team list, by id (with their photo), or None."""
    return db.session.get(TeamMember, member_id)


def _subject(member: TeamMember) -> str:
    return f"Team member “{member.name}”"


def create_member(actor: User, fields: MemberFields, photo: PreparedPhoto | None) -> TeamMember:
    """Add someone to the team list."""
    added = TeamMember(**asdict(fields))
    if photo is not None:
        added.photo_id = photos.store(photo).id
    db.session.add(added)
    db.session.flush()
    audit.record(actor, "team_member.created", subject=_subject(added))
    return added


def update_member(
    actor: User,
    changed: TeamMember,
    fields: MemberFields,
    photo: PreparedPhoto | None,
    *,
    remove_photo: bool = False,
) -> dict[str, tuple[Any, Any]]:
    """Change someone on the team list; the changes, audited ({} when none)."""
    changes = {
        name: (getattr(changed, name), value)
        for name, value in asdict(fields).items()
        if getattr(changed, name) != value
    }
    for name, value in asdict(fields).items():
        setattr(changed, name, value)
    old_photo = changed.photo_id
    changed.photo_id = photos.replaced(old_photo, photo, remove=remove_photo)
    if photo is not None:
        changes["photo"] = ("a photo" if old_photo else None, "a new photo")
    elif old_photo != changed.photo_id:
        changes["photo"] = ("a photo", None)
    if changes:
        audit.record_changes(actor, None, "team_member.updated", changes, subject=_subject(changed))
    db.session.flush()
    return changes


def delete_member(actor: User, removed: TeamMember) -> None:
    """Take someone off the team list, their photo and every team they were picked for."""
    photo_id = removed.photo_id
    audit.record(actor, "team_member.deleted", subject=_subject(removed))
    db.session.delete(removed)
    db.session.flush()
    photos.discard(photo_id)
    db.session.flush()
