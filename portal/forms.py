"""Validators shared by the blueprints' forms."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from wtforms import Field, Form, ValidationError

from portal.services.passwords import password_problem


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name the system knows, sorted, for choosing from a list."""
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(time_zone_names())


def valid_time_zone(_form: Form, field: Field) -> None:
    if field.data not in _zone_set():
        raise ValidationError("Choose a time zone from the list, such as Europe/Paris.")


def acceptable_password(_form: Form, field: Field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)
