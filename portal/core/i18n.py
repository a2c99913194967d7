"""The reader's language: which one a page or an email is in, and dates and numbers in it.

Every string a person reads is marked for translation: `_()` / `ngettext()` in templates,
`gettext` (`_`) / `lazy_gettext` (`_l`, for form labels and module-level text) / `ngettext`
from this module in Python. The catalogues live in translations/<code>/LC_MESSAGES; `make
translations` extracts the strings again and compiles them, and tests/core/test_translations.py
fails on any string a shipped language lacks.

The language is the signed-in person's choice (their profile, or the language switch in every
page's footer, saved on users.language); before sign-in, the switch's cookie (`portal_language`),
else the browser's Accept-Language. The JSON API always answers in English (its problem details
reuse the forms' validators). An email is written in its recipient's language (`in_language`).
Numbers go through `format_number` / `format_decimal` (the `number` filter in templates), so
"2,000" reads "2.000" in German.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import Any

from babel import Locale, numbers, support
from flask import Flask, Request, current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations, lazy_gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.i18n import messages_path

from portal.core import config as portal_config
from portal.core.problems import is_api_request

__all__ = [
    "_",
    "LANGUAGE_COOKIE",
    "N_",
    "_",
    "_l",
    "format_decimal",
    "format_number",
    "gettext",
    "in_language",
    "init_i18n",
    "language_choices",
    "language_of",
    "language_without_database",
    "lazy_number",
    "lazy_gettext",
    "ngettext",
    "reader_language",
    "remember_language",
]


def _translations() -> support.NullTranslations:
    """The catalogue of the language in force, found once per language per request (or email).
    Flask-Babel finds it anew for every string (its domain, context, locale and cache key),
    which a page of a hundred strings pays a hundred times. Kept beside Flask-Babel's own
    locale and valid while that is the same object: `force_locale` (`in_language`) puts
    another in place, and the original back."""
    if not g:  # no app context: Flask-Babel's own answer (no translation)
        return get_translations()
    state = g.get("_flask_babel")
    if state is not None:
        found = getattr(state, "portal_translations", None)
        locale = getattr(state, "babel_locale", None)
        if found is not None and locale is not None and found[0] is locale:
            return found[1]
    translations = get_translations()
    state = g.get("_flask_babel")
    if state is not None:
        state.portal_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def gettext(string: str, **variables: Any) -> str:
    """`string` in the reader's language, with `variables` put in (`%(name)s`)."""
    text = _translations().ugettext(string)
    return text if not variables else text % variables


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or the plural, as the reader's language counts `num` (`%(num)d`)."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


_ = gettext
_l = lazy_gettext

DEFAULT_LANGUAGE = "en"
# The language a visitor chose before signing in (the footer's switch): a code of LANGUAGES.
LANGUAGE_COOKIE = "portal_language"
LANGUAGE_COOKIE_LIFETIME = timedelta(days=365)


def N_(text: str) -> str:
    """Mark `text` for extraction only: it is translated later, with `_(text)` (such as the
    feedback of a library that speaks English)."""
    return text


def language_of(code: str | None) -> str:
    """`code` if the portal speaks it, else the default: a stored choice may outlive a language."""
    languages = current_app.config["LANGUAGES"]
    return code if code is not None and code in languages else DEFAULT_LANGUAGE


def language_choices() -> list[tuple[str, str]]:
    """The portal's languages as (code, name), each named in itself ("Deutsch")."""
    return list(current_app.config["LANGUAGES"].items())


def select_language() -> str:
    """The signed-in person's language, else the one the visitor chose with the switch (its
    cookie), else the browser's best match, else English. The JSON API answers in English."""
    if not has_request_context() or is_api_request():
        return DEFAULT_LANGUAGE
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "language", "") or ""
        if chosen in languages:
            return chosen
    return _visitor_language()


def _visitor_language() -> str:
    """The switch's cookie, else the browser's best match, else English."""
    languages = current_app.config["LANGUAGES"]
    remembered = request.cookies.get(LANGUAGE_COOKIE, "")
    if remembered in languages:
        return remembered
    best = request.accept_languages.best_match(list(languages))
    return best or DEFAULT_LANGUAGE


def language_without_database() -> str:
    """The language of a page that must not ask the database who is signed in (the 500 page):
    the one this request has already settled on, else the visitor's (cookie, browser)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    settled = getattr(g.get("_flask_babel"), "babel_locale", None)  # Flask-Babel's cache
    if isinstance(settled, Locale):
        return settled.language
    return _visitor_language()


def remember_language(response: Response, code: str) -> None:
    """Keep the visitor's choice in a cookie (for the pages before sign-in, and after it)."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language_of(code),
        max_age=int(LANGUAGE_COOKIE_LIFETIME.total_seconds()),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


def reader_language() -> str:
    """The code of the language this page or email is being written in ("en", "de")."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Write what follows (an email, a calendar file) in `code`, the reader's language."""
    with force_locale(language_of(code)):
        yield


def _number_locale() -> Locale | str:
    # Outside an app (a script, a test of a plain function) numbers are written in English.
    return get_locale() or DEFAULT_LANGUAGE


def format_number(number: Any) -> str:
    """A number in the reader's language: 2,000 (English), 2.000 (German)."""
    return numbers.format_decimal(number, locale=_number_locale())


def lazy_number(number: Any) -> LazyString:
    """`format_number(number)` when it is shown: for a lazy text made at import,
    `_l("Up to %(max)s characters.", max=lazy_number(2000))`."""
    return LazyString(format_number, number)


def format_decimal(number: Any, format: str | None = None) -> str:  # noqa: A002 - Babel's name
    """A number in the reader's language with a Babel pattern, such as "#,##0.#": 1.5 / 1,5."""
    return numbers.format_decimal(number, format=format, locale=_number_locale())


@lru_cache(maxsize=16)
def _wtforms_catalogue(language: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class PortalRequest(Request):
    """Flask's request, with WTForms' own messages ("Not a valid date value.") found once per
    language and process: Flask-WTF reads `request.wtforms_translations` when it is set, and
    would otherwise load WTForms' catalogue from its file on every request that makes a form."""

    @cached_property
    def wtforms_translations(self) -> support.NullTranslations:
        locale = get_locale()
        return _wtforms_catalogue(str(locale) if locale is not None else DEFAULT_LANGUAGE)


def init_i18n(app: Flask) -> None:
    app.request_class = PortalRequest
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(portal_config.PROJECT_ROOT / "translations")
    )
    Babel(app, locale_selector=select_language)
    # Templates' `_()`, `ngettext()` and `{% trans %}` read the same cached catalogue.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n adds it
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(reader_language=reader_language, language_choices=language_choices)
    app.jinja_env.filters.update(number=format_number)
