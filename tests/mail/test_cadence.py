"""No overdose, over a real SMTP server on loopback, with fixed clocks (PORTAL_CLOCK): quiet hours
in each candidate's own zone, the weekly cap, answers exempt but batched, the candidate's own
choice of emails, account mail at once, HR's count, and several deliverers at once never
sending a message twice. Every claim is checked on what the SMTP server received, and when
(the Date header carries the portal's clock at the moment of sending)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.accounts import operations as accounts
from portal.accounts import signing_in
from portal.core.extensions import db
from portal.core.links import absolute_url
from portal.mail import jobs as mail_jobs
from portal.mail import notifications
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news import jobs as news_jobs
from portal.news.models import Feed, FeedEntry
from portal.people.models import CandidateProfile, Role, User
from portal.questions import threads as questions
from portal.questions.models import Message
from portal.timeline import joining_mail
from tests.support import (
    BASE_URL,
    count_queries,
    link_in,
    make_candidate,
    make_staff,
    post_form,
    sign_in,
    text_body,
)

JOINS = date(2027, 3, 1)  # every candidate here joins after every clock below
CAP = 3
QUIET = (21, 8)  # the production default; tests/support.py turns quiet hours off elsewhere


# --- Helpers --------------------------------------------------------------------------------


def _local(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def _at(app, moment: datetime, work, *args):
    """Run `work(*args)` in an app context with the portal's clock fixed at `moment`."""
    app.config["PORTAL_CLOCK"] = moment
    with app.app_context():
        return work(*args)


def _deliver(app, moment: datetime, ids: list[int] | None = None) -> int:
    return _at(app, moment, mail_jobs.deliver, ids)


def _sent_at(message: EmailMessage) -> datetime:
    return parsedate_to_datetime(message["Date"])


def _candidate(app, email: str, zone: str = "Europe/Paris", recruiter: int | None = None, **kw):
    with app.app_context():
        staff = db.session.get(User, recruiter) if recruiter else None
        return make_candidate(email, staff, zone=zone, joining_date=JOINS, **kw).id


def _move_joining_day(candidate_id: int) -> int:
    """HR moves the candidate's first day by a day: the real "joining changed" email."""
    candidate = db.session.get(User, candidate_id)
    profile = candidate.candidate_profile
    old = profile.joining_date
    profile.joining_date = old + timedelta(days=1)
    change = {"joining_date": (old, profile.joining_date)}
    email = joining_mail.joining_changed(candidate, None, change, absolute_url("candidate.home"))
    db.session.commit()
    return email.id


def _publish_news(title: str, moment: datetime) -> None:
    """A company news item everyone may read, first seen by the portal at `moment` and
    published by HR at once (curated: it may go into mail; see tests/news/test_curated_mail.py
    for the curation delay)."""
    feed = db.session.scalar(select(Feed).where(Feed.name == "Company news"))
    if feed is None:
        feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
    db.session.add(
        FeedEntry(
            feed_id=feed.id,
            key=title[:64],
            title=title,
            link="https://news.example.com/" + re.sub(r"\W+", "-", title.lower()),
            summary_html=f"<p>{title}: the details.</p>",
            published_at=moment,
            first_seen_at=moment,
            last_seen_at=moment,
            mail_from=moment,
        )
    )
    db.session.commit()


def _answer(candidate_id: int, recruiter_id: int, body: str) -> list[int]:
    """The recruiter answers, as the answer form does: post, commit, deliver what was queued."""
    posted = questions.post(
        db.session.get(User, candidate_id), db.session.get(User, recruiter_id), body, None
    )
    db.session.commit()
    mail_jobs.deliver(posted.email_ids)
    return posted.email_ids


def _pending(candidate_id: int) -> list[OutgoingEmail]:
    return list(
        db.session.scalars(
            select(OutgoingEmail).where(
                OutgoingEmail.to_user_id == candidate_id,
                OutgoingEmail.status == EmailStatus.PENDING,
            )
        )
    )


# --- Quiet hours ------------------------------------------------------------------------------

ZONES = [
    ("Asia/Kolkata", date(2026, 3, 10)),  # UTC+05:30 all year
    ("America/New_York", date(2026, 10, 31)),  # the clocks go back during that night
    ("Australia/Adelaide", date(2026, 10, 3)),  # UTC+09:30, then +10:30 during that night
]


