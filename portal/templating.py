"""Jinja filters and globals: dates and times always in the reader's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user


def reader_zone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.time_zone
    return "UTC"


def _zone_of(zone: str | None) -> ZoneInfo:
    return ZoneInfo(zone or reader_zone())


def local_datetime(moment: datetime | None, zone: str | None = None) -> str:
    """ "Monday 7 December 2026, 09:00 CET" in the given zone, else the reader's."""
    if moment is None:
        return ""
    local = moment.astimezone(_zone_of(zone))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z}"


def short_datetime(moment: datetime | None, zone: str | None = None) -> str:
    """ "7 Dec 2026, 09:00" in the given zone, else the reader's."""
    if moment is None:
        return ""
    local = moment.astimezone(_zone_of(zone))
    return f"{local.day} {local:%b %Y, %H:%M}"


def long_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    return f"{day:%A} {day.day} {day:%B %Y}"


def iso_instant(moment: datetime) -> str:
    """The machine-readable value for <time datetime>."""
    return moment.isoformat(timespec="minutes")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_datetime=local_datetime,
        short_datetime=short_datetime,
        long_date=long_date,
        iso_instant=iso_instant,
    )
    app.jinja_env.globals.update(plural=plural, reader_zone=reader_zone)

    @app.context_processor
    def _site() -> dict:
        return {"dev_mailbox": bool(app.config.get("DEV_MAILBOX"))}
