"""Password hashing with argon2id, and the rules a new password must meet: a length, and not
easy to guess (zxcvbn, offline)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import zxcvbn
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

from portal.people.models import User

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


# zxcvbn's work grows quickly with length, and it refuses more than 72 characters: it judges
# the start of a longer password only, which is where a weak one shows anyway.
STRENGTH_CHECKED_LENGTH = 72
MINIMUM_SCORE = 3  # zxcvbn's "safely unguessable" (well over 10^8 guesses)
# Words anyone attacking this portal would try first, whoever the person is.
SITE_WORDS = ("portal", "preboarding", "pre-boarding", "onboarding", "welcome")


def personal_words(user: User | None = None, *, email: str = "", name: str = "") -> list[str]:
    """What a guesser knows about someone: their email address and name, in pieces and joined
    ("ana.silva", "ana", "silva", "anasilva"), for zxcvbn to treat as easy words."""
    if user is not None:
        email, name = email or user.email, name or user.name
    words: set[str] = set(SITE_WORDS)
    local, _, domain = email.strip().lower().partition("@")
    for text in (local, name.strip().lower(), domain.split(".")[0]):
        if not text:
            continue
        parts = [part for part in re.split(r"[^\w]+|_", text) if part]
        words.update([text, "".join(parts), *parts])
    return sorted(word for word in words if len(word) >= 3)


def password_problem(password: str, user_inputs: Sequence[str] = ()) -> str | None:
    """Why a new password is not acceptable, or None.

    Length first, then how guessable it is (zxcvbn, offline: common and breached passwords,
    keyboard patterns, dates, and `user_inputs` such as the person's name and email address).
    No composition rules.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    maximum = current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return f"Use at least {minimum} characters."
    if len(password) > maximum:
        return f"Use at most {maximum} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    return _guessable(password[:STRENGTH_CHECKED_LENGTH], user_inputs)


def _guessable(password: str, user_inputs: Sequence[str]) -> str | None:
    inputs = [word[:STRENGTH_CHECKED_LENGTH] for word in user_inputs if word]
    result = zxcvbn.zxcvbn(password, user_inputs=inputs)
    if result["score"] >= MINIMUM_SCORE:
        return None
    personal = any(
        match.get("dictionary_name") == "user_inputs" for match in result.get("sequence", ())
    )
    feedback = result.get("feedback") or {}
    sentences = ["This password is too easy to guess."]
    if personal:
        sentences.append("It contains your name, your email address or a word tied to this portal.")
    if feedback.get("warning"):
        sentences.append(feedback["warning"])
    sentences.extend(feedback.get("suggestions") or ["Add another word or two."])
    return " ".join(_sentence(text) for text in sentences)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