@pytest.mark.parametrize(("zone", "evening"), ZONES, ids=[zone for zone, _ in ZONES])
def test_an_email_queued_at_ten_at_night_goes_at_eight_in_the_morning(
    make_app, smtp_server, zone, evening
):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url)
    candidate = _candidate(app, "night@example.com", zone)
    ten_pm = _local(zone, evening, 22)
    email_id = _at(app, ten_pm, _move_joining_day, candidate)
    assert _deliver(app, ten_pm, [email_id]) == 0, "HR's page delivers at once: held"
    morning = _local(zone, evening + timedelta(days=1), 8)
    assert _at(app, ten_pm, notifications.waiting_until, [email_id]) == morning
    assert _deliver(app, morning - timedelta(minutes=1)) == 0
    assert smtp_server.messages == []

    assert _deliver(app, morning) == 1
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "night@example.com"
    assert message["Subject"] == "New date for your first day"
    local = _sent_at(message).astimezone(ZoneInfo(zone))
    assert (local.date(), local.hour, local.minute) == (evening + timedelta(days=1), 8, 0)


def test_hr_is_told_when_a_held_email_will_go(make_app, smtp_server):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url)
    ten_pm = _local("Asia/Kolkata", date(2026, 3, 10), 22)
    app.config["PORTAL_CLOCK"] = ten_pm
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        recruiter = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        asha = make_candidate(
            "asha@example.com", recruiter, name="Asha Rao", zone="Asia/Kolkata", joining_date=JOINS
        )
        asha_id, recruiter_id = asha.id, recruiter.id
    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    form = {
        "name": "Asha Rao",
        "email": "asha@example.com",
        "time_zone": "Asia/Kolkata",
        "job_title": "Software Engineer",
        "department": "Engineering",
        "location": "Paris",
        "joining_date": (JOINS + timedelta(days=7)).isoformat(),
        "joining_time": "09:00",
        "joining_time_zone": "Asia/Kolkata",
        "recruiter_id": str(recruiter_id),
        "notify_confirmed": "1",  # "Save and email"
    }
    page = post_form(hr, f"/hr/people/{asha_id}/edit", form, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Asha Rao will be emailed the new joining details and calendar file on " in text
    assert "Wednesday 11 March 2026, 08:00 IST, their time" in text
    assert "could not be sent" not in text
    assert smtp_server.messages == []


# --- The weekly cap ---------------------------------------------------------------------------


def test_a_fourth_capped_email_in_seven_days_waits_for_a_free_slot(make_app, smtp_server):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url, CANDIDATE_WEEKLY_CAP=CAP)
    zone, monday = "Europe/Paris", date(2026, 3, 2)
    candidate = _candidate(app, "busy@example.com", zone)
    for day in range(CAP):  # three changes of the joining day, on three days: all go
        moment = _local(zone, monday + timedelta(days=day), 10)
        email_id = _at(app, moment, _move_joining_day, candidate)
        assert _deliver(app, moment, [email_id]) == 1
    thursday = _local(zone, monday + timedelta(days=3), 10)
    fourth = _at(app, thursday, _move_joining_day, candidate)
    assert _deliver(app, thursday, [fourth]) == 0
    frees = _local(zone, monday + timedelta(days=7), 10)  # a week after the first went
    assert _at(app, thursday, notifications.waiting_until, [fourth]) == frees
    assert _deliver(app, frees - timedelta(minutes=1)) == 0
    assert len(smtp_server.messages) == CAP

    assert _deliver(app, frees) == 1
    messages = smtp_server.wait_for(CAP + 1)
    assert [_sent_at(m) for m in messages][-1] == frees
    # The last one carries the latest SEQUENCE: the calendar ends up right.
    assert "SEQUENCE:4" in messages[-1].get_payload()[-1].get_content()


