"""Jinja filters and globals: dates and times always in the reader's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, g, has_request_context
from flask_login import current_user
from markupsafe import Markup, escape

from portal.core.i18n import _, reader_language
from portal.core.links import absolute_url
from portal.core.words import noun, plural

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"


def reader_zone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.time_zone
    return "UTC"


def _zone_of(zone: str | None) -> ZoneInfo:
    if zone:
        return ZoneInfo(zone)
    if not has_request_context():
        return ZoneInfo(reader_zone())
    # The reader's zone, looked up once a request (a dashboard formats hundreds of times).
    if "reader_zone_info" not in g:
        g.reader_zone_info = ZoneInfo(reader_zone())
    return g.reader_zone_info


def local_today(now: datetime) -> date:
    """The reader's date at `now` (in their time zone)."""
    return now.astimezone(_zone_of(None)).date()


# Date shapes per language, as Babel patterns. English keeps strftime (the fastest path, and
# month names that do not depend on the machine's locale); the zone's abbreviation is the tz
# database's ("CET") in every language.
DATE_PATTERNS: dict[str, dict[str, str]] = {
    "de": {
        "long_date": "EEEE, d. MMMM y",
        "short_date": "d. MMM y",
        "long_datetime": "EEEE, d. MMMM y, HH:mm",
        "short_datetime": "d. MMM y, HH:mm",
    },
}


def _in_reader_language(value: date | datetime, shape: str) -> str | None:
    """`value` in the reader's language's `shape`, or None for English (strftime)."""
    language = reader_language()
    patterns = DATE_PATTERNS.get(language)
    if patterns is None:
        return None
    return format_datetime(value, patterns[shape], locale=language)


def local_datetime(moment: datetime | None, zone: str | None = None) -> str:
    """ "Monday 7 December 2026, 09:00 CET" in the given zone, else the reader's."""
    if moment is None:
        return ""
    local = moment.astimezone(_zone_of(zone))
    translated = _in_reader_language(local, "long_datetime")
    if translated is not None:
        return f"{translated} {local:%Z}"
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z}"


def short_datetime(moment: datetime | None, zone: str | None = None) -> str:
    """ "7 Dec 2026, 09:00" in the given zone, else the reader's."""
    if moment is None:
        return ""
    local = moment.astimezone(_zone_of(zone))
    translated = _in_reader_language(local, "short_datetime")
    if translated is not None:
        return translated
    return f"{local.day} {local:%b %Y, %H:%M}"


def local_time(moment: datetime | None, zone: str | None = None) -> str:
    """ "09:05": the time of day in the given zone, else the reader's."""
    if moment is None:
        return ""
    return f"{moment.astimezone(_zone_of(zone)):%H:%M}"


def _as_datetime(day: date | datetime) -> datetime:
    return day if isinstance(day, datetime) else datetime(day.year, day.month, day.day)


def long_date(day: date | datetime | None) -> str:
    """ "Monday 7 December 2026" ("Montag, 7. Dezember 2026"): the date as given."""
    if day is None:
        return ""
    translated = _in_reader_language(_as_datetime(day), "long_date")
    if translated is not None:
        return translated
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(day: date | datetime | None) -> str:
    """ "3 Dec 2026" (the date as given: convert an instant to its zone first)."""
    if day is None:
        return ""
    translated = _in_reader_language(_as_datetime(day), "short_date")
    if translated is not None:
        return translated
    return f"{day.day} {day:%b %Y}"


def iso_instant(moment: datetime) -> str:
    """The machine-readable value for <time datetime>."""
    return moment.isoformat(timespec="minutes")


def new_tab_hint() -> Markup:
    """The hidden " (opens in a new tab)" after a link that opens one, in the reader's
    language (so it is made for each page, never once at import)."""
    return Markup('<span class="visually-hidden"> {0}</span>').format(_("(opens in a new tab)"))


def external_link(url: str | None, text: str | Markup, *, nofollow: bool = False) -> Markup:
    """A link out of the portal: a new tab, no opener, no referrer, and a hidden "(opens in a
    new tab)" for screen readers. Anything but an http(s) address gives the text alone.
    `nofollow` for addresses people typed (messages), which the portal does not vouch for."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return escape(text)
    rel = "noopener noreferrer nofollow" if nofollow else "noopener noreferrer"
    return Markup('<a href="{0}" target="_blank" rel="{1}">{2}{3}</a>').format(
        url, rel, text, new_tab_hint()
    )


def message_text(text: str | None) -> Markup:
    """Plain text as safe HTML: everything escaped, http(s) links made clickable.

    Line breaks are kept by CSS (white-space: pre-wrap) rather than <br>.
    """
    if not text:
        return Markup("")
    parts: list[Markup] = []
    position = 0
    for match in _URL.finditer(text):
        raw = match.group(0)
        url = raw.rstrip(_TRAILING)
        # Keep a closing bracket that closes one inside the link (Wikipedia-style).
        while len(url) < len(raw) and raw[len(url)] == ")" and url.count("(") > url.count(")"):
            url += ")"
        if not urlsplit(url).hostname:
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(external_link(url, url, nofollow=True))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_datetime=local_datetime,
        short_datetime=short_datetime,
        local_time=local_time,
        long_date=long_date,
        short_date=short_date,
        iso_instant=iso_instant,
        message_text=message_text,
    )
    # Emails build their links in the template, from the data they are given: absolute_url
    # binds to BASE_URL, so it works in a worker job as in a request.
    app.jinja_env.globals.update(
        plural=plural,
        noun=noun,
        reader_zone=reader_zone,
        absolute_url=absolute_url,
        external_link=external_link,
        new_tab_hint=new_tab_hint,
    )
