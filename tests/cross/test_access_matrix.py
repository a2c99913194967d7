"""The access matrix: every route of the URL map, asked by every kind of visitor.

Rules: a candidate sees only their own data, a recruiter only their assigned candidates, HR
everyone. Anything out of scope (another person's record, another role's pages) answers 404;
an anonymous visitor of a protected page is sent to /sign-in?next=<the page>. Public pages
answer the same for everyone.

MATRIX maps (endpoint, method) to rows; a row names the URL arguments (people of the cast,
"missing", a link token...), optionally the form to send, and the expected answer for each
persona, in PERSONAS order. A meta-test fails when a route of the URL map has no entry, or an
entry no longer matches a route.

Speed and isolation: Jinja compiles templates once per app, which costs more than a request, so
this module keeps one app (and one with the development mailbox) for all its cases. A case
expected to change nothing (every GET, and every refused POST) runs against a shared, signed-in
cast and must leave every table exactly as it found it; a case expected to change something runs
against a fresh cast (the `people` fixture) that is emptied afterwards.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from portal import create_app
from portal.accounts import tokens
from portal.accounts.models import AuthSession, TokenPurpose, UserToken
from portal.api import tokens as api_tokens
from portal.core import clock, rate_limits
from portal.core.extensions import db
from portal.core.models import Base
from portal.mail.models import OutgoingEmail
from portal.news.models import Announcement, Feed, FeedEntry
from portal.people.models import Role, StaffAbsence, User
from portal.questions.models import CandidateNote, FaqEntry, Message, SavedReply
from portal.team import photos as team_photos
from portal.team.models import ManagerWelcome, TeamMember, TeamPhoto
from portal.timeline import checklist, document_checks
from portal.timeline.models import CandidateMilestone, DayOnePlan, MilestoneTemplate, TaskKind
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint, WebhookMessage
from tests import support

PERSONAS = ("anonymous", "candidate_a", "candidate_b", "recruiter_a", "recruiter_b", "hr")
HOMES = {
    "candidate_a": "/candidate/",
    "candidate_b": "/candidate/",
    "recruiter_a": "/recruiter/",
    "recruiter_b": "/recruiter/",
    "hr": "/hr/",
}
NEW_PASSWORD = "a brand new passphrase 2024"
BOGUS_TOKEN = "this-link-was-never-issued-0123456789abcdef"
MISSING_ID = 999_999_999  # no row has this id: the "missing" person or email
LINK_PURPOSES = {"invitation": TokenPurpose.INVITATION, "reset": TokenPurpose.PASSWORD_RESET}


# --- Expected answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Go:
    """A 302 and where it must point. `path` may name people ("{candidate_a}") or "{home}"."""

    path: str
    next: bool = False  # the login wall: ?next=<the requested path>, nothing else
    regex: bool = False

    def __str__(self) -> str:
        return f"302 to {self.path}" + ("?next=<requested path>" if self.next else "")


LOGIN = Go("/sign-in", next=True)  # anonymous visitor of a protected page
SIGN_IN = Go("/sign-in")
HOME = Go("{home}")  # the persona's own home
CANDIDATE_HOME = Go("/candidate/")
NEW_PERSON = Go(r"/hr/people/\d+", regex=True)
Expect = int | Go
REFUSED = (401, 404, LOGIN)  # answers that must change nothing


def everyone(expect: Expect) -> tuple[Expect, ...]:
    return (expect,) * len(PERSONAS)


@dataclass(frozen=True)
class Row:
    expect: tuple[Expect, ...]
    args: dict[str, str] = field(default_factory=dict)  # URL argument -> World.ref name
    data: Callable[[World], dict[str, str]] | None = None  # the form, for POST
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or "+".join(self.args.values())


def row(
    expect: tuple[Expect, ...],
    label: str = "",
    data: Callable[[World], dict[str, str]] | None = None,
    **args: str,
) -> Row:
    return Row(expect=expect, args=args, data=data, label=label)


# --- Forms sent by POST rows ----------------------------------------------------------------


def _sign_in_right(w: World) -> dict[str, str]:
    return {"email": w.emails["candidate_a"], "password": support.PASSWORD}


def _sign_in_wrong(w: World) -> dict[str, str]:
    return {"email": w.emails["candidate_a"], "password": "not the password at all"}


def _language(_w: World) -> dict[str, str]:
    return {"language": "de", "next": "/"}


def _language_unknown(_w: World) -> dict[str, str]:
    return {"language": "xx", "next": "/"}


def _new_password(_w: World) -> dict[str, str]:
    return {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


def _change_password(_w: World) -> dict[str, str]:
    return {"current": support.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


def _forgot_password(w: World) -> dict[str, str]:
    return {"email": w.emails["candidate_a"]}


def _candidate_form(name: str, email: str, recruiter_id: int) -> dict[str, str]:
    return {
        "name": name,
        "email": email,
        "time_zone": "Europe/Paris",
        "job_title": "Product Designer",
        "department": "Design",
        "location": "Lyon",
        "joining_date": (date.today() + timedelta(days=30)).isoformat(),
        "joining_time": "09:30",
        "joining_time_zone": "Europe/Paris",
        "recruiter_id": str(recruiter_id),
    }


def _new_candidate(w: World) -> dict[str, str]:
    return _candidate_form("Nora New", "nora.new@example.com", w.ids["recruiter_a"])


def _edit_candidate_a(w: World) -> dict[str, str]:
    form = _candidate_form("Alice Renamed", w.emails["candidate_a"], w.ids["recruiter_a"])
    return {**form, "notify_confirmed": "1"}  # "Save and email": the joining details change


def _offers_file(w: World) -> dict:
    """HR's CSV of offers (accounts.offer_import): one valid row, previewed, nothing created."""
    day = (date.today() + timedelta(days=30)).isoformat()
    text = "name,email,job title,joining date,joining time,location,department,recruiter\n"
    recruiter = w.emails["recruiter_a"]
    text += f"Olga Offer,olga@example.com,Analyst,{day},09:30,Lyon,Finance,{recruiter}"
    return {"file": (io.BytesIO(text.encode() + b"\n"), "offers.csv")}


def _new_staff(_w: World) -> dict[str, str]:
    return {
        "name": "Sam Staff",
        "email": "sam.staff@example.com",
        "role": "recruiter",
        "time_zone": "UTC",
        "phone": "",
    }


def _edit_recruiter_b(w: World) -> dict[str, str]:
    return {
        "name": "Bob Renamed",
        "email": w.emails["recruiter_b"],
        "time_zone": "UTC",
        "phone": "+1 555 0100",
    }


def _message(_w: World) -> dict[str, str]:
    return {"body": "When do I get my laptop?", "client_key": uuid.uuid4().hex}


def _pulse(_w: World) -> dict[str, str]:
    return {"score": "4", "comment": "Looking forward to it."}


def _pulse_wrong(_w: World) -> dict[str, str]:
    return {"score": "9", "comment": ""}


def _weekly_summary(_w: World) -> dict[str, str]:
    return {"preference": "weekly_summary"}


def _no_such_preference(_w: World) -> dict[str, str]:
    return {"preference": "every hour"}


EMAIL_SETTINGS = Go("/candidate/email-preferences")


def _reassign_to_b(w: World) -> dict[str, str]:
    return {"recruiter_id": str(w.ids["recruiter_b"])}


def _api_token_form(_w: World) -> dict[str, str]:
    return {"name": "ATS sync"}


API_TOKENS = Go("/account/api-tokens")


def _faq_form(_w: World) -> dict[str, str]:
    return {"question": "Is there parking?", "answer": "Yes, in building B.", "published": "y"}


def _close(w: World) -> dict[str, str]:
    """Mark candidate A's thread "no reply needed" up to their question."""
    return {"through": str(w.ref("question_a"))}


THREAD_A = Go("/recruiter/candidates/{candidate_a}/questions")
HR_THREAD_A = Go("/hr/people/{candidate_a}/questions")
THREAD_B = Go("/recruiter/candidates/{candidate_b}/questions")
MY_QUESTIONS = Go("/candidate/questions")
FAQ = Go("/faq/")


def _milestone_form(_w: World) -> dict[str, str]:
    return {"title": "Laptop pick-up", "day_offset": "-2", "time_of_day": "16:00", "details": ""}


def _day_one_form(_w: World) -> dict[str, str]:
    return {
        "location": "Lisbon",
        "address": "Rua Augusta 1\n1100-048 Lisboa",
        "ask_for": "Ask for Inês at the front desk",
        "bring": "Your ID card",
        "dress_code": "Casual",
        "agenda": "09:30 Welcome coffee",
    }


def _profile(_w: World) -> dict[str, str]:
    return {
        "preferred_name": "Ali",
        "pronouns": "she/her",
        "language": "en",
        "time_zone": "Europe/Berlin",
        "mail_preference": "everything",
    }


def _profile_unknown_zone(w: World) -> dict[str, str]:
    return {**_profile(w), "time_zone": "Mars/Olympus"}


PROFILE = Go("/candidate/profile")


def _confirmed(_w: World) -> dict[str, str]:
    """The yes of a destructive action's confirmation page (core/forms.ask_first)."""
    return {"confirmed": "1"}


def _pin(_w: World) -> dict[str, str]:
    return {"flag": "pinned", "value": "1"}


def _audience(_w: World) -> dict[str, str]:
    return {"departments": "Sales, Design", "locations": ""}