def test_news_leaves_the_last_slot_of_the_week_to_a_change_of_the_joining_day(
    make_app, smtp_server
):
    """Updates may take only CAP - 1 slots of a rolling week: the last is kept for an
    essential, which then goes at once while the update waits."""
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url, CANDIDATE_WEEKLY_CAP=CAP)
    zone, monday = "Europe/Paris", date(2026, 3, 2)
    candidate = _candidate(app, "reader@example.com", zone)
    for day in range(CAP):
        morning = _local(zone, monday + timedelta(days=day), 7)
        _at(app, morning, _publish_news, f"Story of day {day + 1}", morning)
        ten = _local(zone, monday + timedelta(days=day), 10)
        assert _at(app, ten, news_jobs.queue_candidate_updates, ten) == 1
        _deliver(app, ten)
    assert len(smtp_server.messages) == CAP - 1, "the third update waits"
    wednesday = _local(zone, monday + timedelta(days=2), 10)
    change = _at(app, wednesday, _move_joining_day, candidate)
    assert _deliver(app, wednesday, [change]) == 1, "the essential takes the kept slot"
    with app.app_context():
        (waiting,) = _pending(candidate)
        assert waiting.kind == "candidate_update"
        assert waiting.next_attempt_at == _local(zone, monday + timedelta(days=7), 10)
    # A week after the first update, the essential still holds the kept slot: the update needs
    # two of the three sent to leave the window, so it waits for Tuesday's to leave too.
    assert _deliver(app, _local(zone, monday + timedelta(days=7), 10)) == 0
    tuesday_next = _local(zone, monday + timedelta(days=8), 10)
    with app.app_context():
        (waiting,) = _pending(candidate)
        assert waiting.next_attempt_at == tuesday_next
    assert _deliver(app, tuesday_next) == 1
    messages = smtp_server.wait_for(CAP + 1)
    subjects = [m["Subject"] for m in messages]
    assert subjects[:2] == ["What’s new: Story of day 1", "What’s new: Story of day 2"]
    assert subjects[2] == "New date for your first day"
    assert subjects[3] == "What’s new: Story of day 3"
    # Updates say where to stop them (RFC 2369); an essential has nothing to unsubscribe from.
    link = f"<{BASE_URL}/candidate/email-preferences>"
    assert [m["List-Unsubscribe"] for m in messages] == [link, link, None, link]


# --- Answers: exempt, batched -------------------------------------------------------------------


def test_answers_are_exempt_from_the_cap_but_batched(make_app, smtp_server):
    app = make_app(
        QUIET_HOURS=QUIET,
        SMTP_URL=smtp_server.url,
        CANDIDATE_WEEKLY_CAP=CAP,
        ANSWER_BATCH_MINUTES=10,
    )
    zone, day = "Europe/Paris", date(2026, 3, 3)
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter").id
    alice = _candidate(app, "alice@example.com", zone, recruiter=rita, name="Alice Martin")
    for minute in range(CAP):  # the cap is full for the week
        moment = _local(zone, day, 9, minute)
        _deliver(app, moment, [_at(app, moment, _move_joining_day, alice)])
    assert len(smtp_server.wait_for(CAP)) == CAP

    two_pm = _local(zone, day, 14)
    bodies = ["Bring your passport.", "Parking is in building B.", "Lunch is on us that day."]
    for minute, body in zip((0, 2, 5), bodies, strict=True):
        _at(app, two_pm + timedelta(minutes=minute), _answer, alice, rita, body)
    with app.app_context():
        assert len(_pending(alice)) == 1, "the later answers joined the first one's email"
    assert _deliver(app, two_pm + timedelta(minutes=9, seconds=59)) == 0
    assert _deliver(app, two_pm + timedelta(minutes=10)) == 1
    batch = smtp_server.wait_for(CAP + 1)[-1]
    assert batch["Subject"] == "Rita Recruiter answered you: 3 new answers"
    text = text_body(batch)
    assert "You have 3 new answers" in text and all(body in text for body in bodies)
    assert link_in(batch) == "http://portal.test/candidate/questions"
    assert _sent_at(batch) == two_pm + timedelta(minutes=10)

    # Alice reads the thread; a fourth answer 15 minutes after the first is a new email.
    with app.app_context():
        last = db.session.scalar(select(func.max(Message.id)))
        questions.mark_read(alice, alice, last)
        db.session.commit()
    _at(app, two_pm + timedelta(minutes=15), _answer, alice, rita, "See you on Monday!")
    assert _deliver(app, two_pm + timedelta(minutes=24)) == 0
    assert _deliver(app, two_pm + timedelta(minutes=25)) == 1
    single = smtp_server.wait_for(CAP + 2)[-1]
    assert single["Subject"] == "Rita Recruiter answered your question"
    assert "See you on Monday!" in text_body(single)
    assert not any(body in text_body(single) for body in bodies), "only what is new to her"
    assert len(smtp_server.messages) == CAP + 2, "two answer emails on top of a full cap"


