"""What lets someone in, and what happens when it changes.

A change of email address, password or role, or a closed account, ends everything issued under
the old one: unused invitation and reset links, signed-in browsers, and (through the
`credentials_changed` signal, which features above accounts listen to) API tokens. A link sent
to a mistyped address, a reset link from before a password change, or a token from before a
reset, must not keep working.
"""

from __future__ import annotations

from blinker import Signal

from portal.accounts import passwords, tokens
from portal.accounts import sessions as auth_sessions
from portal.core import clock
from portal.core.extensions import db
from portal.people import audit
from portal.people.models import User

# Sent with the user, inside the transaction, whenever their email, password or role changes or
# their account is closed: a feature above accounts that holds credentials of its own (the API's
# tokens) revokes them. Receivers only flush, like any operation.
credentials_changed = Signal("credentials-changed")


def revoke_credentials(user: User, *, keep_session: str | None = None) -> None:
    """Everything that let `user` in before now stops working: every unused invitation or reset
    link, every signed-in browser (but the one holding `keep_session`, when the person changes
    something about themselves) and, through `credentials_changed`, their API tokens.

    `credentials_changed_at` uses the clock API tokens are stamped with, so a token made before
    it is refused even if it escaped the revocation (made in a transaction running alongside).
    """
    user.credentials_changed_at = clock.now()
    tokens.revoke_all(user)
    auth_sessions.revoke_all(user, keep=keep_session)
    credentials_changed.send(user)
    db.session.flush()


def set_password(
    user: User, password: str, *, actor: User | None = None, how: str | None = None
) -> None:
    """Replace the password; every link, session and API token that let `user` in before stops
    working (the caller starts a new session for the browser that made the change)."""
    user.password_hash = passwords.hash_password(password)
    audit.record(actor, "password_changed", user, subject=how)
    revoke_credentials(user)
