"""Password hashing with argon2id, and the rules a new password must meet: a length, and not
easy to guess (zxcvbn, offline)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import zxcvbn
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

from portal.core.i18n import N_, _, ngettext
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
        return ngettext(
            "Use at least %(num)d character.", "Use at least %(num)d characters.", minimum
        )
    if len(password) > maximum:
        return ngettext(
            "Use at most %(num)d character.", "Use at most %(num)d characters.", maximum
        )
    if not password.strip():
        return _("A password cannot be only spaces.")
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
    sentences = [_("This password is too easy to guess.")]
    if personal:
        sentences.append(
            _("It contains your name, your email address or a word tied to this portal.")
        )
    if feedback.get("warning"):
        sentences.append(zxcvbn_words(feedback["warning"]))
    suggestions = feedback.get("suggestions") or [_("Add another word or two.")]
    sentences.extend(zxcvbn_words(text) for text in suggestions)
    return " ".join(_sentence(text) for text in sentences)


# What zxcvbn says (in English, from zxcvbn/feedback.py), marked here so that the catalogues
# hold it; tests/accounts/test_password_words.py holds this list to the library's.
ZXCVBN_FEEDBACK = (
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Add another word or two. Uncommon words are better."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Dates are often easy to guess."),
    N_("Avoid dates and years that are associated with you."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


def zxcvbn_words(text: str) -> str:
    """One of zxcvbn's sentences in the reader's language (as it is when not in the list)."""
    return _(text) if text in ZXCVBN_FEEDBACK else text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
