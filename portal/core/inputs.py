"""One validator per kind of input: a person's name, a single line of text, a longer text, an
email address, a web address and a joining date. Forms (through `core/forms.py`), the command
line and the API all use these, so a value is cleaned the same way whichever door it came in
by, and what is stored is safe to put in an email header, a subject or a calendar line.

Each function returns the value as it is to be stored, or raises `InputError` with a message for
the person who typed it, in the reader's language (the JSON API and the command line read
English). `what` names the value in the messages with its article ("the job title"): pass it
translated (`_l("the job title")`). German puts it where the accusative goes ("Bitte geben Sie
den Namen ein", "Für die Berufsbezeichnung sind höchstens …"), so its German is written in the
accusative: "den Standort", "einen Titel".
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email

from portal.core.i18n import _, format_number

# The column sizes (people.models.User keeps its columns this long; a test holds them together).
NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254
URL_MAX_LENGTH = 2000
_WEB_PORTS = {"http": 80, "https": 443}
# How far a joining date may lie from today: further is almost surely a mistyped year.
JOINING_DAYS_BACK = 365  # for a backdated record only
JOINING_DAYS_AHEAD = 730

# Zero-width (non-)joiner: invisible, but Persian, Arabic and the Indic scripts need them to spell
# some names. Every other format character (bidi overrides, zero-width spaces, soft hyphens, the
# byte-order mark) is dropped: it changes how text looks or reads, never what it says.
_JOINERS = frozenset("\u200c\u200d")
# Where str.splitlines() breaks a line: inside a longer text these all become "\n".
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_REPLACEMENT = "\ufffd"


class InputError(ValueError):
    """Input that cannot be used, with a message in words for the person who typed it.

    `empty` says that nothing was left once the input was cleaned: a form with an optional
    field takes that as "not given", and a required one says its own "Enter …" message.
    """

    def __init__(self, message: str, *, empty: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.empty = empty


def _single_line_char(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp"):  # controls (tab, CR, LF, NUL, NEL…) and separators
        return " "
    if category == "Cf":
        return char if char in _JOINERS else ""
    if category == "Cs":  # half a character (the command line's undecodable bytes)
        return _REPLACEMENT
    return char


def single_line(value: str) -> str:
    """`value` as one tidy line, refusing nothing: every line or paragraph break, tab and
    control character becomes a space, invisible format characters go, runs of spaces (of any
    kind) become one, the ends are trimmed, and accents are composed (NFC)."""
    if not (value.isascii() and value.isprintable()):
        value = "".join(_single_line_char(char) for char in value)
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def _unreadable(value: str) -> bool:
    return any(unicodedata.category(char) == "Cs" for char in value)


def _capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


def _names(what: object) -> dict[str, str]:
    """`what` for the messages: as given, and capitalised to begin a sentence."""
    return {"what": str(what), "What": _capitalised(str(what))}


def _too_long(what: object, max_length: int, length: int) -> InputError:
    return InputError(
        _(
            "%(What)s has at most %(max)s characters (%(now)s now).",
            max=format_number(max_length),
            now=format_number(length),
            **_names(what),
        )
    )


def one_line(value: str, *, max_length: int, what: str) -> str:
    """A single line of text (a title, a subject, a place) as stored, or InputError. `what`
    names it in the messages, with its article: `_l("the job title")`."""
    if _unreadable(value):
        raise InputError(_("%(What)s has characters that could not be read.", **_names(what)))
    text = single_line(value)
    if not text:
        raise InputError(_("Enter %(what)s.", **_names(what)), empty=True)
    if len(text) > max_length:
        raise _too_long(what, max_length, len(text))
    return text


def person_name(value: str) -> str:
    """A person's name as stored: one clean line (see `single_line`) of at most
    NAME_MAX_LENGTH characters with at least one letter, in any script, or InputError."""
    text = one_line(value, max_length=NAME_MAX_LENGTH, what=_("a name"))
    if not any(char.isalpha() for char in text):
        raise InputError(_("A name needs at least one letter."))
    return text


def _multi_line_char(char: str) -> str:
    if char in _LINE_BREAKS:
        return "\n"
    category = unicodedata.category(char)
    if category == "Cc" and char != "\t":
        return ""
    if category == "Cs":
        return _REPLACEMENT
    return char


def plain_text(value: str) -> str:
    """`value` as tidy plain text, refusing nothing: every kind of line break one "\\n", control
    characters other than tab gone, accents composed (NFC). Nothing is trimmed."""
    value = value.replace("\r\n", "\n")
    if value.isascii() and value.isprintable():
        return value
    value = "".join(_multi_line_char(char) for char in value)
    return unicodedata.normalize("NFC", value)


def multi_line(value: str, *, max_length: int) -> str:
    """A longer plain text (a message, a comment, details) as stored: `plain_text`, with the
    blank space around it trimmed. It may come back empty; the caller says whether that is
    allowed. InputError when it is longer than `max_length` characters."""
    text = plain_text(value).strip()
    if len(text) > max_length:
        raise InputError(
            _(
                "Keep it to %(max)s characters or fewer (%(now)s now).",
                max=format_number(max_length),
                now=format_number(len(text)),
            )
        )
    return text


def email_address(value: str) -> str:
    """An email address as stored and looked up: a bare address (no name, no angle brackets, no
    line breaks), its domain in the ASCII form mail servers read, all lower case; or InputError.

    Addresses with accented letters before the @ are refused: few mail servers accept them, and
    a message that cannot be sent helps nobody. Accented domains are kept, spelled in ASCII
    (müller.de is stored as xn--mller-kva.de)."""
    text = value.strip()
    if not text:
        raise InputError(_("Enter an email address."), empty=True)
    local = text.rpartition("@")[0]
    if local and not local.isascii():
        raise InputError(
            _("Use an address with only unaccented letters, digits and . _ - + before the @.")
        )
    try:
        checked = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError:
        raise InputError(_("Enter an email address like name@example.com.")) from None
    address = (checked.ascii_email or checked.normalized).lower()
    if len(address) > EMAIL_MAX_LENGTH:
        raise InputError(
            _(
                "An email address has at most %(max)s characters.",
                max=format_number(EMAIL_MAX_LENGTH),
            )
        )
    return address


def web_address(value: str, *, what: str | None = None) -> str:
    """An http(s) address as stored and compared: trimmed, its scheme and server name in lower
    case (an accented server name in the ASCII form DNS reads), the default port and any
    #fragment left out; or InputError. `what` names it in the messages, with its article.

    Refused: other schemes, no server, a user name or password in it, spaces or control
    characters, a port that is not a number from 1 to 65535, more than URL_MAX_LENGTH
    characters. Whether the server may be reached (public, resolvable) is decided when it is
    fetched (core/http), not here."""
    names = _names(_("the address") if what is None else what)
    text = value.strip()
    if not text:
        raise InputError(_("Enter %(what)s.", **names), empty=True)
    if _unreadable(text) or any(char.isspace() or not char.isprintable() for char in text):
        raise InputError(
            _("%(What)s cannot contain spaces, line breaks or invisible characters.", **names)
        )
    if len(text) > URL_MAX_LENGTH:
        raise _too_long(names["what"], URL_MAX_LENGTH, len(text))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InputError(_("%(What)s is not a valid web address.", **names)) from None
    scheme = parts.scheme.lower()
    if scheme not in _WEB_PORTS:
        raise InputError(_("%(What)s must start with https:// or http://.", **names))
    if parts.username is not None or parts.password is not None:
        raise InputError(_("%(What)s must not contain a user name or password.", **names))
    host = parts.hostname
    if not host:
        raise InputError(
            _("%(What)s must name a server, as in https://news.example.com/feed.xml.", **names)
        )
    if port == 0:
        raise InputError(_("%(What)s is not a valid web address.", **names))
    try:
        host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InputError(_("%(What)s does not name a valid server.", **names)) from None
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, _WEB_PORTS[scheme]) else f"{host}:{port}"
    address = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    if len(address) > URL_MAX_LENGTH:
        raise InputError(
            _(
                "%(What)s has at most %(max)s characters.",
                max=format_number(URL_MAX_LENGTH),
                **names,
            )
        )
    return address


class PastDate(InputError):
    """A date that has passed: refused unless the person confirms a backdated record."""


def joining_date(value: date, *, today: date, backdated: bool = False) -> date:
    """A candidate's joining date as stored, or InputError. `today` is today where they join.

    A date that has passed is refused with `PastDate` unless `backdated` (HR confirmed they are
    recording someone who has already joined); a year back and two years ahead are the limits
    either way."""
    if value > today + timedelta(days=JOINING_DAYS_AHEAD):
        raise InputError(_("That is more than two years ahead. Check the year."))
    if value < today - timedelta(days=JOINING_DAYS_BACK):
        raise InputError(_("That is more than a year ago. Check the year."))
    if value < today and not backdated:
        raise PastDate(
            _(
                "That date has passed (today is %(today)s where they join). Choose today or a "
                "later day, or tick “This is a backdated record” for someone who has already "
                "joined.",
                today=today.isoformat(),
            )
        )
    return value
