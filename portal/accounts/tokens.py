"""Single-use links sent by email: invitations and password resets.

The link carries 32 random bytes; the database keeps only their SHA-256. Redemption is one
conditional UPDATE, so of any number of concurrent attempts exactly one wins.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from portal.accounts.models import TokenPurpose, UserToken
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.people.models import User


class TokenProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


@dataclass(frozen=True)
class TokenCheck:
    token: UserToken | None
    problem: TokenProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue(
    user: User, purpose: TokenPurpose, valid_for: timedelta, created_by: User | None = None
) -> str:
    """Create a new link for `user`, revoking any earlier unused one with the same purpose."""
    now = utcnow()
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    raw = add(user, purpose, valid_for, created_by)
    db.session.flush()
    return raw


def add(
    user: User, purpose: TokenPurpose, valid_for: timedelta, created_by: User | None = None
) -> str:
    """A new link for `user`, earlier ones untouched (a new account has none), not flushed."""
    now = utcnow()
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + valid_for,
            created_by_id=created_by.id if created_by else None,
        )
    )
    return raw


def revoke_all(user: User) -> None:
    """Stop every unused link of `user` working, whatever its purpose (a link already used,
    such as the one being redeemed now, keeps its record as it is)."""
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.used_at.is_(None),
            UserToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def has_live(user: User, purpose: TokenPurpose, now: datetime | None = None) -> bool:
    """True if `user` holds a link for `purpose` that would still work."""
    now = now or utcnow()
    found = db.session.scalar(
        select(UserToken.id)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.revoked_at.is_(None),
            UserToken.expires_at > now,
        )
        .limit(1)
    )
    return found is not None


def check(raw: str, purpose: TokenPurpose, now: datetime | None = None) -> TokenCheck:
    """Look a link up without using it (opening a link must never consume it)."""
    now = now or utcnow()
    token = db.session.scalar(
        select(UserToken).where(
            UserToken.token_hash == hash_token(raw), UserToken.purpose == purpose
        )
    )
    if token is None:
        return TokenCheck(None, TokenProblem.UNKNOWN)
    if token.used_at is not None:
        return TokenCheck(token, TokenProblem.USED)
    if token.revoked_at is not None:
        return TokenCheck(token, TokenProblem.REVOKED)
    if token.expires_at <= now:
        return TokenCheck(token, TokenProblem.EXPIRED)
    return TokenCheck(token, None)


def redeem(raw: str, purpose: TokenPurpose) -> int | None:
    """Use the link once. Returns the user's id, or None if it was not (or no longer) valid."""
    now = utcnow()
    token_hash = hash_token(raw)
    statement = (
        update(UserToken)
        .where(
            UserToken.token_hash == token_hash,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.revoked_at.is_(None),
            UserToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], db.session.execute(statement))
    if result.rowcount != 1:
        return None
    return db.session.scalar(select(UserToken.user_id).where(UserToken.token_hash == token_hash))
