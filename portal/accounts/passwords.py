"""Password hashing with argon2id, and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

_EXTENSION_KEY = "portal.password_hasher"


def init_app(app: Flask) -> None:
    # argon2-cffi's defaults are RFC 9106's low-memory profile of argon2id; tests pass cheaper ones.
    hasher = PasswordHasher(**app.config.get("PASSWORD_HASH_PARAMS", {}))
    app.extensions[_EXTENSION_KEY] = hasher
    # Verified against when the email is unknown, so both answers take the same time.
    app.extensions[_EXTENSION_KEY + ".dummy"] = hasher.hash("an unguessable placeholder")


def _hasher() -> PasswordHasher:
    return current_app.extensions[_EXTENSION_KEY]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches. With no hash, spends the same time and answers False."""
    hasher = _hasher()
    try:
        if password_hash is None:
            hasher.verify(current_app.extensions[_EXTENSION_KEY + ".dummy"], password + "\0")
            return False
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None. Length only: no composition rules."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    maximum = current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return f"Use at least {minimum} characters."
    if len(password) > maximum:
        return f"Use at most {maximum} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    return None