def test_an_answer_at_night_waits_for_the_morning(make_app, smtp_server):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url)
    zone, day = "America/New_York", date(2026, 3, 3)
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter").id
    nora = _candidate(app, "nora@example.com", zone, recruiter=rita)
    _at(app, _local(zone, day, 20, 55), _answer, nora, rita, "Your badge is ready.")
    assert _deliver(app, _local(zone, day, 21, 5)) == 0, "the batch ended in quiet hours"
    _at(app, _local(zone, day, 23, 30), _answer, nora, rita, "And your laptop too.")
    assert _deliver(app, _local(zone, day + timedelta(days=1), 8)) == 1
    (message,) = smtp_server.wait_for(1)
    assert "2 new answers" in message["Subject"]
    assert _sent_at(message) == _local(zone, day + timedelta(days=1), 8)


def test_an_answer_removed_before_its_email_went_is_not_in_it(make_app, smtp_server):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url, ANSWER_BATCH_MINUTES=10)
    zone, noon = "Europe/Paris", _local("Europe/Paris", date(2026, 3, 3), 12)
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter").id
    alice = _candidate(app, "alice@example.com", zone, recruiter=rita)
    secret = "Oops, that salary figure was for someone else: 98,765."
    _at(app, noon, _answer, alice, rita, secret)
    _at(app, noon + timedelta(minutes=1), _answer, alice, rita, "Your desk is on floor 3.")

    def take_back() -> None:
        message = db.session.scalar(select(Message).where(Message.body == secret))
        questions.remove(message, db.session.get(User, rita))
        db.session.commit()

    _at(app, noon + timedelta(minutes=2), take_back)
    with app.app_context():
        (waiting,) = _pending(alice)
        assert secret not in (waiting.body_text or "") + (waiting.body_html or "")
    assert _deliver(app, noon + timedelta(minutes=10)) == 1
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == "Rita Recruiter answered your question"
    assert "floor 3" in text_body(message) and "salary" not in message.as_string()


# --- The candidate's own choice -----------------------------------------------------------------


def test_each_preference_gets_what_it_promises_over_three_weeks(make_app, smtp_server):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url, CANDIDATE_WEEKLY_CAP=CAP)
    people = {
        "everything": ("eve@example.com", "Asia/Kolkata"),
        "weekly_summary": ("wes@example.com", "America/New_York"),
        "essentials": ("ess@example.com", "Australia/Adelaide"),
    }
    with app.app_context():
        for preference, (address, zone) in people.items():
            user = make_candidate(address, None, zone=zone, joining_date=JOINS)
            user.candidate_profile.mail_preference = preference
        db.session.commit()
    start = datetime(2026, 3, 2, tzinfo=ZoneInfo("UTC"))  # a Monday
    for hour in range(21 * 24):
        now = start + timedelta(hours=hour)
        if now.hour == 6:  # news every day at 06:00 UTC
            _at(app, now, _publish_news, f"News of {now:%A %d %B}", now)
        _at(app, now, news_jobs.queue_candidate_updates, now)
        _at(app, now, mail_jobs.deliver, None, now)

    received: dict[str, list[datetime]] = {}
    for message in smtp_server.messages:
        received.setdefault(message["To"], []).append(_sent_at(message))
    assert "ess@example.com" not in received, "essentials only: no news emails at all"

    weekly = [
        moment.astimezone(ZoneInfo("America/New_York"))
        for moment in received[people["weekly_summary"][0]]
    ]
    assert [(m.weekday(), m.hour) for m in weekly] == [(0, 9)] * 3, "Mondays, 09:00 their time"
    assert [m.date() for m in weekly] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]

    kolkata = ZoneInfo("Asia/Kolkata")
    every = sorted(received[people["everything"][0]])
    days = [moment.astimezone(kolkata).date() for moment in every]
    assert len(days) == len(set(days)), "at most one a day"
    assert all(8 <= moment.astimezone(kolkata).hour < 21 for moment in every)
    assert len(every) >= 6, "news every day: the limit, not the lack of news, slows them"
    for first, later in zip(every, every[CAP - 1 :], strict=False):
        assert later - first >= timedelta(days=7), "at most CAP - 1 updates in 7 days"


