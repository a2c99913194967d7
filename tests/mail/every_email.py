"""Every kind of email the portal sends, produced the way people make the portal send them
(HR's forms, the candidate's and the recruiter's pages, the worker's jobs) and sent by the real
worker to a real SMTP server on loopback, with a fixed clock: shared by the tests that check all
the emails at once (their links, their look, their two parts).

`KIND_OF_TEMPLATE` knows every kind: `email_templates()` lists the templates on disk, so a test
fails when an email template exists that `produce_every_email` does not send.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role, User
from portal.worker.loop import JOBS, Worker
from tests.support import candidate_edit_form, make_candidate, make_staff, post_form, sign_in

PARIS = ZoneInfo("Europe/Paris")
_TODAY = date.today()
MONDAY = _TODAY - timedelta(days=_TODAY.weekday())
# A Monday, 10:30 in Paris: the weekly summaries are due, the digests too, nothing is quiet.
T0 = datetime.combine(MONDAY, time(10, 30), tzinfo=PARIS)
AFTER_BATCHES = T0 + timedelta(minutes=15)  # answers and joining changes wait 10 minutes
WORKER_JOBS = tuple(job for job in JOBS if job.name in ("candidate_updates", "digests", "mail"))

# Every email template (templates/<feature>/email/<name>.txt) and the kind of the emails it
# renders. A template missing here fails the tests: send its email in `produce_every_email`.
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


def email_templates() -> set[str]:
    root = Path(PROJECT_ROOT) / "templates"
    return {
        str(path.relative_to(root).with_suffix(""))
        for path in root.glob("*/email/*.txt")
        if not path.name.startswith("_")
    } - NOT_EMAILS


def at_moment(app, moment: datetime) -> None:
    app.config["PORTAL_CLOCK"] = moment


def signed_in_as(app, address: str):
    client = app.test_client()
    assert sign_in(client, address).status_code == 302, f"{address} cannot sign in"
    return client


def run_worker(app, moment: datetime) -> None:
    at_moment(app, moment)
    for outcome in Worker(app, WORKER_JOBS).run_pass():
        assert outcome.error is None, outcome.error
        assert not outcome.failures, outcome.failures


def produce_every_email(app) -> None:
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

    hr = signed_in_as(app, "hr@example.com")
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
        moved = db.session.get(User, alice_id).profile.joining_date + timedelta(days=7)
    edit = candidate_edit_form(app, alice_id, joining_date=moved.isoformat())
    edited = post_form(hr, f"/hr/people/{alice_id}/edit", edit)
    assert edited.status_code == 302, edited.get_data(as_text=True)

    anonymous = app.test_client()  # the password reset
    forgot = post_form(anonymous, "/password/forgot", {"email": "alice@example.com"})
    assert forgot.status_code == 302
    forgot.close()  # the reset link is queued once the answer has gone

    asked = post_form(  # the question to the recruiter
        signed_in_as(app, "alice@example.com"),
        "/candidate/questions",
        {"body": "Where do I park on the first day?"},
    )
    assert asked.status_code == 302
    answered = post_form(  # the answer to the candidate
        signed_in_as(app, "rita@example.com"),
        f"/recruiter/candidates/{alice_id}/questions",
        {"body": "Behind building B, any space."},
    )
    assert answered.status_code == 302

    run_worker(app, T0)  # updates, summaries and digests are queued and sent
    run_worker(app, AFTER_BATCHES)  # the batched answer and joining change
