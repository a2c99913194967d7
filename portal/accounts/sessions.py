"""Server-side sign-in sessions.

The session cookie carries only a random key. The row it points to can be revoked, which signs
that browser out for good: a copy of the cookie taken before sign-out no longer works.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from portal.accounts.models import AuthSession
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.people.models import CandidateProfile, User


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start(
    user: User,
    *,
    lifetime: timedelta,
    remember: bool,
    user_agent: str = "",
    ip_address: str = "",
) -> str:
    """Open a new session for `user` and return the key to put in the cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AuthSession(
            user_id=user.id,
            key_hash=_hash(key),
            created_at=now,
            expires_at=now + lifetime,
            remember=remember,
            user_agent=user_agent[:200],
            ip_address=ip_address[:45],
        )
    )
    db.session.flush()
    return key


# Built once (every request runs it): the key's hash and the time are bound at each call.
_SESSION_USER = (
    select(User)
    .join(AuthSession, AuthSession.user_id == User.id)
    .options(joinedload(User.candidate_profile).joinedload(CandidateProfile.recruiter))
    .where(
        AuthSession.key_hash == bindparam("key_hash"),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > bindparam("now"),
        User.is_active.is_(True),
    )
)


def user_for_key(key: str, now: datetime | None = None) -> User | None:
    """The active user a live session key belongs to, in one query, or None; a candidate's
    profile and recruiter come in the same query (every candidate page needs them)."""
    return db.session.scalar(_SESSION_USER, {"key_hash": _hash(key), "now": now or utcnow()})


def revoke(key: str) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.key_hash == _hash(key), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all(user: User, *, keep: str | None = None) -> None:
    """Sign `user` out everywhere (a change of email, password or role, deactivation), except
    the browser whose session key is `keep` (the person making the change about themselves)."""
    statement = update(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)
    )
    if keep:
        statement = statement.where(AuthSession.key_hash != _hash(keep))
    db.session.execute(statement.values(revoked_at=utcnow()))
