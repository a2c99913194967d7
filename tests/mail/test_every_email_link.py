"""No emailed link ever 404s: every kind of email the portal sends is produced the way people
produce it (HR's forms, the candidate's and the recruiter's pages, the worker's jobs), sent by
the real worker to a real SMTP server on loopback with a fixed clock, and every http(s) link in
its text part, its HTML part and its List-Unsubscribe header is followed with the test client
as the recipient would: signed in as them where they have an account, token links (invitation,
password reset) once and signed out. Each must load (200), or redirect to a page that loads.

The test knows every kind: it fails when an email template or a cadence kind exists that it did
not send, so a new kind of email cannot escape it (add it to KIND_OF_TEMPLATE and to `_produce`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.mail import cadence
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role, User
from portal.worker.loop import JOBS, Worker
from tests.support import BASE_URL, make_candidate, make_staff, post_form, sign_in

PARIS = ZoneInfo("Europe/Paris")
_TODAY = date.today()
MONDAY = _TODAY - timedelta(days=_TODAY.weekday())
# A Monday, 10:30 in Paris: the weekly summaries are due, the digests too, nothing is quiet.
T0 = datetime.combine(MONDAY, time(10, 30), tzinfo=PARIS)
AFTER_BATCHES = T0 + timedelta(minutes=15)  # answers and joining changes wait 10 minutes
WORKER_JOBS = tuple(job for job in JOBS if job.name in ("candidate_updates", "digests", "mail"))

# Every email template (templates/<feature>/email/<name>.txt) and the kind of the emails it
# renders. A template missing here fails the test: send its email in `_produce` and add it.
KIND_OF_TEMPLATE = {
    "accounts/email/invitation": "invitation",
    "accounts/email/password_reset": "password_reset",
    "engagement/email/recruiter_digest": "digest",
    "news/email/candidate_update": "candidate_update",
    "news/email/weekly_summary": "weekly_summary",
    "questions/email/answer_posted": "answer_posted",
    "questions/email/question_asked": "question_asked",
    "timeline/email/joining_changed": "joining_changed",
}
# Not emails: partials, and the List-Unsubscribe header's link (followed on every update).
NOT_EMAILS = {"mail/email/list_unsubscribe"}
LINK = re.compile(r"https?://[^\s\"'<>)\]]+")
TOKEN_PATHS = ("/invitation/", "/password/reset/")


def _templates() -> set[str]:
    root = Path(PROJECT_ROOT) / "templates"
    return {
        str(path.relative_to(root).with_suffix(""))
        for path in root.glob("*/email/*.txt")
        if not path.name.startswith("_")
    } - NOT_EMAILS


@pytest.fixture
def site(make_app, smtp_server):
    return make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=T0)


def _at(app, moment: datetime) -> None:
    app.config["PORTAL_CLOCK"] = moment


def _signed_in(app, address: str):
    client = app.test_client()
    assert sign_in(client, address).status_code == 302, f"{address} cannot sign in"
    return client


def _run_worker(app, moment: datetime) -> None:
    _at(app, moment)
    for outcome in Worker(app, WORKER_JOBS).run_pass():
        assert outcome.error is None, outcome.error
        assert not outcome.failures, outcome.failures


def _produce(app) -> None:
    """Make the portal send one email of every kind, the way people make it send them."""
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR", zone="Europe/Paris")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter", zone="Europe/Paris")
        alice = make_candidate("alice@example.com", rita, name="Alice Martin", joins_in=30)
        bob = make_candidate("bob@example.com", rita, name="Bob Weekly", joins_in=30)
        bob.candidate_profile.mail_preference = "weekly_summary"
        feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
        seen = T0 - timedelta(days=2)  # curated by now: shown for longer than the delay
        db.session.add(
            FeedEntry(
                feed_id=feed.id,
                key="lyon",
                title="Lyon office opens",
                link="https://news.example.com/lyon",
                summary_html="<p>Our new office in Lyon.</p>",
                published_at=seen,
                first_seen_at=seen,
                last_seen_at=seen,
            )
        )
        # Alice's status changed yesterday: Rita's digest has something to say.
        data = {"from": "engaged", "to": "quiet", "reasons": ["no sign-in for 7 days"]}
        events.record(alice.id, EventKind.STATUS_CHANGED, data=data, at=T0 - timedelta(hours=3))
        db.session.commit()
        alice_id, rita_id = alice.id, rita.id

    hr = _signed_in(app, "hr@example.com")
    new = post_form(  # the invitation
        hr,
        "/hr/candidates/new",
        {
            "name": "Carla Newhire",
            "email": "carla@example.com",
            "time_zone": "Europe/Paris",
            "job_title": "Analyst",
            "department": "Finance",
            "location": "Paris",
            "joining_date": (MONDAY + timedelta(days=40)).isoformat(),
            "joining_time": "09:00",
            "joining_time_zone": "Europe/Paris",
            "recruiter_id": str(rita_id),
            "send_invitation": "y",
        },
    )
    assert new.status_code == 302, new.get_data(as_text=True)
    with app.app_context():  # the joining change, through HR's edit of the date
        user = db.session.get(User, alice_id)
        profile = user.profile
        edit = {
            "name": user.name,
            "email": user.email,
            "time_zone": user.time_zone,
            "job_title": profile.job_title,
            "department": profile.department,
            "location": profile.location,
            "joining_date": (profile.joining_date + timedelta(days=7)).isoformat(),
            "joining_time": profile.joining_time.strftime("%H:%M"),
            "joining_time_zone": profile.joining_time_zone,
            "reception_instructions": profile.reception_instructions or "",
            "recruiter_id": str(profile.recruiter_id or 0),
        }
    edited = post_form(hr, f"/hr/people/{alice_id}/edit", edit)
    assert edited.status_code == 302, edited.get_data(as_text=True)

    anonymous = app.test_client()  # the password reset
    forgot = post_form(anonymous, "/password/forgot", {"email": "alice@example.com"})
    assert forgot.status_code == 302
    forgot.close()  # the reset link is queued once the answer has gone

    asked = post_form(  # the question to the recruiter
        _signed_in(app, "alice@example.com"),
        "/candidate/questions",
        {"body": "Where do I park on the first day?"},
    )
    assert asked.status_code == 302
    answered = post_form(  # the answer to the candidate
        _signed_in(app, "rita@example.com"),
        f"/recruiter/candidates/{alice_id}/questions",
        {"body": "Behind building B, any space."},
    )
    assert answered.status_code == 302

    _run_worker(app, T0)  # updates, summaries and digests are queued and sent
    _run_worker(app, AFTER_BATCHES)  # the batched answer and joining change


def _links(message: EmailMessage) -> list[str]:
    found: list[str] = []
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            text = part.get_content()
            if part.get_content_type() == "text/html":
                text = unescape(text)
            found += LINK.findall(text)
    header = message.get("List-Unsubscribe")
    if header:
        found += LINK.findall(str(header))
    return list(dict.fromkeys(link.rstrip(".,;:") for link in found))


def _follow(client, link: str, external_ok: set[str]) -> list[str]:
    """Follow `link` (and its redirects within the portal); what went wrong, in words."""
    base = urlsplit(BASE_URL)
    url = link
    for _hop in range(5):
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            if url in external_ok:
                return []  # a news item's own site, where the portal sends the reader on
            return [f"{link}: leads out of the portal, to {url}"]
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.get(path)
        if response.status_code in (301, 302, 303, 307, 308):
            url = response.headers["Location"]
            if url.startswith("/"):
                url = f"{base.scheme}://{base.netloc}{url}"
            continue
        if response.status_code != 200:
            return [f"{link}: {response.status_code} at {path}"]
        if parts.path == "/sign-in" and link != url:
            return [f"{link}: sent the signed-in recipient to the sign-in page"]
        return []
    return [f"{link}: too many redirects"]


def test_every_link_in_every_email_loads_for_its_recipient(site, smtp_server):
    _produce(site)

    with site.app_context():
        sent = db.session.execute(
            select(OutgoingEmail.kind, OutgoingEmail.to_address, OutgoingEmail.status)
        ).all()
        accounts = {
            user.email: user.has_password for user in db.session.scalars(select(User)).all()
        }
        external_ok = {link for link in db.session.scalars(select(FeedEntry.link)) if link}
    kinds_sent = {kind for kind, _to, status in sent if status == EmailStatus.SENT}
    not_sent = [(kind, to, status) for kind, to, status in sent if status != EmailStatus.SENT]
    assert not not_sent, f"queued but not sent: {not_sent}"

    missing_templates = _templates() - set(KIND_OF_TEMPLATE)
    assert not missing_templates, f"email templates this test does not send: {missing_templates}"
    every_kind = set(KIND_OF_TEMPLATE.values()) | set(cadence.CATEGORY_OF_KIND)
    assert every_kind - kinds_sent == set(), "kinds of email this test did not send"
    assert kinds_sent - every_kind == set(), "kinds this test does not know about"

    messages = smtp_server.wait_for(len(sent))
    assert len(messages) == len(sent)
    problems: list[str] = []
    followed: list[str] = []
    clients: dict[str, object] = {}
    for message in messages:
        to = str(message["To"])
        links = _links(message)
        assert links, f"“{message['Subject']}” to {to} links to nothing"
        for link in links:
            if any(marker in link for marker in TOKEN_PATHS) or not accounts.get(to):
                client = site.test_client()  # signed out: the link is all they have
            else:
                if to not in clients:
                    clients[to] = _signed_in(site, to)
                client = clients[to]
            problems += [
                f"“{message['Subject']}” to {to}: {p}" for p in _follow(client, link, external_ok)
            ]
            followed.append(link)
    assert not problems, "\n".join(problems)
    expected_links = (
        "/invitation/",
        "/password/reset/",
        "/candidate/news/",
        "/recruiter/candidates/",
    )
    for expected in expected_links:
        assert any(expected in link for link in followed), f"no {expected} link in {followed}"


def test_the_kinds_are_known_from_the_templates_and_the_cadence_rules():
    """The lists this test checks against are read from the code, not copied."""
    assert "accounts/email/invitation" in _templates()
    assert "news/email/_update" not in _templates()
    assert {"invitation", "answer_posted", "joining_changed"} <= set(cadence.CATEGORY_OF_KIND)
