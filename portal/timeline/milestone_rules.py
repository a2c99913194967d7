"""The rules a milestone meets when it is saved, whoever saves it: its fields cleaned and
checked (TimelineError names the field that is wrong), and how the audit log names it."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core import inputs
from portal.core.i18n import _, format_number, in_language
from portal.timeline.dates import MilestoneFields, when_text
from portal.timeline.models import (
    PLACE_LENGTH,
    CandidateMilestone,
    MilestoneTemplate,
    TaskKind,
)

MIN_DAYS = -365
MAX_DAYS = 365
TITLE_MAX = 120
DETAILS_MAX = 2000
PLACE_MAX = PLACE_LENGTH


@dataclass(frozen=True)
class Target:
    """Whom a template milestone reaches: the candidates joining at `location` and in
    `department`; a blank one means any."""

    location: str = ""
    department: str = ""

    @classmethod
    def of(cls, row: MilestoneTemplate) -> Target:
        return cls(row.location or "", row.department or "")


class TimelineError(ValueError):
    """A milestone that cannot be saved, with the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def clean_text(text: str, *, one_line: bool = False) -> str:
    """Plain text as it is stored: one kind of line break, no control characters, trimmed."""
    if one_line:
        return inputs.single_line(text)
    text = inputs.plain_text(text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def clean(values: MilestoneFields) -> MilestoneFields:
    """The fields as stored, or TimelineError naming the first field that is wrong."""
    title = clean_text(values.title or "", one_line=True)
    details = clean_text(values.details or "")
    if not title:
        raise TimelineError("title", _("Enter a title."))
    if len(title) > TITLE_MAX:
        raise TimelineError(
            "title",
            _("Keep the title to %(max)s characters or fewer.", max=format_number(TITLE_MAX)),
        )
    if len(details) > DETAILS_MAX:
        raise TimelineError(
            "details",
            _("Keep the details to %(max)s characters or fewer.", max=format_number(DETAILS_MAX)),
        )
    if not isinstance(values.day_offset, int) or not MIN_DAYS <= values.day_offset <= MAX_DAYS:
        raise TimelineError(
            "day_offset",
            _("Enter a number of days between %(min)d and %(max)d.", min=MIN_DAYS, max=MAX_DAYS),
        )
    if values.kind not in TaskKind._value2member_map_:
        raise TimelineError("kind", _("Choose what the candidate does: one of the choices."))
    moment = values.time_of_day
    if moment is not None:
        if moment.tzinfo is not None:
            raise TimelineError("time_of_day", _("Enter the local time at the workplace."))
        moment = moment.replace(second=0, microsecond=0)
    return MilestoneFields(
        title, values.day_offset, moment, details, bool(values.working_days), str(values.kind)
    )


def clean_target(target: Target) -> Target:
    """Whom a template milestone reaches, as stored: one tidy line each, or TimelineError."""
    cleaned = {}
    for name in ("location", "department"):
        value = clean_text(getattr(target, name) or "", one_line=True)
        if len(value) > PLACE_MAX:
            raise TimelineError(
                name,
                _("Keep it to %(max)s characters or fewer.", max=format_number(PLACE_MAX)),
            )
        cleaned[name] = value
    return Target(**cleaned)


def summary(values: MilestoneFields) -> str:
    """One line for the audit log (in English, as the log keeps it): "Joining day, 09:00:
    Reception, building B"."""
    with in_language("en"):
        when = when_text(values.day_offset, values.time_of_day, values.working_days)
    return f"{when}: {values.title}"


def subject(row: MilestoneTemplate | CandidateMilestone) -> str:
    """Which milestone an audit entry is about, as it was before the change."""
    with in_language("en"):
        when = when_text(row.day_offset, row.time_of_day, row.working_days)
    return f"Milestone “{row.title}” ({when})"
