"""A candidate's welcome from their hiring manager and their buddy, as the recruiter or HR
writes them; and what the candidate's pages read of them.

Texts are plain text (the forms clean them through `core.inputs`); the pages print them
escaped, never as HTML. Only flushes; the view commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ScalarSelect, select

from portal.core.database import OrBound
from portal.core.extensions import db
from portal.people import audit
from portal.people.models import User
from portal.team import photos
from portal.team.models import Buddy, ChosenTeam, ManagerWelcome, TeamPhoto
from portal.team.photos import PreparedPhoto


@dataclass(frozen=True)
class Introductions:
    """Who introduces themselves to a candidate, read in one query."""

    welcome: ManagerWelcome | None
    buddy: Buddy | None
    team_chosen: bool  # staff chose the team (teams.py); else the department's list


def introductions(candidate_id: int) -> Introductions:
    """The candidate's welcome and buddy, with their photos, and whether their team was chosen."""
    row = db.session.execute(
        select(ManagerWelcome, Buddy, ChosenTeam.candidate_id)
        .select_from(User)
        .outerjoin(ManagerWelcome, ManagerWelcome.candidate_id == User.id)
        .outerjoin(Buddy, Buddy.candidate_id == User.id)
        .outerjoin(ChosenTeam, ChosenTeam.candidate_id == User.id)
        .where(User.id == candidate_id)
    ).one()
    return Introductions(welcome=row[0], buddy=row[1], team_chosen=row[2] is not None)


@dataclass(frozen=True)
class PhotoRef:
    """What a photo's address is made of (photos.photo_url takes this or a TeamPhoto)."""

    id: int
    digest: str


@dataclass(frozen=True)
class WelcomeCard:
    """The home page's short "welcome from your manager"."""

    manager_name: str
    manager_title: str
    message: str
    photo: PhotoRef | None


def welcome_card_columns(candidate_id: OrBound[int]) -> list[ScalarSelect[Any]]:
    """Columns for a query the home page makes anyway: the welcome's name, title, text and
    photo (read back with `WelcomeCard.of`), so the card costs no query of its own."""
    mine = ManagerWelcome.candidate_id == candidate_id
    photo = select(TeamPhoto.id, TeamPhoto.digest).join(
        ManagerWelcome, ManagerWelcome.photo_id == TeamPhoto.id
    )
    return [
        select(ManagerWelcome.manager_name).where(mine).scalar_subquery(),
        select(ManagerWelcome.manager_title).where(mine).scalar_subquery(),
        select(ManagerWelcome.message).where(mine).scalar_subquery(),
        photo.with_only_columns(TeamPhoto.id).where(mine).scalar_subquery(),
        photo.with_only_columns(TeamPhoto.digest).where(mine).scalar_subquery(),
    ]


def welcome_card(values: list[Any] | tuple[Any, ...]) -> WelcomeCard | None:
    """The card from the values of `welcome_card_columns`, in order; None without a welcome."""
    name, title, message, photo_id, digest = values
    if name is None:
        return None
    photo = PhotoRef(photo_id, digest) if photo_id is not None else None
    return WelcomeCard(name, title or "", message or "", photo)


@dataclass(frozen=True)
class WelcomeFields:
    manager_name: str
    manager_title: str
    message: str


@dataclass(frozen=True)
class BuddyFields:
    name: str
    title: str
    intro: str
    email: str | None


def _changes(row: Any, fields: Any) -> dict[str, tuple[Any, Any]]:
    return {
        name: (getattr(row, name, None), value)
        for name, value in asdict(fields).items()
        if getattr(row, name, None) != value
    }


def _photo_change(
    old_id: int | None, new_id: int | None, chosen: bool
) -> dict[str, tuple[Any, Any]]:
    if chosen:
        return {"photo": ("a photo" if old_id else None, "a new photo")}
    if old_id != new_id:
        return {"photo": ("a photo", None)}
    return {}


def save_welcome(
    actor: User,
    candidate: User,
    fields: WelcomeFields,
    photo: PreparedPhoto | None,
    *,
    remove_photo: bool = False,
) -> dict[str, tuple[Any, Any]]:
    """Write (or rewrite) the candidate's welcome; the changes, audited ({} when none)."""
    welcome = db.session.get(ManagerWelcome, candidate.id)
    created = welcome is None
    if welcome is None:
        welcome = ManagerWelcome(candidate_id=candidate.id)
        db.session.add(welcome)
    changes = _changes(None if created else welcome, fields)
    old_photo = welcome.photo_id
    for name, value in asdict(fields).items():
        setattr(welcome, name, value)
    welcome.photo_id = photos.replaced(
        old_photo, photo, remove=remove_photo, candidate_id=candidate.id
    )
    changes.update(_photo_change(old_photo, welcome.photo_id, photo is not None))
    if changes:
        welcome.updated_by_id = actor.id
        action = "team.welcome_written" if created else "team.welcome_changed"
        audit.record_changes(actor, candidate, action, changes)
    db.session.flush()
    return changes


def remove_welcome(actor: User, candidate: User) -> bool:
    """Take the welcome (and its photo) off the candidate's pages; False when there was none."""
    welcome = db.session.get(ManagerWelcome, candidate.id)
    if welcome is None:
        return False
    photo_id = welcome.photo_id
    db.session.delete(welcome)
    db.session.flush()
    photos.discard(photo_id)
    audit.record(actor, "team.welcome_removed", candidate)
    db.session.flush()
    return True


def save_buddy(
    actor: User,
    candidate: User,
    fields: BuddyFields,
    photo: PreparedPhoto | None,
    *,
    remove_photo: bool = False,
) -> dict[str, tuple[Any, Any]]:
    """Introduce (or change) the candidate's buddy; the changes, audited ({} when none)."""
    buddy = db.session.get(Buddy, candidate.id)
    created = buddy is None
    if buddy is None:
        buddy = Buddy(candidate_id=candidate.id)
        db.session.add(buddy)
    changes = _changes(None if created else buddy, fields)
    old_photo = buddy.photo_id
    for name, value in asdict(fields).items():
        setattr(buddy, name, value)
    buddy.photo_id = photos.replaced(
        old_photo, photo, remove=remove_photo, candidate_id=candidate.id
    )
    changes.update(_photo_change(old_photo, buddy.photo_id, photo is not None))
    if changes:
        buddy.updated_by_id = actor.id
        action = "team.buddy_introduced" if created else "team.buddy_changed"
        audit.record_changes(actor, candidate, action, changes)
    db.session.flush()
    return changes


def remove_buddy(actor: User, candidate: User) -> bool:
    """Take the buddy (and their photo) off the candidate's pages; False when there was none."""
    buddy = db.session.get(Buddy, candidate.id)
    if buddy is None:
        return False
    photo_id = buddy.photo_id
    db.session.delete(buddy)
    db.session.flush()
    photos.discard(photo_id)
    audit.record(actor, "team.buddy_removed", candidate)
    db.session.flush()
    return True