def _feed_form(_w: World) -> dict[str, str]:
    """HR's feed form (news.feed_views): a new address, so that it may be saved."""
    return {
        "name": "Lyon office news",
        "url": "https://lyon.example.com/feed.xml",
        "departments": "",
        "locations": "Lyon",
        "max_items": "20",
        "enabled": "y",
    }


NEWS_FEEDS = Go("/hr/news")


def _announcement_form(_w: World) -> dict[str, str]:
    """HR's announcement form (news.announcement_views), published now."""
    return {"title": "Parking from Monday", "body": "Use **building B**.", "action": "publish"}


ANNOUNCEMENTS = Go("/hr/news/announcements")


def _webhook_form(_w: World) -> dict[str, str]:
    return {
        "url": "https://ats.example.com/hooks/portal",
        "description": "ATS",
        "event_types": "question.asked",
        "recruiter_id": "0",
    }


WEBHOOK_PAGE = Go(r"/hr/webhooks/\d+", regex=True)
# A one-button action on an endpoint: enable it, send a test event (disable and rotate ask first).
WEBHOOK_ACTION = (
    row((LOGIN, 404, 404, 404, 404, WEBHOOK_PAGE), endpoint_id="webhook"),
    row((LOGIN, 404, 404, 404, 404, 404), endpoint_id="missing"),
)

PARKED_MAIL = Go("/hr/mail/parked")


def _renege(_w: World) -> dict[str, str]:
    return {"outcome": "reneged", "reason": "Took another offer"}


HR_OUTCOME_A = Go("/hr/people/{candidate_a}/outcome")
OUTCOME_A = Go("/recruiter/candidates/{candidate_a}/outcome")
OUTCOME_B = Go("/recruiter/candidates/{candidate_b}/outcome")
NEWS_STORY = Go("/news/story")  # the entry's own link (on localhost, so the check can follow)
NEWS_ENTRIES = Go("/hr/news/entries")
TEMPLATE_LIST = Go("/hr/timeline")
DAY_ONE_LIST = Go("/hr/day-one")
DAY_ONE_A = Go("/hr/people/{candidate_a}/day-one")
TIMELINE_A = Go("/hr/people/{candidate_a}/timeline")
# A one-button action on a template milestone for one candidate: hide, show again, reset.
TEMPLATE_MILESTONE_ACTION = (
    row((LOGIN, 404, 404, 404, 404, TIMELINE_A), user_id="candidate_a", template_id="milestone"),
    row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a", template_id="milestone"),
    row((LOGIN, 404, 404, 404, 404, 404), user_id="candidate_a", template_id="missing"),
)
CHECKLIST = Go("/candidate/checklist")
CHECKLIST_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


def _document_file(_w: World) -> dict:
    """A document for an upload task (timeline.checklist_views)."""
    return {"document": (io.BytesIO(CHECKLIST_PDF), "passport.pdf")}


# A tick on a task of the candidate's checklist (timeline/test_checklist.py checks what it does):
# "task" reaches everyone, "own_task_a" is candidate_a's only.
CHECKLIST_ACTION = (
    row((LOGIN, CHECKLIST, CHECKLIST, 404, 404, 404), key="task"),
    row((LOGIN, CHECKLIST, 404, 404, 404, 404), key="own_task_a"),
    row((LOGIN, 404, 404, 404, 404, 404), key="missing"),
)


def _member_form(_w: World) -> dict[str, str]:
    return {"name": "Théo Martin", "title": "Backend engineer", "department": "Engineering"}


def _welcome_form(_w: World) -> dict[str, str]:
    return {"manager_name": "Margaux Lefèvre", "message": "Welcome to the team!"}


def _buddy_form(_w: World) -> dict[str, str]:
    return {"name": "Amina Diallo", "intro": "Ask me anything.", "email": ""}


def _add_team_member(w: World) -> dict[str, str]:
    return {"member_id": str(w.ref("team_member"))}


def _add_missing_member(_w: World) -> dict[str, str]:
    return {"member_id": str(MISSING_ID)}


TEAM_LIST = Go("/hr/team")
HR_TEAM_A = Go("/hr/people/{candidate_a}/team")
TEAM_A = Go("/recruiter/candidates/{candidate_a}/team")
TEAM_B = Go("/recruiter/candidates/{candidate_b}/team")


def _team_pages(
    endpoint: str, data: Callable[[World], dict[str, str]] | None = None, **extra: str
) -> dict[tuple[str, str], tuple[Row, ...]]:
    """One candidate's welcome, buddy and team pages (team/staff_views.py): the same view for
    HR (any candidate) and a recruiter (their own candidates only). `data`: a POST, which goes
    back to the candidate's team page."""
    method = "GET" if data is None else "POST"
    hr: Expect = 200 if data is None else HR_TEAM_A
    a_yes: Expect = 200 if data is None else TEAM_A
    b_yes: Expect = 200 if data is None else TEAM_B
    return {
        (f"hr.{endpoint}", method): (
            row((LOGIN, 404, 404, 404, 404, hr), data=data, candidate_id="candidate_a", **extra),
            row((LOGIN, 404, 404, 404, 404, 404), data=data, candidate_id="recruiter_a", **extra),
            row((LOGIN, 404, 404, 404, 404, 404), data=data, candidate_id="missing", **extra),
        ),
        (f"recruiter.{endpoint}", method): (
            row((LOGIN, 404, 404, a_yes, 404, 404), data=data, candidate_id="candidate_a", **extra),
            row((LOGIN, 404, 404, 404, b_yes, 404), data=data, candidate_id="candidate_b", **extra),
            row((LOGIN, 404, 404, 404, 404, 404), data=data, candidate_id="missing", **extra),
        ),
    }


# The recruiter's day (questions: availability_views, note_views, reply_views; the search is
# accounts/search_views): note_a is recruiter_a's note on candidate_a, absence_a recruiter_a's
# time away to come, reply_a recruiter_a's own saved reply, reply_shared one HR shares.
def _working_hours(_w: World) -> dict:
    return {
        "time_zone": "Europe/Paris",
        "weekdays": ["0", "1", "2", "3", "4"],
        "starts": "09:00",
        "ends": "17:00",
        "holiday_calendar": "",
    }


def _time_away(_w: World) -> dict[str, str]:
    first = date.today() + timedelta(days=10)
    return {
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=2)).isoformat(),
        "cover_id": "",
    }


def _note(_w: World) -> dict[str, str]:
    return {"body": "Prefers calls after 17:00."}


def _saved_reply(_w: World) -> dict[str, str]:
    return {"title": "Laptop", "body": "Hello {first_name}, your laptop is ready."}


def _insert_own_reply(w: World) -> dict[str, str]:
    return {"body": "", "client_key": uuid.uuid4().hex, "saved_reply": str(w.ref("reply_a"))}


def _insert_shared_reply(w: World) -> dict[str, str]:
    return {"body": "", "client_key": uuid.uuid4().hex, "saved_reply": str(w.ref("reply_shared"))}


MY_AVAILABILITY = Go("/recruiter/availability")
MY_REPLIES = Go("/recruiter/saved-replies")
SHARED_REPLIES = Go("/hr/saved-replies")
NOTES_A = Go("/recruiter/candidates/{candidate_a}/notes")
NOTES_B = Go("/recruiter/candidates/{candidate_b}/notes")
HR_NOTES_A = Go("/hr/people/{candidate_a}/notes")
STAFF_ONLY = (LOGIN, 404, 404, 404, 404, 404)


