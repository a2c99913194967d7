"""Configuration read from the environment.

`create_app(config=None)` starts from these values and applies the mapping it is given on top,
so tests and the CLI can override anything without touching the environment.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import click

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INSTANCE_PATH = PROJECT_ROOT / "instance"

# Used only when PORTAL_ENV=development: loud, obviously unsafe, never accepted in production.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
# Every other PORTAL_ENV (production, or a misspelling of it) refuses that key and any key
# shorter than SECRET_KEY_MIN_BYTES, and says how to make a good one.
UNSAFE_KEY_ENVIRONMENTS = ("development", "testing")
SECRET_KEY_MIN_BYTES = 32
HOW_TO_GENERATE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


class ConfigError(click.ClickException, RuntimeError):
    """Configuration the portal cannot start with. On the command line click prints it as one
    line ("Error: SECRET_KEY is not set…") and exits 1, with no traceback; elsewhere it is the
    RuntimeError it always was."""


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def _json(name: str, default: dict, example: dict | None = None) -> dict:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        parsed = json.loads(value)
    except ValueError as error:
        raise ConfigError(f"{name} must be JSON: {error}") from None
    if not isinstance(parsed, dict):
        shown = json.dumps(example or default)[:80]
        raise ConfigError(f"{name} must be a JSON object, such as {shown}")
    return parsed


# Each joining location's calendar of working days (timeline/workdays.py): the location as HR
# types it (any case) → an ISO country code and, where holidays differ within it, a subdivision
# (the `holidays` package's codes). WORKING_CALENDARS in the environment replaces this (JSON).
DEFAULT_WORKING_CALENDARS: dict = {
    "Berlin": {"country": "DE", "subdiv": "BE"},
    "Paris": {"country": "FR"},
    "London": {"country": "GB", "subdiv": "ENG"},
    "Madrid": {"country": "ES", "subdiv": "MD"},
    "Milan": {"country": "IT", "subdiv": "MI"},
    "New York": {"country": "US", "subdiv": "NY"},
    "Adelaide": {"country": "AU", "subdiv": "SA"},
}


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_PATH / 'portal.sqlite3'}"


def from_environment() -> dict:
    """Settings for the environment named by PORTAL_ENV (production unless told otherwise)."""
    env = os.environ.get("PORTAL_ENV", "production").strip().lower()
    development = env == "development"
    # In development links in email point at the port `flask run` serves on (FLASK_RUN_PORT,
    # which `flask run` reads too; `make run` sets BASE_URL from RUN_PORT) unless BASE_URL is set.
    dev_url = f"http://127.0.0.1:{os.environ.get('FLASK_RUN_PORT', '').strip() or 5000}"
    base_url = os.environ.get("BASE_URL", dev_url if development else "").rstrip("/")
    settings: dict = {
        "PORTAL_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY")
        or (DEVELOPMENT_SECRET_KEY if development else None),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_database_url(),
        "BASE_URL": base_url,
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS", "127.0.0.1,localhost" if development else ""),
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Pre-boarding portal <portal@localhost>"),
        # The company's look in email (portal/mail/branding.py): its name, its colour (#rrggbb;
        # text colours follow for contrast) and its logo, a PNG/JPEG/GIF in static/ or an https
        # address. Unset: the portal's own name, header colour and icon.
        "COMPANY_NAME": os.environ.get("COMPANY_NAME", "").strip(),
        "BRAND_COLOUR": os.environ.get("BRAND_COLOUR", "").strip(),
        "BRAND_LOGO": os.environ.get("BRAND_LOGO", "").strip(),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "DEV_MAILBOX": development,
        # "3 working days before joining" skips weekends and public holidays on the calendar of
        # the candidate's joining location (WORKING_CALENDARS, above); a location not listed
        # uses WORKING_CALENDAR_DEFAULT (JSON too, e.g. {"country": "GB", "subdiv": "ENG"}).
        "WORKING_CALENDARS": _json("WORKING_CALENDARS", DEFAULT_WORKING_CALENDARS),
        "WORKING_CALENDAR_DEFAULT": _json("WORKING_CALENDAR_DEFAULT", {"country": "DE"}),
        # The demo's sample feeds (portal/news/feeds/samples) are refreshed from their bundled
        # files instead of the network: on in development, so `make run` works offline.
        "PORTAL_FEEDS_OFFLINE_SAMPLES": os.environ.get(
            "PORTAL_FEEDS_OFFLINE_SAMPLES", "1" if development else "0"
        ).strip()
        == "1",
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        # How soon candidates are promised an answer; older questions are overdue.
        "RESPONSE_PROMISE_HOURS": _int("RESPONSE_PROMISE_HOURS", 24),
        # The working week of a recruiter who has not set their own, in their own time zone:
        # the answer promise counts only these hours (questions.working_hours).
        "WORKING_HOURS_DEFAULT": _json(
            "WORKING_HOURS_DEFAULT", {"days": "Mon-Fri", "start": "09:00", "end": "17:00"}
        ),
        # https origins news images may come from (comma-separated; the Content-Security-Policy's
        # img-src lists the same). Unset: the https origins of the feeds in the database, read
        # as the app starts; set but empty: no images in news.
        "NEWS_IMAGE_ORIGINS": (
            _list("NEWS_IMAGE_ORIGINS") if "NEWS_IMAGE_ORIGINS" in os.environ else None
        ),
        # Changes to a candidate's joining details within this many minutes of the first go
        # out as one email (timeline.joining_mail); 0 sends each change at once.
        "JOINING_MAIL_BATCH_MINUTES": _int("JOINING_MAIL_BATCH_MINUTES", 10),
        # News goes into candidates' "What's new" mail only once curated: HR published it, or
        # it has been shown (not hidden) this many hours, time for HR to hide what should not go.
        "NEWS_CURATION_DELAY_HOURS": _int("NEWS_CURATION_DELAY_HOURS", 24),
        # Retention (portal.engagement.retention, stated on /what-we-record): everything about a
        # candidate is deleted or anonymised this many days after their joining day, or after
        # their account was closed; what a webhook said is erased this many days after delivery.
        "ENGAGEMENT_KEEP_DAYS_AFTER_JOINING": _int("ENGAGEMENT_KEEP_DAYS_AFTER_JOINING", 90),
        "CANDIDATE_KEEP_DAYS_AFTER_CLOSING": _int("CANDIDATE_KEEP_DAYS_AFTER_CLOSING", 90),
        "WEBHOOK_BODY_KEEP_DAYS": _int("WEBHOOK_BODY_KEEP_DAYS", 14),
        # The pulse check ("How do you feel about joining?", portal.engagement.pulse) waits
        # until the candidate has used the portal for a while: this many days since their first
        # sign-in, and on at least this many different days (UTC; the visit under way counts).
        "PULSE_AFTER_DAYS": _int("PULSE_AFTER_DAYS", 3),
        "PULSE_AFTER_VISITS": _int("PULSE_AFTER_VISITS", 2),
        # HR's CSV of offers (accounts.offer_import): the largest file and the most rows one
        # upload may hold; all are created in one transaction.
        "OFFER_IMPORT_MAX_BYTES": _int("OFFER_IMPORT_MAX_BYTES", 2 * 1024 * 1024),
        "OFFER_IMPORT_MAX_ROWS": _int("OFFER_IMPORT_MAX_ROWS", 5000),
        # The secret an applicant tracking system signs "offer accepted" events with (Standard
        # Webhooks: whsec_ and base64), for POST /api/v1/inbound/offer-accepted; unset: off.
        "INBOUND_OFFERS_SECRET": os.environ.get("INBOUND_OFFERS_SECRET", "").strip(),
        # Photos staff upload (team.photos): the largest file, and the most pixels it may
        # decode to (a small file claiming a huge picture is a decompression bomb).
        "PHOTO_MAX_BYTES": _int("PHOTO_MAX_BYTES", 8 * 1024 * 1024),
        "PHOTO_MAX_PIXELS": _int("PHOTO_MAX_PIXELS", 40_000_000),
        # Documents candidates upload for their checklist's tasks (timeline.documents): the
        # largest file, the most pixels an image may decode to, and the private folder they are
        # kept in (unset: checklist-documents in the instance folder; never under static/).
        "CHECKLIST_UPLOAD_MAX_BYTES": _int("CHECKLIST_UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
        "CHECKLIST_UPLOAD_MAX_PIXELS": _int("CHECKLIST_UPLOAD_MAX_PIXELS", 60_000_000),
        "CHECKLIST_DOCUMENTS_FOLDER": os.environ.get("CHECKLIST_DOCUMENTS_FOLDER", "").strip(),
        # Staff single sign-on with OpenID Connect (accounts.oidc): off unless OIDC_ISSUER is
        # set; the issuer, client id and secret and the role map go together (checked at start).
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "").strip(),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", "").strip(),
        "OIDC_PROVIDER_NAME": os.environ.get("OIDC_PROVIDER_NAME", "").strip(),
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES", "").strip() or "openid email profile",
        # The ID token (or userinfo) claim whose values give a staff role, and which value
        # gives which: {"portal-hr": "hr", "portal-recruiters": "recruiter"}.
        "OIDC_ROLE_CLAIM": os.environ.get("OIDC_ROLE_CLAIM", "").strip() or "groups",
        "OIDC_ROLE_MAP": _json(
            "OIDC_ROLE_MAP", {}, example={"portal-hr": "hr", "portal-recruiters": "recruiter"}
        ),
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_ME_DAYS": 30,
        "PASSWORD_HASH_PARAMS": {},
    }
    return settings


# Values that every environment shares; from_environment() and the caller's overrides win.
DEFAULTS: dict = {
    # The languages of the portal's pages and email, by code: the profile offers these.
    "LANGUAGES": {"en": "English", "de": "Deutsch"},
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # forms; a view taking a file says so (core/uploads.py)
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "portal_session",
    "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
    "SESSION_HOURS": 12,  # a sign-in without "remember me" lasts this long
    "INVITATION_HOURS": 72,
    "PASSWORD_RESET_HOURS": 2,
    "PASSWORD_MIN_LENGTH": 8,
    "PASSWORD_MAX_LENGTH": 256,
    "SMTP_TIMEOUT_SECONDS": 10,
    # Tries (with backoff, up to an hour apart) before a message that keeps failing for passing
    # reasons (server down, 4xx) is parked for HR: about a day of an unreachable server.
    "MAIL_MAX_ATTEMPTS": 30,
    # Failed sign-ins: the first limit slows an attacker down, the second refuses for longer.
    "SIGN_IN_LIMITS_PER_ACCOUNT": "5 per minute;20 per hour",
    "SIGN_IN_LIMITS_PER_ADDRESS": "20 per minute;100 per hour",
    # Reset-link requests, per address asked about (known or not) and per client address: each
    # one emails somebody. Wrong current passwords on the account pages, per account.
    "PASSWORD_RESET_LIMITS_PER_ACCOUNT": "3 per 15 minutes;10 per day",
    "PASSWORD_RESET_LIMITS_PER_ADDRESS": "10 per 15 minutes;50 per day",
    "CURRENT_PASSWORD_LIMITS": "5 per 15 minutes;20 per day",
    # Messages in a thread, per person: each one emails the other side.
    "QUESTION_LIMITS": "5 per minute;40 per day",
    "ANSWER_LIMITS": "30 per minute;300 per day",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session does
    # Engagement status rules (portal.engagement.status). Days and hours are thresholds:
    # reaching one adds the reason, with the severity named in the key. A question waiting
    # past RESPONSE_PROMISE_HOURS puts its candidate at risk ("question unanswered for 30 hours").
    "ENGAGEMENT_RULES": {
        "quiet_after_days_unseen": 7,  # "not seen for 9 days" (from "Last seen")
        "at_risk_after_days_unseen": 14,
        "quiet_after_days_invited": 3,  # never signed in: invited until then
        "at_risk_after_days_invited": 7,
        "at_risk_pulse_drop": 2,  # "pulse fell from 5 to 2"
        "at_risk_pulse_at_or_below": 2,  # "feels 2 of 5 about joining"
        "at_risk_silent_days_before_joining": 14,  # "joins in 6 days and has signed in but …"
        # "2 tasks overdue" (their checklist): quiet from one, at risk from this many.
        "at_risk_overdue_tasks": 3,
    },
    # The pulse check ("How do you feel about joining?") is offered at most this often.
    "PULSE_EVERY_DAYS": 14,
    # No overdose: mail to candidates (portal.mail.notifications).
    "CANDIDATE_WEEKLY_CAP": 3,  # per rolling 7 days; answers to their questions are exempt
    "ANSWER_BATCH_MINUTES": 10,  # answers within this window go out as one message
    "QUIET_HOURS": (21, 8),  # local hours [start, end): mail waits until the morning
    # Recruiters' daily digest goes out at this local hour (their own time zone).
    "DIGEST_LOCAL_HOUR": 8,
    # Webhooks: a receiver's answer must come within this many seconds; retries end after
    # WEBHOOK_RETRY_HOURS, backing off exponentially (with jitter) from WEBHOOK_RETRY_BASE_SECONDS.
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_RETRY_HOURS": 72,
    "WEBHOOK_RETRY_BASE_SECONDS": 30,
    # Worker loop: seconds between passes, and how long a claimed row or job stays claimed
    # before another worker may take it over (a worker that died loses nothing).
    "WORKER_INTERVAL_SECONDS": 5,
    "WORKER_LEASE_SECONDS": 120,
    # JSON API: calls per person ("limits" syntax), and how old an event must be to be listed.
    "API_RATE_LIMIT": "300 per minute",
    "API_EVENTS_SETTLE_SECONDS": 5,
    # A write sent with an Idempotency-Key answers the same to a retry for this many hours; an
    # inbound "offer accepted" event is at most this large.
    "API_IDEMPOTENCY_HOURS": 24,
    "INBOUND_OFFER_MAX_BYTES": 64 * 1024,
    # Staff single sign-on: how long one request to the provider (discovery, keys, token,
    # userinfo) may take before sign-in gives up and says the provider cannot be reached.
    "OIDC_TIMEOUT_SECONDS": 10,
}
