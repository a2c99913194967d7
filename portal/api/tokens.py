"""Personal tokens for the JSON API: created, listed, used and revoked.

A token is "pp_" and 32 random bytes (URL-safe base64); it is shown once and only its SHA-256 is
kept. Looking a token up by its hash is safe against timing attacks: what an attacker controls
is hashed first, so the comparison in the index says nothing about any stored token.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, bindparam, select, update

from portal.accounts.credentials import credentials_changed
from portal.accounts.tokens import hash_token
from portal.api.models import ApiToken, TokenScope
from portal.core import clock
from portal.core.extensions import db
from portal.people import audit
from portal.people.models import Role, User

TOKEN_PREFIX = "pp_"  # noqa: S105 - the marker every token starts with, not a secret
PREFIX_LENGTH = 10  # "pp_" and 7 characters: enough to tell tokens apart, far too few to use one
NAME_MAX_LENGTH = 80
# last_used_at is written at most this often, so using a token is not a write per request.
TOUCH_EVERY = timedelta(minutes=1)
API_ROLES = (Role.RECRUITER, Role.HR)
# What a token looks like; anything else is refused without a database look-up.
_SHAPE = re.compile(rf"{TOKEN_PREFIX}[A-Za-z0-9_-]{{43}}")
# Every API request runs this look-up: built once, so neither the statement nor its cache key
# is made again per request, and read as columns, not as rows loaded into the session.
_LIVE_BY_HASH = (
    select(
        ApiToken.id,
        ApiToken.user_id,
        ApiToken.scope,
        ApiToken.created_at,
        ApiToken.last_used_at,
        User.role,
        User.is_active,
        User.credentials_changed_at,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


@dataclass(frozen=True)
class LiveToken:
    """A live token as a request uses it: whose it is, what it may do, when it was last used."""

    id: int
    user_id: int
    role: Role
    scope: str
    last_used_at: datetime | None

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


def may_use_api(user: User) -> bool:
    """Recruiters and HR pull data through the API; candidates have nothing to pull."""
    return _may_use(user.is_active, user.role)


def _may_use(is_active: bool, role: str) -> bool:
    return is_active and role in API_ROLES


def create(user: User, name: str, scope: TokenScope = TokenScope.READ) -> tuple[ApiToken, str]:
    """A new token for `user`: the row (flushed) and the token itself, to be shown once. A
    `write` token may also add candidates and change them, within what its person may do."""
    if not may_use_api(user):
        raise ValueError("Only active recruiters and HR people can have API tokens.")
    name = name.strip()[:NAME_MAX_LENGTH]
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(plaintext),
        prefix=plaintext[:PREFIX_LENGTH],
        scope=TokenScope(scope),
        created_at=clock.now(),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(user, "api_token.created", user, subject=_subject(token))
    return token, plaintext


def for_user(user: User) -> list[ApiToken]:
    """A person's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def owned_by(user: User, token_id: int) -> ApiToken | None:
    """The token if it is `user`'s own, else None (the view answers 404)."""
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def revoke(token: ApiToken, by: User) -> bool:
    """Stop a token working at once. False if it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = clock.now()
    audit.record(by, "api_token.revoked", token.user, subject=_subject(token))
    db.session.flush()
    return True


def authenticate(plaintext: str) -> LiveToken | None:
    """The live token `plaintext` is, if its person may use the API; else None. One indexed
    query on every request, so a revoked token or a closed account stops working at once."""
    if not _SHAPE.fullmatch(plaintext):
        return None
    found = (
        db.session.connection()
        .execute(_LIVE_BY_HASH, {"token_hash": hash_token(plaintext)})
        .one_or_none()
    )
    if found is None or not _may_use(found.is_active, found.role):
        return None
    if _older_than_credentials(found.created_at, found.credentials_changed_at):
        return None
    return LiveToken(
        id=found.id,
        user_id=found.user_id,
        role=Role(found.role),
        scope=found.scope,
        last_used_at=found.last_used_at,
    )


def _older_than_credentials(created: datetime, changed: datetime | None) -> bool:
    """Made before its person's email, password or role last changed. Such tokens are revoked
    at the change (`revoke_all`); this catches one made in a transaction running alongside."""
    return changed is not None and created < changed


@credentials_changed.connect
def revoke_all(user: User, **_: object) -> int:
    """Revoke every live token of `user`, in the caller's transaction: accounts sends
    `credentials_changed` when their email, password or role changes or their account closes.
    Returns how many were revoked."""
    live = list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
    )
    now = clock.now()
    for token in live:
        token.revoked_at = now
        audit.record(
            None, "api_token.revoked", user, subject=_subject(token) + ": sign-in details changed"
        )
    db.session.flush()
    return len(live)


def note_use(token: LiveToken, now: datetime) -> Update | None:
    """The statement noting a use of `token` at `now`, or None when one was noted less than a
    minute ago (using a token is not a write per request).

    The API runs it in a short transaction of its own: API requests only read, and on SQLite a
    read transaction that starts writing can fail when another writer got in first.
    """
    if token.last_used_at is not None and token.last_used_at > now - TOUCH_EVERY:
        return None
    stale = ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at <= now - TOUCH_EVERY)
    return update(ApiToken).where(ApiToken.id == token.id, stale).values(last_used_at=now)


def _subject(token: ApiToken) -> str:
    access = "read and write" if token.can_write else "read only"
    return f"API token “{token.name}” ({token.prefix}…, {access})"