def _recruiters_day() -> dict[tuple[str, str], tuple[Row, ...]]:
    """Who may open the recruiter's-day pages: their own recruiter (or backup, or the colleague
    covering, tests/questions/test_cover.py), HR; never a candidate, never another recruiter."""
    return {
        ("recruiter.insert_reply", "POST"): (
            row(
                (LOGIN, 404, 404, 200, 404, 404), data=_insert_own_reply, candidate_id="candidate_a"
            ),
            # Their candidate, but not their saved reply: refused beside the field.
            row(
                (LOGIN, 404, 404, 404, 422, 404), data=_insert_own_reply, candidate_id="candidate_b"
            ),
            row(STAFF_ONLY, data=_insert_own_reply, candidate_id="missing"),
        ),
        ("hr.insert_reply", "POST"): (
            row((LOGIN, 404, 404, 404, 404, 200), data=_insert_shared_reply, user_id="candidate_a"),
            row(STAFF_ONLY, data=_insert_shared_reply, user_id="recruiter_b"),
            row(STAFF_ONLY, data=_insert_shared_reply, user_id="missing"),
        ),
        ("recruiter.availability", "GET"): (row((LOGIN, 404, 404, 200, 200, 404)),),
        ("recruiter.save_working_hours", "POST"): (
            row((LOGIN, 404, 404, MY_AVAILABILITY, MY_AVAILABILITY, 404), data=_working_hours),
        ),
        ("recruiter.plan_absence", "POST"): (
            row((LOGIN, 404, 404, MY_AVAILABILITY, MY_AVAILABILITY, 404), data=_time_away),
        ),
        ("recruiter.end_absence", "POST"): (
            row(
                (LOGIN, 404, 404, MY_AVAILABILITY, 404, 404),
                data=_confirmed,
                absence_id="absence_a",
            ),
            row(STAFF_ONLY, data=_confirmed, absence_id="missing"),
        ),
        ("hr.availability", "GET"): (
            row((LOGIN, 404, 404, 404, 404, 200), user_id="recruiter_a"),
            row(STAFF_ONLY, user_id="candidate_a"),
            row(STAFF_ONLY, user_id="hr"),
            row(STAFF_ONLY, user_id="missing"),
        ),
        ("hr.save_working_hours", "POST"): (
            row(
                (LOGIN, 404, 404, 404, 404, Go("/hr/people/{recruiter_a}/availability")),
                data=_working_hours,
                user_id="recruiter_a",
            ),
            row(STAFF_ONLY, data=_working_hours, user_id="candidate_a"),
        ),
        ("hr.plan_absence", "POST"): (
            row(
                (LOGIN, 404, 404, 404, 404, Go("/hr/people/{recruiter_b}/availability")),
                data=_time_away,
                user_id="recruiter_b",
            ),
            row(STAFF_ONLY, data=_time_away, user_id="candidate_a"),
        ),
        ("hr.end_absence", "POST"): (
            row(
                (LOGIN, 404, 404, 404, 404, Go("/hr/people/{recruiter_a}/availability")),
                data=_confirmed,
                user_id="recruiter_a",
                absence_id="absence_a",
            ),
            row(STAFF_ONLY, data=_confirmed, user_id="recruiter_b", absence_id="absence_a"),
        ),
        ("recruiter.notes", "GET"): (
            row((LOGIN, 404, 404, 200, 404, 404), candidate_id="candidate_a"),
            row((LOGIN, 404, 404, 404, 200, 404), candidate_id="candidate_b"),
            row(STAFF_ONLY, candidate_id="recruiter_a"),
            row(STAFF_ONLY, candidate_id="missing"),
        ),
        ("recruiter.add_note", "POST"): (
            row((LOGIN, 404, 404, NOTES_A, 404, 404), data=_note, candidate_id="candidate_a"),
            row((LOGIN, 404, 404, 404, NOTES_B, 404), data=_note, candidate_id="candidate_b"),
            row(STAFF_ONLY, data=_note, candidate_id="missing"),
        ),
        ("recruiter.delete_note", "POST"): (
            row(
                (LOGIN, 404, 404, NOTES_A, 404, 404),
                data=_confirmed,
                candidate_id="candidate_a",
                note_id="note_a",
            ),
            # Another candidate's note: not found under this one.
            row(STAFF_ONLY, data=_confirmed, candidate_id="candidate_b", note_id="note_a"),
        ),
        ("hr.notes", "GET"): (
            row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
            row(STAFF_ONLY, user_id="recruiter_a"),
            row(STAFF_ONLY, user_id="missing"),
        ),
        ("hr.add_note", "POST"): (
            row((LOGIN, 404, 404, 404, 404, HR_NOTES_A), data=_note, user_id="candidate_a"),
            row(STAFF_ONLY, data=_note, user_id="recruiter_a"),
        ),
        ("hr.delete_note", "POST"): (
            row(
                (LOGIN, 404, 404, 404, 404, HR_NOTES_A),
                data=_confirmed,
                user_id="candidate_a",
                note_id="note_a",
            ),
            row(STAFF_ONLY, data=_confirmed, user_id="candidate_b", note_id="note_a"),
        ),
        ("recruiter.saved_replies", "GET"): (row((LOGIN, 404, 404, 200, 200, 404)),),
        ("recruiter.add_saved_reply", "POST"): (
            row((LOGIN, 404, 404, MY_REPLIES, MY_REPLIES, 404), data=_saved_reply),
        ),
        ("recruiter.edit_saved_reply", "GET"): (
            row((LOGIN, 404, 404, 200, 404, 404), reply_id="reply_a"),
            row(STAFF_ONLY, reply_id="reply_shared"),  # HR's to change
            row(STAFF_ONLY, reply_id="missing"),
        ),
        ("recruiter.edit_saved_reply", "POST"): (
            row((LOGIN, 404, 404, MY_REPLIES, 404, 404), data=_saved_reply, reply_id="reply_a"),
            row(STAFF_ONLY, data=_saved_reply, reply_id="reply_shared"),
        ),
        ("recruiter.delete_saved_reply", "POST"): (
            row((LOGIN, 404, 404, MY_REPLIES, 404, 404), data=_confirmed, reply_id="reply_a"),
            row(STAFF_ONLY, data=_confirmed, reply_id="reply_shared"),
        ),
        ("hr.saved_replies", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
        ("hr.add_saved_reply", "POST"): (
            row((LOGIN, 404, 404, 404, 404, SHARED_REPLIES), data=_saved_reply),
        ),
        ("hr.edit_saved_reply", "GET"): (
            row((LOGIN, 404, 404, 404, 404, 200), reply_id="reply_shared"),
            row(STAFF_ONLY, reply_id="reply_a"),  # a recruiter's own
            row(STAFF_ONLY, reply_id="missing"),
        ),
        ("hr.edit_saved_reply", "POST"): (
            row(
                (LOGIN, 404, 404, 404, 404, SHARED_REPLIES),
                data=_saved_reply,
                reply_id="reply_shared",
            ),
            row(STAFF_ONLY, data=_saved_reply, reply_id="reply_a"),
        ),
        ("hr.delete_saved_reply", "POST"): (
            row(
                (LOGIN, 404, 404, 404, 404, SHARED_REPLIES),
                data=_confirmed,
                reply_id="reply_shared",
            ),
            row(STAFF_ONLY, data=_confirmed, reply_id="reply_a"),
        ),
        # The people search: staff only, each in their own scope (tests/accounts/test_search.py).
        ("recruiter.search", "GET"): (row((LOGIN, 404, 404, 200, 200, 404)),),
        ("hr.search", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    }


# --- The matrix ---------------------------------------------------------------------------

# Columns, in PERSONAS order:  anonymous, candidate_a, candidate_b, recruiter_a, recruiter_b, hr.
# candidate_a is assigned to recruiter_a, candidate_b to recruiter_b.
MATRIX: dict[tuple[str, str], tuple[Row, ...]] = {
    # Public pages and sign-in.
    ("auth.index", "GET"): (row((SIGN_IN, HOME, HOME, HOME, HOME, HOME)),),
    ("auth.sign_in", "GET"): (row((200, HOME, HOME, HOME, HOME, HOME)),),
    ("auth.sign_in", "POST"): (
        row(everyone(CANDIDATE_HOME), "candidate_a's password", _sign_in_right),
        row(everyone(200), "wrong password", _sign_in_wrong),
    ),
    ("auth.sign_out", "POST"): (row(everyone(SIGN_IN)),),
    # The footer's language switch, for everyone: saved on the account when signed in.
    ("auth.set_language", "POST"): (
        row(everyone(Go("/")), "Deutsch", _language),
        row(everyone(400), "a language the portal does not offer", _language_unknown),
    ),
    # Staff single sign-on is off in these apps: both addresses are not there. Configured, they
    # are tested against a real provider in tests/accounts/test_oidc_*.py.
    ("auth.sso_start", "GET"): (row(everyone(404)),),
    ("auth.sso_callback", "GET"): (row(everyone(404)),),
    ("auth.accept_invitation", "GET"): (
        row(everyone(404), token="bogus"),
        row(everyone(200), token="invitation"),
    ),
    ("auth.accept_invitation", "POST"): (
        row(everyone(404), data=_new_password, token="bogus"),
        row(everyone(CANDIDATE_HOME), data=_new_password, token="invitation"),
    ),
    ("auth.forgot_password", "GET"): (row(everyone(200)),),
    ("auth.forgot_password", "POST"): (row(everyone(SIGN_IN), data=_forgot_password),),
    ("auth.reset_password", "GET"): (
        row(everyone(404), token="bogus"),
        row(everyone(200), token="reset"),
    ),
    ("auth.reset_password", "POST"): (
        row(everyone(404), data=_new_password, token="bogus"),
        row(everyone(CANDIDATE_HOME), data=_new_password, token="reset"),
    ),
    ("info.what_we_record", "GET"): (row(everyone(200)),),
    ("manifest", "GET"): (row(everyone(200)),),  # the web app manifest: nothing private
    ("auth.change_password", "GET"): (row((LOGIN, 200, 200, 200, 200, 200)),),
    ("auth.change_password", "POST"): (
        row((LOGIN, HOME, HOME, HOME, HOME, HOME), data=_change_password),
    ),
    # API tokens: recruiters and HR manage their own (a new one is shown on the 200 page);
    # candidates have none. api_token_a is recruiter_a's.
    ("auth.api_tokens_page", "GET"): (row((LOGIN, 404, 404, 200, 200, 200)),),
    ("auth.create_api_token", "POST"): (
        row((LOGIN, 404, 404, 200, 200, 200), data=_api_token_form),
    ),
    ("auth.revoke_api_token", "POST"): (
        row((LOGIN, 404, 404, API_TOKENS, 404, 404), data=_confirmed, token_id="api_token_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, token_id="missing"),
    ),
    # The JSON API takes bearer tokens only: a session cookie is no credential there, so every
    # persona is refused as an anonymous caller is. Scope by token is tested in api/test_api.py.
    ("api.candidates", "GET"): (row(everyone(401)),),
    ("api.candidate", "GET"): (
        row(everyone(401), candidate_id="candidate_a"),
        row(everyone(401), candidate_id="missing"),
    ),
    ("api.events", "GET"): (row(everyone(401)),),
    ("api.openapi", "GET"): (row(everyone(200)),),
    # The writes too (scopes and who may write what: tests/api/test_api_writes.py).
    ("api.create_candidate", "POST"): (row(everyone(401)),),
    ("api.import_candidates", "POST"): (row(everyone(401)),),
    ("api.change_joining", "PATCH"): (
        row(everyone(401), candidate_id="candidate_a"),
        row(everyone(401), candidate_id="missing"),
    ),
    ("api.change_recruiter", "PUT"): (
        row(everyone(401), candidate_id="candidate_a"),
        row(everyone(401), candidate_id="missing"),
    ),
    ("api.record_outcome", "PUT"): (
        row(everyone(401), candidate_id="candidate_a"),
        row(everyone(401), candidate_id="missing"),
    ),
    # Offers pushed by an ATS: signed with INBOUND_OFFERS_SECRET, off while it is unset (as
    # here); the signature is tested in tests/api/test_api_inbound.py.
    ("api_inbound.offer_accepted", "POST"): (row(everyone(404)),),
    # The candidate's pages: their own data only.
    ("candidate.home", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    # Each candidate's own joining day (test_calendar checks whose event is in the file).
    ("candidate.joining_calendar", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    # Each candidate's own mail preference (test_cadence checks what it changes).
    ("candidate.email_preferences", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    ("candidate.email_preferences", "POST"): (
        row((LOGIN, EMAIL_SETTINGS, EMAIL_SETTINGS, 404, 404, 404), "weekly", _weekly_summary),
        row((LOGIN, 422, 422, 404, 404, 404), "unknown choice", _no_such_preference),
    ),
    # Each candidate's own profile (accounts/test_profile.py checks what it saves).
    ("candidate.profile_page", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    ("candidate.profile_page", "POST"): (
        row((LOGIN, PROFILE, PROFILE, 404, 404, 404), "all fields", _profile),
        row((LOGIN, 422, 422, 404, 404, 404), "unknown zone", _profile_unknown_zone),
    ),
    # The pulse check and a timeline milestone's own page (engagement/test_pulse.py and
    # events/test_events.py).
    ("candidate.answer_pulse", "POST"): (
        row((LOGIN, CANDIDATE_HOME, CANDIDATE_HOME, 404, 404, 404), "score 4", _pulse),
        row((LOGIN, 422, 422, 404, 404, 404), "score 9", _pulse_wrong),
    ),
    ("candidate.milestone", "GET"): (
        row((LOGIN, 200, 200, 404, 404, 404), template_id="milestone"),
        row((LOGIN, 404, 404, 404, 404, 404), template_id="missing"),
    ),
    ("candidate.own_milestone", "GET"): (
        row((LOGIN, 200, 404, 404, 404, 404), milestone_id="own_a"),
        row((LOGIN, 404, 200, 404, 404, 404), milestone_id="own_b"),
        row((LOGIN, 404, 404, 404, 404, 404), milestone_id="missing"),
    ),
    # The recruiter's pages: their own candidates only.
    ("recruiter.home", "GET"): (row((LOGIN, 404, 404, 200, 200, 404)),),
    ("recruiter.candidate", "GET"): (
        row((LOGIN, 404, 404, 200, 404, 404), candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 200, 404), candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="missing"),
    ),
    # HR's pages: everyone, for HR only.
    ("hr.home", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.audit_log", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.audit_csv", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    # Engagement: everyone's candidates by risk, and any candidate's activity, for HR only.
    ("hr.engagement_board", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.candidate_activity", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.new_candidate", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_candidate", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEW_PERSON), data=_new_candidate),
    ),
    ("hr.import_offers", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.import_offers", "POST"): (row((LOGIN, 404, 404, 404, 404, 200), data=_offers_file),),
    # Without a signed upload from the preview nothing is created: back to the upload page.
    ("hr.create_offers", "POST"): (row((LOGIN, 404, 404, 404, 404, Go("/hr/people/import"))),),
    ("hr.new_staff", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_staff", "POST"): (row((LOGIN, 404, 404, 404, 404, NEW_PERSON), data=_new_staff),),
    ("hr.person", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="recruiter_b"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="hr"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.edit_person", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="recruiter_b"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.edit_person", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, Go("/hr/people/{candidate_a}")),
            data=_edit_candidate_a,
            user_id="candidate_a",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, Go("/hr/people/{recruiter_b}")),
            data=_edit_recruiter_b,
            user_id="recruiter_b",
        ),
        row((LOGIN, 404, 404, 404, 404, 404), data=_edit_recruiter_b, user_id="missing"),
    ),
    ("hr.invite", "POST"): (
        row((LOGIN, 404, 404, 404, 404, Go("/hr/people/{candidate_a}")), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.deactivate", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, Go("/hr/people/{candidate_a}")),
            data=_confirmed,
            user_id="candidate_a",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, Go("/hr/people/{recruiter_b}")),
            data=_confirmed,
            user_id="recruiter_b",
        ),
        # HR on themselves: refused, with a flash.
        row((LOGIN, 404, 404, 404, 404, Go("/hr/people/{hr}")), data=_confirmed, user_id="hr"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, user_id="missing"),
    ),
    ("hr.reactivate", "POST"): (
        row((LOGIN, 404, 404, 404, 404, Go("/hr/people/{candidate_a}")), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    # Questions and answers: the candidate's own thread, the assigned recruiter, HR reads.
    ("candidate.questions_page", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    ("candidate.ask", "POST"): (
        row((LOGIN, MY_QUESTIONS, MY_QUESTIONS, 404, 404, 404), data=_message),
    ),
    ("candidate.remove_message", "POST"): (
        row((LOGIN, MY_QUESTIONS, 404, 404, 404, 404), data=_confirmed, message_id="question_a"),
        # Not the author:
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, message_id="answer_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, message_id="missing"),
    ),
    ("recruiter.inbox", "GET"): (row((LOGIN, 404, 404, 200, 200, 404)),),
    ("recruiter.thread", "GET"): (
        row((LOGIN, 404, 404, 200, 404, 404), candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 200, 404), candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="missing"),
    ),
    ("recruiter.answer", "POST"): (
        row((LOGIN, 404, 404, THREAD_A, 404, 404), data=_message, candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, THREAD_B, 404), data=_message, candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_message, candidate_id="missing"),
    ),
    ("recruiter.remove_message", "POST"): (
        row(
            (LOGIN, 404, 404, THREAD_A, 404, 404),
            data=_confirmed,
            candidate_id="candidate_a",
            message_id="answer_a",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_confirmed,
            candidate_id="candidate_a",
            message_id="question_a",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_confirmed,
            candidate_id="candidate_b",
            message_id="answer_a",
        ),
    ),
    ("hr.thread", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_b"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.reassign", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, Go("/hr/people/{candidate_a}/questions")),
            data=_reassign_to_b,
            user_id="candidate_a",
        ),
        row((LOGIN, 404, 404, 404, 404, 404), data=_reassign_to_b, user_id="missing"),
    ),
    # Answering and "no reply needed": the candidate, whoever answers them (recruiter, the
    # backup recruiter, HR). A recruiter who is neither gets 404.
    ("candidate.close_thread", "POST"): (
        row((LOGIN, MY_QUESTIONS, MY_QUESTIONS, 404, 404, 404), data=_close),
    ),
    ("candidate.reopen_thread", "POST"): (row((LOGIN, MY_QUESTIONS, MY_QUESTIONS, 404, 404, 404)),),
    ("recruiter.close_thread", "POST"): (
        row((LOGIN, 404, 404, THREAD_A, 404, 404), data=_close, candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, THREAD_B, 404), data=_close, candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_close, candidate_id="missing"),
    ),
    ("recruiter.reopen_thread", "POST"): (
        row((LOGIN, 404, 404, THREAD_A, 404, 404), candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, THREAD_B, 404), candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="recruiter_a"),
    ),
    ("hr.answer", "POST"): (
        row((LOGIN, 404, 404, 404, 404, HR_THREAD_A), data=_message, user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_message, user_id="recruiter_b"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_message, user_id="missing"),
    ),
    ("hr.close_thread", "POST"): (
        row((LOGIN, 404, 404, 404, 404, HR_THREAD_A), data=_close, user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_close, user_id="missing"),
    ),
    ("hr.reopen_thread", "POST"): (
        row((LOGIN, 404, 404, 404, 404, HR_THREAD_A), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_b"),
    ),
    # The FAQ: everyone signed in reads it, recruiters and HR write it.
    ("faq.index", "GET"): (row((LOGIN, 200, 200, 200, 200, 200)),),
    ("faq.new", "GET"): (row((LOGIN, 404, 404, 200, 200, 200)),),
    ("faq.new", "POST"): (row((LOGIN, 404, 404, FAQ, FAQ, FAQ), data=_faq_form),),
    ("faq.edit", "GET"): (
        row((LOGIN, 404, 404, 200, 200, 200), entry_id="faq"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="missing"),
    ),
    ("faq.edit", "POST"): (
        row((LOGIN, 404, 404, FAQ, FAQ, FAQ), data=_faq_form, entry_id="faq"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_faq_form, entry_id="missing"),
    ),
    ("faq.delete", "POST"): (
        row((LOGIN, 404, 404, FAQ, FAQ, FAQ), data=_confirmed, entry_id="faq"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, entry_id="missing"),
    ),
    # The timeline: the template, and each candidate's version of it, for HR only. A milestone
    # of another candidate (own_b under candidate_a) is out of scope: 404.
    ("hr.milestone_templates", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_milestone_template", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_milestone_template", "POST"): (
        row((LOGIN, 404, 404, 404, 404, TEMPLATE_LIST), data=_milestone_form),
    ),
    ("hr.edit_milestone_template", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), template_id="milestone"),
        row((LOGIN, 404, 404, 404, 404, 404), template_id="missing"),
    ),
    ("hr.edit_milestone_template", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, TEMPLATE_LIST),
            data=_milestone_form,
            template_id="milestone",
        ),
        row((LOGIN, 404, 404, 404, 404, 404), data=_milestone_form, template_id="missing"),
    ),
    ("hr.delete_milestone_template", "POST"): (
        row((LOGIN, 404, 404, 404, 404, TEMPLATE_LIST), data=_confirmed, template_id="milestone"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, template_id="missing"),
    ),
    # The first day: per location (HR only) and one candidate's own values (HR only).
    ("hr.day_one_plans", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_day_one_plan", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_day_one_plan", "POST"): (
        row((LOGIN, 404, 404, 404, 404, DAY_ONE_LIST), data=_day_one_form),
    ),
    ("hr.edit_day_one_plan", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), plan_id="day_one_plan"),
        row((LOGIN, 404, 404, 404, 404, 404), plan_id="missing"),
    ),
    ("hr.edit_day_one_plan", "POST"): (
        row((LOGIN, 404, 404, 404, 404, DAY_ONE_LIST), data=_day_one_form, plan_id="day_one_plan"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_day_one_form, plan_id="missing"),
    ),
    ("hr.delete_day_one_plan", "POST"): (
        row((LOGIN, 404, 404, 404, 404, DAY_ONE_LIST), data=_confirmed, plan_id="day_one_plan"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, plan_id="missing"),
    ),
    ("hr.candidate_day_one", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.candidate_day_one", "POST"): (
        row((LOGIN, 404, 404, 404, 404, DAY_ONE_A), data=_day_one_form, user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_day_one_form, user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_day_one_form, user_id="missing"),
    ),
    ("hr.candidate_timeline", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.new_candidate_milestone", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.new_candidate_milestone", "POST"): (
        row((LOGIN, 404, 404, 404, 404, TIMELINE_A), data=_milestone_form, user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_milestone_form, user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_milestone_form, user_id="missing"),
    ),
    ("hr.edit_candidate_milestone", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a", milestone_id="own_a"),
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_b", milestone_id="own_b"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="candidate_a", milestone_id="own_b"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a", milestone_id="own_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="candidate_a", milestone_id="missing"),
    ),
    ("hr.edit_candidate_milestone", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, TIMELINE_A),
            data=_milestone_form,
            user_id="candidate_a",
            milestone_id="own_a",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_milestone_form,
            user_id="candidate_a",
            milestone_id="own_b",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_milestone_form,
            user_id="candidate_a",
            milestone_id="missing",
        ),
    ),
    ("hr.delete_candidate_milestone", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, TIMELINE_A),
            data=_confirmed,
            user_id="candidate_a",
            milestone_id="own_a",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_confirmed,
            user_id="candidate_a",
            milestone_id="own_b",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_confirmed,
            user_id="recruiter_a",
            milestone_id="own_a",
        ),
    ),
    ("hr.change_template_milestone", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a", template_id="milestone"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a", template_id="milestone"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="candidate_a", template_id="missing"),
    ),
    ("hr.change_template_milestone", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, TIMELINE_A),
            data=_milestone_form,
            user_id="candidate_a",
            template_id="milestone",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_milestone_form,
            user_id="recruiter_a",
            template_id="milestone",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            data=_milestone_form,
            user_id="candidate_a",
            template_id="missing",
        ),
    ),
    ("hr.hide_template_milestone", "POST"): TEMPLATE_MILESTONE_ACTION,
    ("hr.show_template_milestone", "POST"): TEMPLATE_MILESTONE_ACTION,
    ("hr.reset_template_milestone", "POST"): TEMPLATE_MILESTONE_ACTION,
    # The checklist: each candidate's own tasks and documents; the recruiter's candidates' and
    # anyone's for HR (a document download is audit-logged, the only write of those GETs).
    ("candidate.checklist_page", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    ("candidate.tick_task", "POST"): CHECKLIST_ACTION,
    ("candidate.untick_task", "POST"): CHECKLIST_ACTION,
    ("candidate.upload_document", "POST"): (
        row((LOGIN, CHECKLIST, CHECKLIST, 404, 404, 404), data=_document_file, key="upload_task"),
        row((LOGIN, CHECKLIST, 404, 404, 404, 404), data=_document_file, key="own_task_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_document_file, key="missing"),
    ),
    ("candidate.own_document", "GET"): (
        row((LOGIN, 200, 404, 404, 404, 404), tick_id="document_a"),
        row((LOGIN, 404, 404, 404, 404, 404), tick_id="missing"),
    ),
    ("recruiter.candidate_checklist", "GET"): (
        row((LOGIN, 404, 404, 200, 404, 404), candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 200, 404), candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="missing"),
    ),
    ("recruiter.checklist_document", "GET"): (
        row((LOGIN, 404, 404, 200, 404, 404), candidate_id="candidate_a", tick_id="document_a"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="candidate_b", tick_id="document_a"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="candidate_a", tick_id="missing"),
    ),
    ("hr.candidate_checklist", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.checklist_document", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a", tick_id="document_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="candidate_b", tick_id="document_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="candidate_a", tick_id="missing"),
    ),
    # News: candidates read what is meant for their audience; HR curates it. news_sales is for
    # the Sales department (neither candidate); news_hidden is hidden by HR.
    ("candidate.news_archive", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    ("candidate.read_news", "GET"): (
        row((LOGIN, 200, 200, 404, 404, 404), entry_id="news_entry"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="news_sales"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="news_hidden"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="missing"),
    ),
    ("candidate.open_news", "GET"): (
        row((LOGIN, NEWS_STORY, NEWS_STORY, 404, 404, 404), entry_id="news_entry"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="news_sales"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="news_hidden"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="missing"),
    ),
    ("hr.news_feeds", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.news_entries", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.news_preview", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.news_entry_flag", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEWS_ENTRIES), data=_pin, entry_id="news_entry"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_pin, entry_id="missing"),
    ),
    ("hr.news_entry_publish", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEWS_ENTRIES), entry_id="news_entry"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="missing"),
    ),
    ("hr.news_entry_audience", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), entry_id="news_entry"),
        row((LOGIN, 404, 404, 404, 404, 404), entry_id="missing"),
    ),
    ("hr.news_entry_audience", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEWS_ENTRIES), data=_audience, entry_id="news_entry"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_audience, entry_id="missing"),
    ),
    # HR manages the feeds ("feed" holds no entries, so it may be deleted); nobody else sees
    # them. "Test this feed" is the form's other button (tests/news/test_feed_pages.py).
    ("hr.export_feeds", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_feed", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_feed", "POST"): (row((LOGIN, 404, 404, 404, 404, NEWS_FEEDS), data=_feed_form),),
    ("hr.edit_feed", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), feed_id="feed"),
        row((LOGIN, 404, 404, 404, 404, 404), feed_id="missing"),
    ),
    ("hr.edit_feed", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEWS_FEEDS), data=_feed_form, feed_id="feed"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_feed_form, feed_id="missing"),
    ),
    ("hr.disable_feed", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEWS_FEEDS), data=_confirmed, feed_id="feed"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, feed_id="missing"),
    ),
    ("hr.enable_feed", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEWS_FEEDS), feed_id="feed"),
        row((LOGIN, 404, 404, 404, 404, 404), feed_id="missing"),
    ),
    ("hr.delete_feed", "POST"): (
        row((LOGIN, 404, 404, 404, 404, NEWS_FEEDS), data=_confirmed, feed_id="feed"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, feed_id="missing"),
    ),
    # HR's announcements (news.announcement_views): HR only. Candidates read a published one
    # meant for them; announcement_sales is for Sales (neither candidate), announcement_draft
    # is not published.
    ("candidate.read_announcement", "GET"): (
        row((LOGIN, 200, 200, 404, 404, 404), announcement_id="announcement"),
        row((LOGIN, 404, 404, 404, 404, 404), announcement_id="announcement_sales"),
        row((LOGIN, 404, 404, 404, 404, 404), announcement_id="announcement_draft"),
        row((LOGIN, 404, 404, 404, 404, 404), announcement_id="missing"),
    ),
    ("hr.announcements_list", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_announcement", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_announcement", "POST"): (
        row((LOGIN, 404, 404, 404, 404, ANNOUNCEMENTS), data=_announcement_form),
    ),
    ("hr.edit_announcement", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), announcement_id="announcement"),
        row((LOGIN, 404, 404, 404, 404, 404), announcement_id="missing"),
    ),
    ("hr.edit_announcement", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, ANNOUNCEMENTS),
            data=_announcement_form,
            announcement_id="announcement",
        ),
        row((LOGIN, 404, 404, 404, 404, 404), data=_announcement_form, announcement_id="missing"),
    ),
    ("hr.publish_announcement", "POST"): (
        row((LOGIN, 404, 404, 404, 404, ANNOUNCEMENTS), announcement_id="announcement_draft"),
        row((LOGIN, 404, 404, 404, 404, 404), announcement_id="missing"),
    ),
    ("hr.unpublish_announcement", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, ANNOUNCEMENTS),
            data=_confirmed,
            announcement_id="announcement",
        ),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, announcement_id="missing"),
    ),
    ("hr.delete_announcement", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, ANNOUNCEMENTS),
            data=_confirmed,
            announcement_id="announcement",
        ),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, announcement_id="missing"),
    ),
    # Webhooks: endpoints and their delivery logs, for HR only (a recruiter never sees another
    # system's configuration, even one scoped to their own candidates: "webhook" is scoped to
    # recruiter_a). webhook_message belongs to "webhook", webhook_message_other to another one.
    ("hr.webhooks", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_webhook", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_webhook", "POST"): (
        row((LOGIN, 404, 404, 404, 404, WEBHOOK_PAGE), data=_webhook_form),
    ),
    ("hr.webhook", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), endpoint_id="webhook"),
        row((LOGIN, 404, 404, 404, 404, 404), endpoint_id="missing"),
    ),
    ("hr.edit_webhook", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), endpoint_id="webhook"),
        row((LOGIN, 404, 404, 404, 404, 404), endpoint_id="missing"),
    ),
    ("hr.edit_webhook", "POST"): (
        row((LOGIN, 404, 404, 404, 404, WEBHOOK_PAGE), data=_webhook_form, endpoint_id="webhook"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_webhook_form, endpoint_id="missing"),
    ),
    ("hr.disable_webhook", "POST"): (
        row((LOGIN, 404, 404, 404, 404, WEBHOOK_PAGE), data=_confirmed, endpoint_id="webhook"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, endpoint_id="missing"),
    ),
    ("hr.enable_webhook", "POST"): WEBHOOK_ACTION,
    ("hr.rotate_webhook_secret", "POST"): (  # asks first: the yes comes with it here
        row((LOGIN, 404, 404, 404, 404, WEBHOOK_PAGE), data=_confirmed, endpoint_id="webhook"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, endpoint_id="missing"),
    ),
    ("hr.test_webhook", "POST"): WEBHOOK_ACTION,
    # Mail that could not be sent: HR only; a message that is not parked is a 404.
    ("hr.parked_mail", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.send_parked_again", "POST"): (
        row((LOGIN, 404, 404, 404, 404, PARKED_MAIL), email_id="parked_email"),
        row((LOGIN, 404, 404, 404, 404, 404), email_id="email"),
        row((LOGIN, 404, 404, 404, 404, 404), email_id="missing"),
    ),
    ("hr.discard_parked", "POST"): (
        row((LOGIN, 404, 404, 404, 404, PARKED_MAIL), data=_confirmed, email_id="parked_email"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, email_id="missing"),
    ),
    ("hr.redeliver_webhook", "POST"): (
        row(
            (LOGIN, 404, 404, 404, 404, WEBHOOK_PAGE),
            endpoint_id="webhook",
            message_id="webhook_message",
        ),
        row(
            (LOGIN, 404, 404, 404, 404, 404),
            endpoint_id="webhook",
            message_id="webhook_message_other",
        ),
        row((LOGIN, 404, 404, 404, 404, 404), endpoint_id="missing", message_id="webhook_message"),
    ),
    # Meet the people (team/): the candidate's own team page; photos only to whom they are
    # shown (photo_a is candidate_a's manager's, photo_sales a team member's of no candidate's
    # team; staff see all); HR's team list; each candidate's welcome, buddy and team.
    ("candidate.team", "GET"): (row((LOGIN, 200, 200, 404, 404, 404)),),
    ("team.photo", "GET"): (
        row((LOGIN, 200, 404, 200, 200, 200), photo_id="photo_a", digest="photo_a_digest"),
        row((LOGIN, 404, 404, 200, 200, 200), photo_id="photo_sales", digest="photo_sales_digest"),
        row((LOGIN, 404, 404, 404, 404, 404), photo_id="photo_a", digest="bogus_digest"),
        row((LOGIN, 404, 404, 404, 404, 404), photo_id="missing", digest="photo_a_digest"),
    ),
    ("hr.team_members", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_team_member", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.new_team_member", "POST"): (
        row((LOGIN, 404, 404, 404, 404, TEAM_LIST), data=_member_form),
    ),
    ("hr.edit_team_member", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), member_id="team_member"),
        row((LOGIN, 404, 404, 404, 404, 404), member_id="missing"),
    ),
    ("hr.edit_team_member", "POST"): (
        row((LOGIN, 404, 404, 404, 404, TEAM_LIST), data=_member_form, member_id="team_member"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_member_form, member_id="missing"),
    ),
    ("hr.delete_team_member", "POST"): (
        row((LOGIN, 404, 404, 404, 404, TEAM_LIST), data=_confirmed, member_id="team_member"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_confirmed, member_id="missing"),
    ),
    **_team_pages("candidate_team"),
    **_team_pages("edit_welcome"),
    **_team_pages("edit_welcome", _welcome_form),
    **_team_pages("remove_welcome", _confirmed),
    **_team_pages("edit_buddy"),
    **_team_pages("edit_buddy", _buddy_form),
    **_team_pages("remove_buddy", _confirmed),
    **_team_pages("add_team_member", _add_team_member),
    **_team_pages("remove_team_member", _confirmed, member_id="team_member"),
    **_team_pages("use_department_team", _confirmed),
    # What became of an offer: HR for any candidate, the recruiter for their own (a renege is
    # recorded: the people fixture's candidates join in three weeks). Reports: HR only.
    ("hr.candidate_outcome", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), user_id="missing"),
    ),
    ("hr.candidate_outcome", "POST"): (
        row((LOGIN, 404, 404, 404, 404, HR_OUTCOME_A), data=_renege, user_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_renege, user_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_renege, user_id="missing"),
    ),
    ("recruiter.candidate_outcome", "GET"): (
        row((LOGIN, 404, 404, 200, 404, 404), candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, 200, 404), candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="recruiter_a"),
        row((LOGIN, 404, 404, 404, 404, 404), candidate_id="missing"),
    ),
    ("recruiter.candidate_outcome", "POST"): (
        row((LOGIN, 404, 404, OUTCOME_A, 404, 404), data=_renege, candidate_id="candidate_a"),
        row((LOGIN, 404, 404, 404, OUTCOME_B, 404), data=_renege, candidate_id="candidate_b"),
        row((LOGIN, 404, 404, 404, 404, 404), data=_renege, candidate_id="missing"),
    ),
    ("hr.reports", "GET"): (row((LOGIN, 404, 404, 404, 404, 200)),),
    ("hr.report", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), slug="report_calibration"),
        row((LOGIN, 404, 404, 404, 404, 200), slug="report_answer_times"),
    ),
    ("hr.report_csv", "GET"): (
        row((LOGIN, 404, 404, 404, 404, 200), slug="report_reneges"),
        row((LOGIN, 404, 404, 404, 404, 200), slug="report_engagement"),
    ),
    **_recruiters_day(),
    # The development mailbox (only registered with DEV_MAILBOX=True) is open to every visitor
    # by design: it exists on development machines, to read the mail the portal sends.
    ("dev.mailbox", "GET"): (row(everyone(200)),),
    ("dev.message", "GET"): (
        row(everyone(200), email_id="email"),
        row(everyone(404), email_id="missing"),
    ),
}


