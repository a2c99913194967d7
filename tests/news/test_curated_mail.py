"""What's new only from curated news, decided again when it is sent: through the real worker
(its candidate_updates and mail jobs), a fixed clock and a real SMTP server on loopback.

News goes into a candidate's mail only once HR published it or it has been shown for
NEWS_CURATION_DELAY_HOURS; an item HR hides after the email was queued is left out of it, and
an email left with nothing to say is not sent, and shown to HR with its reason."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news import updates
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role
from portal.worker.loop import JOBS, Worker
from tests.support import make_candidate, make_staff, post_form, sign_in, text_body

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime.combine(date.today(), time(10, 30), tzinfo=PARIS)  # outside quiet hours
DELAY = timedelta(hours=24)  # NEWS_CURATION_DELAY_HOURS, the default
CURATED = T0 + DELAY + timedelta(minutes=1)  # the next morning, 10:31
QUEUE_ONLY = tuple(job for job in JOBS if job.name == "candidate_updates")
MAIL_ONLY = tuple(job for job in JOBS if job.name == "mail")
QUEUE_AND_MAIL = QUEUE_ONLY + MAIL_ONLY


@pytest.fixture
def site(make_app, smtp_server):
    """Alice (everything), HR, and two stories first seen at T0."""
    app = make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=T0)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter", password=None)
        make_candidate("alice@example.com", rita, name="Alice Martin", joins_in=30)
        feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
        app.stories = {}
        for key, title in (("lyon", "Lyon office opens"), ("cafe", "A new café")):
            entry = FeedEntry(
                feed_id=feed.id,
                key=key,
                title=title,
                link=f"https://news.example.com/{key}",
                summary_html=f"<p>{title}.</p>",
                published_at=T0,
                first_seen_at=T0,
                last_seen_at=T0,
            )
            db.session.add(entry)
            db.session.flush()
            app.stories[key] = entry.id
        db.session.commit()
    return app


def _run(app, jobs, moment: datetime) -> None:
    app.config["PORTAL_CLOCK"] = moment
    for outcome in Worker(app, jobs).run_pass():
        assert outcome.error is None, outcome.error


def _hr(app):
    client = app.test_client()
    assert sign_in(client, "hr@example.com").status_code == 302
    return client


def _hr_action(app, moment: datetime, entry_id: int, action: str, **data: str):
    """HR presses a button on the entries list (hide, show, publish now) at `moment`."""
    app.config["PORTAL_CLOCK"] = moment
    response = post_form(
        _hr(app),
        f"/hr/news/entries/{entry_id}/{action}",
        data,
        form_url="/hr/news/entries",
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _update_emails(app) -> list[OutgoingEmail]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutgoingEmail)
                .where(OutgoingEmail.kind == updates.UPDATE_KIND)
                .order_by(OutgoingEmail.id)
            )
        )


def _news_links(message) -> set[int]:
    return {int(n) for n in re.findall(r"/candidate/news/(\d+)/open", text_body(message))}


def test_news_is_not_mailed_before_the_curation_delay(site, smtp_server):
    for moment in (T0, T0 + timedelta(hours=2), CURATED - timedelta(minutes=2)):
        _run(site, QUEUE_AND_MAIL, moment)
    assert smtp_server.messages == []
    assert _update_emails(site) == []

    page = _hr(site).get("/hr/news/entries").get_data(as_text=True)
    assert page.count("In candidates' email from") == 2
    assert page.count("Publish now") == 2

    _run(site, QUEUE_AND_MAIL, CURATED)

    (sent,) = smtp_server.wait_for(1)
    assert sent["To"] == "alice@example.com"
    assert _news_links(sent) == set(site.stories.values())
    assert "Lyon office opens" in text_body(sent) and "A new café" in text_body(sent)
    site.config["PORTAL_CLOCK"] = CURATED
    page = _hr(site).get("/hr/news/entries").get_data(as_text=True)
    assert page.count("In candidates' email since") == 2
    assert "Publish now" not in page


def test_hr_publishes_one_story_now_and_the_other_follows_after_the_delay(site, smtp_server):
    _hr_action(site, T0 + timedelta(hours=1), site.stories["lyon"], "publish")

    _run(site, QUEUE_AND_MAIL, T0 + timedelta(hours=1))

    (first,) = smtp_server.wait_for(1)
    assert _news_links(first) == {site.stories["lyon"]}
    assert "A new café" not in text_body(first)

    _run(site, QUEUE_AND_MAIL, CURATED)  # the next local day: the café story is curated now

    first, second = smtp_server.wait_for(2)
    assert _news_links(second) == {site.stories["cafe"]}, "not lost, not sent twice"


def test_a_story_hidden_after_queueing_is_left_out(site, smtp_server):
    _run(site, QUEUE_ONLY, CURATED)
    (queued,) = _update_emails(site)
    assert queued.status == EmailStatus.PENDING
    assert "A new café" in queued.body_text

    _hr_action(site, CURATED, site.stories["cafe"], "flag", flag="hidden", value="1")
    _run(site, MAIL_ONLY, CURATED + timedelta(minutes=1))

    (sent,) = smtp_server.wait_for(1)
    assert _news_links(sent) == {site.stories["lyon"]}
    assert "A new café" not in text_body(sent)
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "A new café" not in html and "Lyon office opens" in html
    client = site.test_client()
    assert sign_in(client, "alice@example.com").status_code == 302
    for entry_id in _news_links(sent):  # every story it links to is there for her
        assert client.get(f"/candidate/news/{entry_id}/open").status_code == 302


def test_an_email_whose_stories_were_all_hidden_is_not_sent_and_hr_sees_why(site, smtp_server):
    _run(site, QUEUE_ONLY, CURATED)
    for story in site.stories.values():
        _hr_action(site, CURATED, story, "flag", flag="hidden", value="1")

    _run(site, MAIL_ONLY, CURATED + timedelta(minutes=1))

    assert smtp_server.messages == []
    (email,) = _update_emails(site)
    assert email.status == EmailStatus.DROPPED
    page = _hr(site).get("/hr/mail/parked").get_data(as_text=True)
    dropped = page[page.index("Mail not sent on purpose") :]
    assert "What’s new: " in dropped and "to alice@example.com" in dropped
    assert (
        "The news in it was hidden, removed or is no longer meant for this candidate, "
        "and nothing else in it was new."
    ) in dropped


def test_a_story_retargeted_away_from_the_candidate_is_left_out(site, smtp_server):
    _run(site, QUEUE_ONLY, CURATED)
    site.config["PORTAL_CLOCK"] = CURATED
    saved = post_form(
        _hr(site),
        f"/hr/news/entries/{site.stories['lyon']}/audience",
        {"departments": "Sales", "locations": ""},
    )
    assert saved.status_code == 302

    _run(site, MAIL_ONLY, CURATED + timedelta(minutes=1))

    (sent,) = smtp_server.wait_for(1)
    assert _news_links(sent) == {site.stories["cafe"]}
    assert sent["Subject"] == "What’s new: A new café"


def test_showing_a_hidden_story_again_starts_the_delay_again(site, smtp_server):
    _hr_action(
        site, T0 + timedelta(hours=1), site.stories["lyon"], "flag", flag="hidden", value="1"
    )
    shown_again = T0 + timedelta(hours=20)  # 06:30 the next morning
    _hr_action(site, shown_again, site.stories["lyon"], "flag", flag="hidden", value="0")

    _run(site, QUEUE_AND_MAIL, CURATED)

    (sent,) = smtp_server.wait_for(1)
    assert _news_links(sent) == {site.stories["cafe"]}
    site.config["PORTAL_CLOCK"] = CURATED
    page = _hr(site).get("/hr/news/entries").get_data(as_text=True)
    row = page[page.index(f'id="entry-{site.stories["lyon"]}"') :]
    assert "In candidates' email from" in row[: row.index("</tr>")]

    _run(site, QUEUE_AND_MAIL, shown_again + DELAY + timedelta(hours=4))  # 10:30, a day later

    first, second = smtp_server.wait_for(2)
    assert _news_links(second) == {site.stories["lyon"]}


def test_the_curation_delay_comes_from_the_environment(monkeypatch):
    from portal.core.config import from_environment

    monkeypatch.setenv("NEWS_CURATION_DELAY_HOURS", "6")
    assert from_environment()["NEWS_CURATION_DELAY_HOURS"] == 6
    monkeypatch.delenv("NEWS_CURATION_DELAY_HOURS")
    assert from_environment()["NEWS_CURATION_DELAY_HOURS"] == 24


def test_a_german_candidates_update_is_written_in_german(site, smtp_server):
    """The "What's new" email is written in its recipient's language, subject included, and
    rewritten in it when a story is left out at send time."""
    from portal.people.models import User

    with site.app_context():
        alice = db.session.scalars(select(User).where(User.email == "alice@example.com")).one()
        alice.language = "de"
        db.session.commit()
    _run(site, QUEUE_ONLY, CURATED)
    _hr_action(site, CURATED, site.stories["cafe"], "flag", flag="hidden", value="1")
    _run(site, MAIL_ONLY, CURATED + timedelta(minutes=1))

    (sent,) = smtp_server.wait_for(1)
    assert sent["Subject"] == "Neuigkeiten: Lyon office opens"  # the title is data
    text = text_body(sent)
    assert "Hallo Alice," in text and "Neu für Sie seit unserer letzten E-Mail:" in text
    assert "Ihr Pre-Boarding-Portal öffnen:" in text and "A new café" not in text
    assert "weil Sie „Alles“ gewählt haben" in text
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "Neu für Sie seit unserer letzten E-Mail" in html and "Open your" not in html
