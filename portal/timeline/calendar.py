"""The joining day as an iCalendar (RFC 5545) event, and its SEQUENCE.

The event keeps one UID per candidate for its whole life; every saved change to the joining
details (date, time, zone, location, reception instructions) or to the first day
(timeline.day_one: address, reception, what to bring, dress code, agenda) raises its SEQUENCE
once, so a calendar that imports the new file replaces the old event instead of adding a
second one.
Telling the candidate is `timeline.joining_mail`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.core.i18n import _, in_language
from portal.people import audit
from portal.people.models import CandidateProfile, User
from portal.timeline import day_one, joining

FILENAME = "first-day.ics"
# method=PUBLISH tells mail clients that the attachment is an event to add, not an invitation.
ATTACHMENT_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"
EVENT_LENGTH = timedelta(hours=1)
PRODID = "-//Pre-boarding portal//Joining day//EN"
# The VTIMEZONE holds the zone's rules this far either side of the event: enough for any client
# to place it, without decades of transitions in every file.
ZONE_RULES_SPAN = timedelta(days=366)


def _profile(candidate: User) -> CandidateProfile:
    if candidate.candidate_profile is None:
        raise ValueError(f"{candidate!r} is not a candidate: there is no joining day")
    return candidate.candidate_profile


def event_uid(candidate: User) -> str:
    """The event's UID: the same for this candidate in every file, whatever changes."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"joining-{candidate.id}@{host}"


def active_recruiter(profile: CandidateProfile) -> User | None:
    """The candidate's recruiter, unless there is none or their account is closed."""
    recruiter = profile.recruiter
    return recruiter if recruiter is not None and recruiter.is_active else None


def where(details: joining.JoiningDetails, day: day_one.DayOne) -> str:
    """The event's LOCATION: the place and its address on one line, as calendars show it."""
    parts = [details.location] if details.location else []
    parts += [line.strip() for line in day.address.splitlines() if line.strip()]
    return ", ".join(parts)


def _description(
    profile: CandidateProfile,
    details: joining.JoiningDetails,
    day: day_one.DayOne,
    portal_link: str,
) -> str:
    lines = []
    place = where(details, day)
    if place:
        lines.append(_("Where: %(place)s", place=place))
    if day.map_url:
        lines.append(_("Map: %(url)s", url=day.map_url))
    if day.ask_for:
        lines.append(_("At reception: %(who)s", who=day.ask_for))
    if details.reception_instructions:
        if not day.ask_for:
            lines.append(_("At reception:"))
        lines.append(details.reception_instructions)
    if day.bring:
        lines += [_("What to bring:"), *(f"- {item}" for item in day.bring)]
    if day.dress_code:
        lines.append(_("Dress code: %(code)s", code=day.dress_code))
    if day.agenda:
        lines.append(_("The day:"))
        lines += [
            f"{item.at:%H:%M} {item.what}" if item.at else f"- {item.what}" for item in day.agenda
        ]
    if lines:
        lines.append("")
    recruiter = active_recruiter(profile)
    if recruiter is None:
        lines.append(_("Questions before your first day? Ask them in your pre-boarding portal."))
    else:
        lines.append(
            _("Questions before your first day? Ask your recruiter, %(name)s:", name=recruiter.name)
        )
        lines.append(_("Email: %(email)s", email=recruiter.email))
        if recruiter.phone:
            lines.append(_("Phone: %(phone)s", phone=recruiter.phone))
    lines += ["", _("Your pre-boarding portal: %(link)s", link=portal_link)]
    return "\n".join(lines)


def joining_event(candidate: User, portal_link: str, now: datetime | None = None) -> str:
    """The candidate's joining day as VCALENDAR text: one VEVENT and the VTIMEZONE it uses.

    `portal_link` is the candidate's portal address, given by the caller (links belong to the
    views), for the event's URL and description. Written in the candidate's language."""
    with in_language(getattr(candidate, "language", None)):
        return _joining_event(candidate, portal_link, now)


def _joining_event(candidate: User, portal_link: str, now: datetime | None) -> str:
    profile = _profile(candidate)
    details = joining.joining_details(profile)
    day = day_one.day_one_for(candidate)
    starts = details.starts_at
    # An hour of elapsed time, even on a night when the clocks change.
    ends = (starts.astimezone(UTC) + EVENT_LENGTH).astimezone(starts.tzinfo)

    event = Event()
    event.add("uid", event_uid(candidate))
    event.add("dtstamp", (now or utcnow()).astimezone(UTC))
    event.add("sequence", profile.calendar_sequence)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", _("First day at your new job as %(job)s", job=profile.job_title))
    place = where(details, day)
    if place:
        event.add("location", place)
    event.add("description", _description(profile, details, day, portal_link))
    event.add("url", portal_link)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    # DTSTART names the workplace zone by its IANA TZID; RFC 5545 wants its rules in the file.
    # (UTC itself needs none: icalendar writes such times with a Z.)
    calendar.add_missing_timezones(
        first_date=starts.date() - ZONE_RULES_SPAN, last_date=starts.date() + ZONE_RULES_SPAN
    )
    return calendar.to_ical().decode("utf-8")


def raise_sequence(candidate: User, actor: User | None) -> int:
    """Raise the event's SEQUENCE once, for one saved change to the joining details, and put it
    in the audit log. Returns the new SEQUENCE."""
    profile = _profile(candidate)
    # Raised in SQL: two edits at once can never hand out the same SEQUENCE.
    profile.calendar_sequence = CandidateProfile.calendar_sequence + 1
    db.session.flush()
    sequence = profile.calendar_sequence  # read back after the UPDATE
    audit.record(actor, "calendar.updated", candidate, "calendar_sequence", sequence - 1, sequence)
    return sequence