def _changes_something(method: str, expect: Expect) -> bool:
    return method != "GET" and expect not in REFUSED


def _cases(*, changing: bool) -> list[object]:
    cases = []
    for (endpoint, method), rows in MATRIX.items():
        for matrix_row in rows:
            for persona, expect in zip(PERSONAS, matrix_row.expect, strict=True):
                if _changes_something(method, expect) is changing:
                    case_id = "-".join(
                        part for part in (endpoint, method, matrix_row.name, persona) if part
                    )
                    cases.append(pytest.param(endpoint, method, matrix_row, persona, id=case_id))
    return cases


# --- Apps, casts and personas -------------------------------------------------------------


def _empty_all_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


class Apps:
    """This module's two apps on the test database; `generation` counts table wipes."""

    def __init__(self, database_url: str) -> None:
        self.main = create_app(support.app_config(database_url))
        self.dev = create_app(support.app_config(database_url, DEV_MAILBOX=True))
        self.generation = 0
        self.holds_shared_cast = False

    def for_endpoint(self, endpoint: str) -> Flask:
        return self.dev if endpoint.startswith("dev.") else self.main

    def wipe(self) -> None:
        _empty_all_tables(self.main)
        self.generation += 1
        self.holds_shared_cast = False


@pytest.fixture(scope="module")
def apps(migrated) -> Iterator[Apps]:
    built = Apps(migrated)
    yield built
    built.wipe()
    for flask_app in (built.main, built.dev):
        with flask_app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(apps: Apps) -> Iterator[Flask]:
    """Overrides conftest's `app` for this module (so `people` and `client` use it): the same
    warm app every time, on empty tables, with fresh sign-in throttling; emptied afterwards."""
    if apps.holds_shared_cast:
        apps.wipe()
    with apps.main.app_context():
        rate_limits.limiter().reset()  # fresh counts of the shared rate limits too
    yield apps.main
    apps.wipe()


