"""The reader's language: which one a page or an email is in, and dates and numbers in it.

Every string a person reads is marked for translation: `_()` / `ngettext()` in templates,
`gettext` (`_`) / `lazy_gettext` (`_l`, for form labels and module-level text) / `ngettext`
from this module in Python. The catalogues live in translations/<code>/LC_MESSAGES; `make
translations` extracts the strings again and compiles them.

The language is the signed-in person's choice on their profile; before sign-in, the browser's
Accept-Language; an email is written in its recipient's (with `in_language`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, gettext, lazy_gettext, ngettext
from flask_login import current_user

from portal.core import config as portal_config

__all__ = [
    "_",
    "_l",
    "gettext",
    "in_language",
    "init_i18n",
    "language_of",
    "lazy_gettext",
    "ngettext",
    "reader_language",
]

_ = gettext
_l = lazy_gettext

DEFAULT_LANGUAGE = "en"


def language_of(code: str | None) -> str:
    """`code` if the portal speaks it, else the default: a stored choice may outlive a language."""
    if code and code in current_app.config["LANGUAGES"]:
        return code
    return DEFAULT_LANGUAGE


def select_language() -> str:
    """The signed-in person's language, else the browser's best match, else English."""
    if has_request_context():
        if current_user and current_user.is_authenticated:
            chosen = getattr(current_user, "language", "") or ""
            if chosen in current_app.config["LANGUAGES"]:
                return chosen
        best = request.accept_languages.best_match(list(current_app.config["LANGUAGES"]))
        if best:
            return best
    return DEFAULT_LANGUAGE


def reader_language() -> str:
    """The code of the language this page or email is being written in ("en", "de")."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Write what follows (an email, a calendar file) in `code`, the reader's language."""
    with force_locale(language_of(code)):
        yield


def init_i18n(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(portal_config.PROJECT_ROOT / "translations")
    )
    Babel(app, locale_selector=select_language)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(reader_language=reader_language)