def test_the_preference_page_saves_a_choice_and_explains_the_rules(app, people):
    app.config["QUIET_HOURS"] = QUIET  # the page explains them
    alice = app.test_client()
    sign_in(alice, people["emails"]["candidate_a"])
    page = alice.get("/candidate/email-preferences").get_data(as_text=True)
    assert "<h1>Email settings</h1>" in page
    assert re.search(
        r'<input[^>]*checked[^>]*value="everything"|value="everything"[^>]*checked', page
    )
    for words in ("Everything", "A weekly summary", "Essentials only"):
        assert f">{words}</label>" in page
    assert "Answers to your questions always reach you" in page
    assert "nothing leaves between 21:00 and 08:00 in your time zone (Europe/Paris)" in page
    assert "at most 3 emails a week" in page
    menu_link = 'href="/candidate/email-preferences" aria-current="page">Email settings</a>'
    assert menu_link in page, "in the menu, as the current page"

    with app.app_context():  # an update waiting to go, which the new choice no longer wants
        candidate = db.session.get(User, people["ids"]["candidate_a"])
        db.session.add(
            OutgoingEmail(
                to_address=candidate.email,
                to_user_id=candidate.id,
                kind="candidate_update",
                category="update",
                subject="What’s new",
                body_text="News",
            )
        )
        db.session.commit()
    saved = post_form(
        alice,
        "/candidate/email-preferences",
        {"preference": "essentials"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    text = saved.get_data(as_text=True)
    assert "Saved: “Essentials only” from now on." in text
    assert re.search(r'value="essentials"[^>]*checked|checked[^>]*value="essentials"', text)
    with app.app_context():
        profile = db.session.get(CandidateProfile, people["ids"]["candidate_a"])
        assert profile.mail_preference == "essentials"
        assert db.session.scalar(select(func.count(OutgoingEmail.id))) == 0

    for data in ({}, {"preference": "hourly"}):
        refused = post_form(alice, "/candidate/email-preferences", data)
        assert refused.status_code == 422
        assert re.search(
            r'id="preference-error"[^>]*>.*?Choose one of the three options',
            refused.get_data(as_text=True),
            re.S,
        )
    with app.app_context():
        profile = db.session.get(CandidateProfile, people["ids"]["candidate_a"])
        assert profile.mail_preference == "essentials", "nothing changed"


# --- Account mail -------------------------------------------------------------------------------


def test_account_mail_goes_at_once_even_at_night(make_app, smtp_server):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url, CANDIDATE_WEEKLY_CAP=CAP)
    zone, three_am = "Asia/Kolkata", _local("Asia/Kolkata", date(2026, 3, 10), 3)
    new = _candidate(app, "new@example.com", zone, password=None)
    known = _candidate(app, "known@example.com", zone)
    for minute in range(CAP):  # and the day before, the cap was filled
        moment = _local(zone, date(2026, 3, 9), 12, minute)
        assert _deliver(app, moment, [_at(app, moment, _move_joining_day, known)]) == 1

    def invite_and_reset() -> list[int]:
        invitation = accounts.invite(db.session.get(User, new), None)
        reset = signing_in.request_password_reset("known@example.com")
        db.session.commit()
        return [invitation.id, reset.id]

    ids = _at(app, three_am, invite_and_reset)
    assert _deliver(app, three_am, ids) == 2
    invitation, reset = smtp_server.messages[-2:]
    assert invitation["Subject"] == "Welcome! Set up your pre-boarding account"
    assert reset["Subject"] == "Reset your pre-boarding portal password"
    assert {_sent_at(invitation), _sent_at(reset)} == {three_am}


# --- HR's count --------------------------------------------------------------------------------


def test_hr_sees_how_many_emails_each_candidate_got_in_seven_days(make_app, smtp_server):
    app = make_app(QUIET_HOURS=QUIET, SMTP_URL=smtp_server.url, CANDIDATE_WEEKLY_CAP=CAP)
    zone, day = "Europe/Paris", date(2026, 3, 3)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter").id
    alice = _candidate(app, "alice@example.com", zone, recruiter=rita, name="Alice Martin")
    _candidate(app, "ben@example.com", zone, recruiter=rita, name="Ben Quiet")
    eight_days_ago = _local(zone, day - timedelta(days=8), 12)
    _deliver(app, eight_days_ago, [_at(app, eight_days_ago, _move_joining_day, alice)])
    for hour in (10, 11):
        moment = _local(zone, day, hour)
        _deliver(app, moment, [_at(app, moment, _move_joining_day, alice)])
    _at(app, _local(zone, day, 12), _answer, alice, rita, "Welcome aboard!")
    _deliver(app, _local(zone, day, 12, 10))
    assert len(smtp_server.wait_for(4)) == 4

    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    app.config["PORTAL_CLOCK"] = _local(zone, day, 18)
    page = hr.get("/hr/").get_data(as_text=True)
    assert '<th scope="col">Emails (7 days)</th>' in page
    rows = {
        name: row
        for row in page.split("<tr>")
        for name in ("Alice Martin", "Ben Quiet")
        if name in row
    }
    assert (
        '<td class="email-count">3<br><span class="muted">limit: 2 of 3</span></td>'
        in rows["Alice Martin"]
    ), "the one of eight days ago is not counted; the answer is, outside the limit"
    assert (
        '<td class="email-count">0<br><span class="muted">limit: 0 of 3</span></td>'
        in rows["Ben Quiet"]
    )

    before = count_queries(app, hr, "/hr/")
    with app.app_context():
        for n in range(10):
            extra = make_candidate(f"extra{n}@example.com", None, zone=zone, joining_date=JOINS)
            db.session.add(
                OutgoingEmail(
                    to_address=extra.email,
                    to_user_id=extra.id,
                    kind="joining_changed",
                    category="essential",
                    subject="Your joining date has changed",
                    status=EmailStatus.SENT,
                    sent_at=_local(zone, day, 9),
                )
            )
        db.session.commit()
    assert count_queries(app, hr, "/hr/") == before, "one grouped query, whatever the number"


# --- Several deliverers at once --------------------------------------------------------------


def test_concurrent_deliverers_never_send_a_message_twice_nor_break_the_cap(make_app, smtp_server):
    noon = _local("Europe/Paris", date(2026, 3, 3), 12)
    apps = [
        # No batch window: each change is an email of its own, due at once.
        make_app(
            SMTP_URL=smtp_server.url,
            CANDIDATE_WEEKLY_CAP=CAP,
            PORTAL_CLOCK=noon,
            JOINING_MAIL_BATCH_MINUTES=0,
        )
        for _ in range(4)
    ]
    with apps[0].app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        candidates = [
            make_candidate(f"c{n}@example.com", rita, joining_date=JOINS, name=f"Cand {n}")
            for n in range(8)
        ]
        for n in range(40):  # staff mail: never held
            notifications.queue(
                to=rita,
                kind="question_asked",
                template="questions/email/question_asked",
                subject=f"Question number {n}",
                candidate=candidates[n % 8],
                excerpt=f"Question {n}?",
                link="http://portal.test/recruiter/",
            )
        db.session.commit()
        ids = [candidate.id for candidate in candidates]
        for candidate_id in ids:  # five changes each: the cap lets three go this week
            for _ in range(5):
                _move_joining_day(candidate_id)

    start = threading.Barrier(len(apps))
    errors: list[BaseException] = []

    def deliverer(app) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                for _ in range(3):
                    mail_jobs.deliver()
        except BaseException as error:  # reported below, never lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=deliverer, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    expected = 40 + CAP * len(ids)
    received = smtp_server.wait_for(expected)
    assert len(received) == expected, "each message once, and no more"
    staff = Counter(m["Subject"] for m in received if m["To"] == "rita@example.com")
    assert staff == Counter({f"Question number {n}": 1 for n in range(40)})
    per_candidate = Counter(m["To"] for m in received if m["To"] != "rita@example.com")
    assert per_candidate == Counter({f"c{n}@example.com": CAP for n in range(8)})
    with apps[0].app_context():
        sent = db.session.scalar(
            select(func.count(OutgoingEmail.id)).where(OutgoingEmail.status == EmailStatus.SENT)
        )
        assert sent == expected