def _recruiters_day_ref(name: str, candidate: User, ids: dict[str, int]) -> int:
    """A note, an absence or a saved reply the matrix names (inside World._make_ref's context)."""
    recruiter_a = db.session.get(User, ids["recruiter_a"])
    if name == "note_a":
        made: object = CandidateNote(
            candidate_id=candidate.id, author_id=recruiter_a.id, body="Prefers email."
        )
    elif name == "absence_a":
        first = date.today() + timedelta(days=30)
        made = StaffAbsence(
            recruiter_id=recruiter_a.id,
            first_day=first,
            last_day=first + timedelta(days=1),
            starts_at=datetime.combine(first, time(0), UTC),
            ends_at=datetime.combine(first + timedelta(days=2), time(0), UTC),
        )
    elif name == "reply_a":
        made = SavedReply(owner_id=recruiter_a.id, title="Mine", body="Hi {first_name}")
    else:
        made = SavedReply(owner_id=ids["hr"], shared=True, title="Shared", body="Hello")
    db.session.add(made)
    db.session.flush()
    return made.id  # type: ignore[attr-defined]


class World:
    """A cast of people on the test database, with what the rows refer to and one client per
    persona (signed in on first use)."""

    def __init__(self, apps: Apps, ids: dict[str, int], emails: dict[str, str]) -> None:
        self.apps = apps
        self.ids = dict(ids)
        self.emails = dict(emails)
        self.generation = apps.generation
        self.dirty = False
        self._refs: dict[str, object] = {}
        self._clients: dict[tuple[Flask, str], object] = {}
        self._csrf: dict[tuple[Flask, str], str] = {}

    def ref(self, name: str) -> object:
        """The value of a URL argument named in the matrix."""
        if name in self.ids:
            return self.ids[name]
        if name not in self._refs:
            self._refs[name] = self._make_ref(name)
        return self._refs[name]

    def _make_ref(self, name: str) -> object:
        if name == "missing":
            return MISSING_ID
        if name == "bogus":
            return BOGUS_TOKEN
        if name.startswith("report_"):  # a report's address: report_answer_times, answer-times
            return name.removeprefix("report_").replace("_", "-")
        if name.endswith("_digest"):  # a photo's, made first (outside this look-up's session)
            photo = name.removesuffix("_digest")
            if photo == "bogus":
                return "0" * 64
            photo_id = self.ref(photo)
            with self.apps.main.app_context():
                return db.session.get(TeamPhoto, photo_id).digest
        with self.apps.main.app_context():
            candidate = db.session.get(User, self.ids["candidate_a"])
            if name in LINK_PURPOSES:
                value: object = tokens.issue(candidate, LINK_PURPOSES[name], timedelta(hours=2))
            elif name in ("question_a", "answer_a"):
                author = (
                    candidate if name == "question_a" else candidate.candidate_profile.recruiter
                )
                message = Message(candidate_id=candidate.id, author_id=author.id, body=name)
                db.session.add(message)
                db.session.flush()
                value = message.id
            elif name == "milestone":
                template = MilestoneTemplate(
                    title="Documents to prepare", details="", day_offset=-14
                )
                db.session.add(template)
                db.session.flush()
                value = template.id
            elif name in ("task", "upload_task"):
                kind = TaskKind.UPLOAD if name == "upload_task" else TaskKind.CONFIRM
                task = MilestoneTemplate(title=f"Task ({name})", day_offset=-3, kind=kind)
                db.session.add(task)
                db.session.flush()
                value = str(task.id)
            elif name == "own_task_a":
                own = CandidateMilestone(
                    candidate_id=candidate.id,
                    title="Visa copy",
                    day_offset=-10,
                    kind=TaskKind.UPLOAD,
                )
                db.session.add(own)
                db.session.flush()
                value = f"own-{own.id}"
            elif name == "document_a":
                task = MilestoneTemplate(title="ID card", day_offset=-5, kind=TaskKind.UPLOAD)
                db.session.add(task)
                db.session.flush()
                document = document_checks.check(
                    io.BytesIO(CHECKLIST_PDF), "id.pdf", max_bytes=10**6, max_pixels=10**6
                )
                item = checklist.task(candidate, str(task.id), datetime.now(UTC))
                value = checklist.attach(candidate, item, document, datetime.now(UTC)).id
            elif name == "day_one_plan":
                plan = DayOnePlan(location="Porto", location_key="porto", address="Avenida 1")
                db.session.add(plan)
                db.session.flush()
                value = plan.id
            elif name in ("own_a", "own_b"):
                own = CandidateMilestone(
                    candidate_id=self.ids[f"candidate_{name[-1]}"],
                    title=f"Laptop pick-up ({name})",
                    details="",
                    day_offset=-1,
                )
                db.session.add(own)
                db.session.flush()
                value = own.id
            elif name == "faq":
                entry = FaqEntry(question="Where do I park?", answer="Building B.")
                db.session.add(entry)
                db.session.flush()
                value = entry.id
            elif name == "parked_email":
                email = OutgoingEmail(
                    to_address=candidate.email,
                    to_user_id=candidate.id,
                    kind="invitation",
                    subject="Welcome! Set up your pre-boarding account",
                    body_text="Hello Alice",
                    status="failed",
                    last_error="The mail server refused the recipient: 550 no such user",
                )
                db.session.add(email)
                db.session.flush()
                value = email.id
            elif name == "email":
                email = OutgoingEmail(
                    to_address=candidate.email,
                    to_user_id=candidate.id,
                    kind="invitation",
                    subject="Welcome! Set up your pre-boarding account",
                    body_text="Hello Alice, open http://portal.test/invitation/example",
                )
                db.session.add(email)
                db.session.flush()
                value = email.id
            elif name in ("news_entry", "news_sales", "news_hidden"):
                feed = db.session.scalar(select(Feed).where(Feed.name == "Company news"))
                if feed is None:
                    feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
                    db.session.add(feed)
                    db.session.flush()
                entry = FeedEntry(
                    feed_id=feed.id,
                    key=name,
                    title=f"Story ({name})",
                    link="http://localhost/news/story",
                    departments=",sales," if name == "news_sales" else None,
                    hidden=name == "news_hidden",
                )
                db.session.add(entry)
                db.session.flush()
                value = entry.id
            elif name.startswith("announcement"):
                announcement = Announcement(
                    title=f"Announcement ({name})",
                    body="Hello",
                    body_html="<p>Hello</p>",
                    departments=",sales," if name == "announcement_sales" else "",
                    published_at=None if name == "announcement_draft" else clock.utcnow(),
                )
                db.session.add(announcement)
                db.session.flush()
                value = announcement.id
            elif name == "feed":
                feed = Feed(name="Matrix feed", url="https://matrix.example.com/feed.xml")
                db.session.add(feed)
                db.session.flush()
                value = feed.id
            elif name.startswith("webhook"):
                # "webhook" and "webhook_message" go together; "..._other" is another endpoint.
                url = "https://hooks.example.com/" + ("other" if name.endswith("other") else "ats")
                endpoint = db.session.scalar(
                    select(WebhookEndpoint).where(WebhookEndpoint.url == url)
                )
                if endpoint is None:
                    endpoint = WebhookEndpoint(
                        url=url,
                        secret=webhooks.generate_secret(),
                        event_types=["question.asked"],
                        recruiter_id=self.ids["recruiter_a"],
                    )
                    db.session.add(endpoint)
                    db.session.flush()
                value = endpoint.id
                if name.startswith("webhook_message"):
                    message = WebhookMessage(
                        endpoint_id=endpoint.id,
                        webhook_id=webhooks.new_webhook_id(),
                        event_type="question.asked",
                        body='{"type":"question.asked"}',
                        status="delivered",
                    )
                    db.session.add(message)
                    db.session.flush()
                    value = message.id
            elif name in ("team_member", "photo_sales"):
                member = TeamMember(
                    name=f"Théo Martin ({name})",
                    title="Backend engineer",
                    department="Sales" if name == "photo_sales" else "Engineering",
                    location="",
                )
                if name == "photo_sales":
                    member.photo_id = team_photos.store(_portrait()).id
                db.session.add(member)
                db.session.flush()
                value = member.id if name == "team_member" else member.photo_id
            elif name == "photo_a":
                photo = team_photos.store(_portrait(), candidate_id=candidate.id)
                db.session.add(
                    ManagerWelcome(
                        candidate_id=candidate.id,
                        manager_name="Margaux Lefèvre",
                        message="Welcome!",
                        photo_id=photo.id,
                    )
                )
                db.session.flush()
                value = photo.id
            elif name == "api_token_a":
                recruiter = candidate.candidate_profile.recruiter
                value = api_tokens.create(recruiter, "Matrix sync")[0].id
            elif name in ("note_a", "absence_a", "reply_a", "reply_shared"):
                value = _recruiters_day_ref(name, candidate, self.ids)
            else:
                raise KeyError(f"the matrix names an unknown reference {name!r}")
            db.session.commit()
        return value

    def client(self, flask_app: Flask, persona: str):
        key = (flask_app, persona)
        if key not in self._clients:
            client = flask_app.test_client()
            if persona != "anonymous":
                signed_in = support.sign_in(client, self.emails[persona])
                assert signed_in.status_code == 302, f"{persona} could not sign in"
            self._clients[key] = client
        return self._clients[key]

    def csrf_token(self, flask_app: Flask, persona: str) -> str:
        """A token from a page this persona can load, as their browser would have one."""
        key = (flask_app, persona)
        if key not in self._csrf:
            page = self.client(flask_app, persona).get(HOMES.get(persona, "/sign-in"))
            assert page.status_code == 200, f"{persona} cannot load their own page"
            self._csrf[key] = support.csrf_token(page.get_data(as_text=True))
        return self._csrf[key]


def _portrait() -> team_photos.PreparedPhoto:
    """A small photo, through the upload pipeline."""
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (120, 120), (30, 90, 160)).save(picture, format="PNG")
    picture.seek(0)
    return team_photos.prepare(picture, max_bytes=10**6, max_pixels=10**6)


def _make_cast() -> tuple[dict[str, int], dict[str, str]]:
    """The same cast as conftest's `people`."""
    hr = support.make_staff(Role.HR, "hr@example.com", "Helen HR")
    recruiter_a = support.make_staff(
        Role.RECRUITER, "rec.a@example.com", "Rita Recruiter", phone="+33 1 23 45 67 89"
    )
    recruiter_b = support.make_staff(Role.RECRUITER, "rec.b@example.com", "Bob Recruiter")
    candidate_a = support.make_candidate("cand.a@example.com", recruiter_a, name="Alice Candidate")
    candidate_b = support.make_candidate("cand.b@example.com", recruiter_b, name="Ben Candidate")
    users = {
        "hr": hr,
        "recruiter_a": recruiter_a,
        "recruiter_b": recruiter_b,
        "candidate_a": candidate_a,
        "candidate_b": candidate_b,
    }
    return {k: u.id for k, u in users.items()}, {k: u.email for k, u in users.items()}


@pytest.fixture(scope="module")
def _shared_worlds() -> list[World]:
    return []


@pytest.fixture
def shared_world(apps: Apps, _shared_worlds: list[World]) -> World:
    """One cast shared by the cases that must change nothing; rebuilt when a case changed
    something anyway (it failed), or when a fresh-cast test emptied the tables in between."""
    world = _shared_worlds[0] if _shared_worlds else None
    if world is None or world.dirty or world.generation != apps.generation:
        apps.wipe()
        with apps.main.app_context():
            ids, emails = _make_cast()
        apps.holds_shared_cast = True
        world = World(apps, ids, emails)
        _shared_worlds[:] = [world]
    return world


# --- Checking one case ----------------------------------------------------------------------


def _snapshot(flask_app: Flask) -> dict[str, list[tuple]]:
    with flask_app.app_context():
        return {
            table.name: sorted((tuple(r) for r in db.session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def _changed_tables(
    before: dict[str, list[tuple]], after: dict[str, list[tuple]], allowed: tuple[str, ...] = ()
) -> list[str]:
    return [name for name in before if before[name] != after[name] and name not in allowed]


def _check_answer(
    response, expect: Expect, *, persona: str, path: str, world: World, method: str = "GET"
) -> None:
    where = f"{persona} → {path}"
    location = response.headers.get("Location")
    if isinstance(expect, int):
        assert response.status_code == expect, (
            f"{where}: expected {expect}, got {response.status_code}"
            + (f" to {location}" if location else "")
        )
        return
    assert response.status_code == 302, f"{where}: expected {expect}, got {response.status_code}"
    assert location, f"{where}: a 302 without a Location"
    target = urlsplit(location)
    assert target.netloc in ("", "localhost"), f"{where}: redirected off-site to {location}"
    wanted = expect.path.format(home=HOMES.get(persona, "?"), **world.ids)
    matches = re.fullmatch(wanted, target.path) if expect.regex else target.path == wanted
    assert matches, f"{where}: expected {expect}, got 302 to {location}"
    # A POST-only page is no place to come back to after signing in: no ?next= for it.
    wanted_query = {"next": [path]} if expect.next and method == "GET" else {}
    assert parse_qs(target.query) == wanted_query, f"{where}: expected {expect}, got {location}"


def _run_case(world: World, endpoint: str, method: str, matrix_row: Row, persona: str) -> None:
    flask_app = world.apps.for_endpoint(endpoint)
    expect = matrix_row.expect[PERSONAS.index(persona)]
    client = world.client(flask_app, persona)
    with flask_app.test_request_context():
        path = url_for(endpoint, **{k: world.ref(v) for k, v in matrix_row.args.items()})
    data = None
    if method == "POST":
        data = {"csrf_token": world.csrf_token(flask_app, persona)}
        if matrix_row.data is not None:
            data.update(matrix_row.data(world))
    must_not_change = not _changes_something(method, expect)
    before = _snapshot(flask_app) if must_not_change else None
    try:
        response = client.open(path, method=method, data=data)
        # A GET may write only what its view declares (@writes_on_get("thread_reads")).
        allowed = getattr(flask_app.view_functions[endpoint], "writes_on_get", ())
        if method != "GET":
            allowed = ()
        changed = (
            _changed_tables(before, _snapshot(flask_app), allowed) if before is not None else []
        )
        _check_answer(response, expect, persona=persona, path=path, world=world, method=method)
        assert not changed, (
            f"{persona} {method} {path} answered {response.status_code} but changed {changed}"
        )
    except Exception:
        world.dirty = True  # whatever happened, the next case gets a clean cast
        raise


@pytest.mark.parametrize(("endpoint", "method", "matrix_row", "persona"), _cases(changing=False))
def test_access_that_changes_nothing(shared_world, endpoint, method, matrix_row, persona):
    """Every GET, and every refused POST: the expected answer, and not one row changed."""
    _run_case(shared_world, endpoint, method, matrix_row, persona)


@pytest.mark.parametrize(("endpoint", "method", "matrix_row", "persona"), _cases(changing=True))
def test_access_that_changes_something(apps, app, people, endpoint, method, matrix_row, persona):
    """Allowed POSTs, each on a fresh cast so that none spoils another."""
    _run_case(World(apps, people["ids"], people["emails"]), endpoint, method, matrix_row, persona)


# --- Meta-tests: the matrix must follow the URL map -----------------------------------------


def _routes(flask_app: Flask) -> dict[tuple[str, str], set[str]]:
    routes: dict[tuple[str, str], set[str]] = {}
    for rule in flask_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes[(rule.endpoint, method)] = set(rule.arguments)
    return routes


def test_every_route_of_the_url_map_is_in_the_matrix(apps):
    routes = _routes(apps.dev)  # the full map: with the development mailbox
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"routes missing from MATRIX (add rows for them): {missing}"
    stale = sorted(set(MATRIX) - set(routes))
    assert not stale, f"MATRIX entries with no route any more: {stale}"


def test_matrix_rows_fit_their_routes(apps):
    routes = _routes(apps.dev)
    for key, rows in MATRIX.items():
        assert rows, f"{key}: no rows"
        for matrix_row in rows:
            assert len(matrix_row.expect) == len(PERSONAS), f"{key} {matrix_row.name}: columns"
            assert 302 not in matrix_row.expect, f"{key}: say where a 302 goes with Go(...)"
            assert set(matrix_row.args) == routes.get(key, set()), f"{key}: URL arguments"
        if routes.get(key):
            # A route that takes an id or token is checked with more than one of them.
            assert len({tuple(r.args.items()) for r in rows}) >= 2, f"{key}: one argument only"


def test_the_development_mailbox_exists_only_when_turned_on(apps, client):
    production_routes = set(_routes(apps.main))
    assert production_routes == {key for key in _routes(apps.dev) if not key[0].startswith("dev.")}
    assert client.get("/dev/mailbox").status_code == 404


# --- What the pages show --------------------------------------------------------------------


def test_each_persona_sees_only_the_people_in_their_scope(client, people, app):
    names = {"Alice Candidate", "Ben Candidate"}
    visible = {
        ("candidate_a", "/candidate/"): {"Hello, Alice", "Rita Recruiter"},
        ("candidate_b", "/candidate/"): {"Hello, Ben", "Bob Recruiter"},
        ("recruiter_a", "/recruiter/"): {"Alice Candidate"},
        ("recruiter_b", "/recruiter/"): {"Ben Candidate"},
        ("hr", "/hr/"): names,
    }
    hidden = {
        "candidate_a": {"Ben", "Bob Recruiter"},
        "candidate_b": {"Alice", "Rita Recruiter"},
        "recruiter_a": {"Ben Candidate"},
        "recruiter_b": {"Alice Candidate"},
        "hr": set(),
    }
    for (persona, path), shown in visible.items():
        browser = app.test_client()
        support.sign_in(browser, people["emails"][persona])
        response = browser.get(path)
        assert response.status_code == 200, f"{persona} {path}"
        page = response.get_data(as_text=True)
        for text in shown:
            assert text in page, f"{persona} {path} should show {text!r}"
        for text in hidden[persona]:
            assert text not in page, f"{persona} {path} shows {text!r}, out of their scope"


def test_hr_pages_never_show_secrets(client, people, app):
    ids = people["ids"]
    raw_links = []
    with app.app_context():
        for who, purpose in (
            ("candidate_a", TokenPurpose.INVITATION),
            ("candidate_a", TokenPurpose.PASSWORD_RESET),
            ("candidate_b", TokenPurpose.INVITATION),
        ):
            user = db.session.get(User, ids[who])
            raw_links.append(tokens.issue(user, purpose, timedelta(hours=2), created_by=None))
        db.session.commit()
    for persona in ("candidate_a", "recruiter_a"):  # live sessions with stored key hashes
        support.sign_in(app.test_client(), people["emails"][persona])
    support.sign_in(client, people["emails"]["hr"])
    with app.app_context():
        password_hashes = [h for h in db.session.scalars(select(User.password_hash)) if h]
        token_hashes = list(db.session.scalars(select(UserToken.token_hash)))
        session_hashes = list(db.session.scalars(select(AuthSession.key_hash)))
    assert len(password_hashes) == 5 and all(h.startswith("$argon2") for h in password_hashes)
    assert len(token_hashes) == 3 and len(session_hashes) >= 3
    secrets = password_hashes + token_hashes + session_hashes + raw_links
    for path in (
        "/hr/",
        f"/hr/people/{ids['candidate_a']}",
        f"/hr/people/{ids['candidate_b']}",
        f"/hr/people/{ids['candidate_a']}/edit",
        f"/hr/people/{ids['hr']}",
        "/hr/audit",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "$argon2" not in page, f"{path} shows a password hash"
        leaked = [secret for secret in secrets if secret in page]
        assert not leaked, f"{path} shows a secret (hash, token or session key)"
