"""Engagement events recorded where candidates act, driven through the real routes: each once,
home views at most once an hour (fixed clocks), never the words of a search, and the
`question.asked` webhook written in the same commit as the question."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from portal.accounts import tokens
from portal.accounts.models import TokenPurpose
from portal.core.extensions import db
from portal.engagement.public_views import RECORDED
from portal.events.models import ACTIVITY_KINDS, EngagementEvent, EventKind
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role, User
from portal.questions.models import FaqEntry, Message
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint, WebhookMessage
from tests.support import PASSWORD, make_candidate, make_staff, post_form, run_counted, sign_in

# Joining on Monday 7 December 2026 at 09:00 in Paris; the clock stands a week before.
JOINING = date(2026, 12, 7)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NEW_PASSWORD = "a brand new passphrase 2026"
PRIVATE = "Between us: I have another offer and I am not sure what to do."


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app):
    """HR, two recruiters, Alice (Rita's candidate) and Ben (Bob's)."""
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        bob = make_staff(Role.RECRUITER, "bob@example.com", "Bob Recruiter")
        alice = make_candidate("alice@example.com", rita, name="Alice Martin", joining_date=JOINING)
        ben = make_candidate("ben@example.com", bob, name="Ben Moreau", joining_date=JOINING)
        return {"hr": hr.id, "rita": rita.id, "bob": bob.id, "alice": alice.id, "ben": ben.id}


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _events(app, candidate_id: int | None = None, kind: EventKind | None = None) -> list[tuple]:
    """(kind, subject, data, occurred_at) of the events, oldest first."""
    with app.app_context():
        query = select(EngagementEvent).order_by(EngagementEvent.id)
        if candidate_id is not None:
            query = query.where(EngagementEvent.candidate_id == candidate_id)
        if kind is not None:
            query = query.where(EngagementEvent.kind == kind)
        return [(e.kind, e.subject, e.data, e.occurred_at) for e in db.session.scalars(query).all()]


def _kinds(app, candidate_id: int) -> Counter:
    return Counter(kind for kind, *_ in _events(app, candidate_id))


def _at(app, moment: datetime) -> None:
    """Move the portal's clock (pages read PORTAL_CLOCK on every request)."""
    app.config["PORTAL_CLOCK"] = moment


def _add_news(visible: bool = True) -> int:
    feed = db.session.scalar(select(Feed).where(Feed.name == "Company news"))
    if feed is None:
        feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
    entry = FeedEntry(
        feed_id=feed.id,
        key=uuid.uuid4().hex,
        title="Our new office",
        link="https://news.example.com/new-office",
        summary_html="<p>We moved.</p>",
        hidden=not visible,
    )
    db.session.add(entry)
    db.session.commit()
    return entry.id


def _ask(client, body: str):
    return post_form(client, "/candidate/questions", {"body": body, "client_key": uuid.uuid4().hex})


def _answer(app, candidate_id: int, recruiter_id: int, body: str) -> int:
    with app.app_context():
        message = Message(candidate_id=candidate_id, author_id=recruiter_id, body=body)
        db.session.add(message)
        db.session.commit()
        return message.id


# --- Each thing a candidate does, recorded once ---------------------------------------------


def test_a_visit_records_each_thing_the_candidate_does_once(app, cast):
    with app.app_context():
        news_id = _add_news()
        db.session.add(FaqEntry(question="Where do I park?", answer="Building B.", published=True))
        template = timeline.create_template(None, MilestoneFields("Documents to prepare", -14))
        db.session.commit()
        template_id = template.id
    alice = _client(app, "alice@example.com")
    assert alice.get("/candidate/").status_code == 200
    assert alice.get(f"/candidate/news/{news_id}/open").status_code == 302
    assert _ask(alice, "Which documents should I bring?").status_code == 302
    _answer(app, cast["alice"], cast["rita"], "Your ID card and bank details.")
    assert alice.get("/candidate/questions").status_code == 200
    assert alice.get("/faq/?q=park").status_code == 200
    assert alice.get("/candidate/calendar.ics").status_code == 200
    assert alice.get(f"/candidate/timeline/{template_id}").status_code == 200

    assert _kinds(app, cast["alice"]) == Counter(
        {
            EventKind.SIGNED_IN: 1,
            EventKind.HOME_VIEWED: 1,
            EventKind.NEWS_OPENED: 1,
            EventKind.QUESTION_ASKED: 1,
            EventKind.ANSWER_READ: 1,
            EventKind.FAQ_SEARCHED: 1,
            EventKind.CALENDAR_DOWNLOADED: 1,
            EventKind.TIMELINE_VIEWED: 1,
        }
    )
    # Nothing about Ben, and nothing about staff: events are about candidates.
    assert _events(app, cast["ben"]) == []
    with app.app_context():
        people = set(db.session.scalars(select(EngagementEvent.candidate_id)))
    assert people == {cast["alice"]}


def test_only_candidates_sign_ins_are_recorded(app, cast):
    _client(app, "alice@example.com")
    _client(app, "alice@example.com")
    wrong = app.test_client()
    assert sign_in(wrong, "alice@example.com", "not the password").status_code == 200
    for staff in ("rita@example.com", "hr@example.com"):
        _client(app, staff)
    signed_in = _events(app, kind=EventKind.SIGNED_IN)
    assert len(signed_in) == 2
    assert all(at == NOW for *_, at in signed_in)
    assert _events(app, cast["rita"]) == [] and _events(app, cast["hr"]) == []


def test_accepting_an_invitation_or_resetting_a_password_is_a_sign_in(app, cast):
    with app.app_context():
        nina = make_candidate("nina@example.com", None, name="Nina New", password=None)
        nina_id = nina.id
        invitation = tokens.issue(nina, TokenPurpose.INVITATION, timedelta(hours=72))
        alice = db.session.get(User, cast["alice"])
        reset = tokens.issue(alice, TokenPurpose.PASSWORD_RESET, timedelta(hours=2))
        db.session.commit()
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for path in (f"/invitation/{invitation}", f"/password/reset/{reset}"):
        done = post_form(app.test_client(), path, form)
        assert done.status_code == 302 and done.headers["Location"] == "/candidate/"
    assert _kinds(app, nina_id) == Counter({EventKind.SIGNED_IN: 1})
    assert _kinds(app, cast["alice"]) == Counter({EventKind.SIGNED_IN: 1})
    # Changing one's password from the account page is not a new sign-in.
    alice_client = app.test_client()
    assert sign_in(alice_client, "alice@example.com", NEW_PASSWORD).status_code == 302
    changed = post_form(
        alice_client,
        "/account/password",
        {"current": NEW_PASSWORD, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert changed.status_code == 302
    assert _kinds(app, cast["alice"]) == Counter({EventKind.SIGNED_IN: 2})


# --- Home views: at most once an hour ----------------------------------------------------------


def test_the_home_page_is_recorded_at_most_once_an_hour(app, cast):
    alice = _client(app, "alice@example.com")
    for minutes in (0, 1, 30, 59):
        _at(app, NOW + timedelta(minutes=minutes))
        assert alice.get("/candidate/").status_code == 200
    assert [at for *_, at in _events(app, cast["alice"], EventKind.HOME_VIEWED)] == [NOW]

    for minutes in (60, 61, 119, 180):
        _at(app, NOW + timedelta(minutes=minutes))
        assert alice.get("/candidate/").status_code == 200
    assert [at for *_, at in _events(app, cast["alice"], EventKind.HOME_VIEWED)] == [
        NOW,
        NOW + timedelta(minutes=60),
        NOW + timedelta(minutes=180),
    ]
    # Ben's visits are his own: Alice's recent view does not hide his.
    ben = _client(app, "ben@example.com")
    assert ben.get("/candidate/").status_code == 200
    assert len(_events(app, cast["ben"], EventKind.HOME_VIEWED)) == 1


def test_only_the_visit_that_records_writes_and_the_usual_visit_only_reads(app, cast):
    alice = _client(app, "alice@example.com")
    recording, _ = run_counted(app, alice, "/candidate/")
    usual, _ = run_counted(app, alice, "/candidate/")
    assert len(_events(app, cast["alice"], EventKind.HOME_VIEWED)) == 1

    def writes(statements: list[str]) -> list[str]:
        return [s for s in statements if s.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]

    # The visit to the news begins (news.visits: what is "new" moves on), then the event, and
    # the candidate's summary brought up to date, all in the same transaction.
    assert [" ".join(s.split()[:3]) for s in writes(recording)] == [
        "UPDATE candidate_profiles SET",
        "INSERT INTO engagement_events",
        "UPDATE candidate_summaries SET",
    ]
    assert writes(usual) == []
    # The recording adds a fixed handful of statements (its own short write transaction, the
    # news visit, and
    # the recruiter's working week the status counts the answer promise in).
    assert 0 < len(recording) - len(usual) <= 7


# --- News, calendar, answers ---------------------------------------------------------------


def test_opening_a_news_item_names_it_and_one_out_of_reach_records_nothing(app, cast):
    with app.app_context():
        shown, hidden = _add_news(), _add_news(visible=False)
    alice = _client(app, "alice@example.com")
    opened = alice.get(f"/candidate/news/{shown}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"] == "https://news.example.com/new-office"
    assert alice.get(f"/candidate/news/{hidden}/open").status_code == 404
    assert alice.get("/candidate/news/999999999/open").status_code == 404
    assert [(k, s) for k, s, *_ in _events(app, cast["alice"], EventKind.NEWS_OPENED)] == [
        (EventKind.NEWS_OPENED, f"news:{shown}")
    ]


def test_each_calendar_download_is_recorded(app, cast):
    alice = _client(app, "alice@example.com")
    for _ in range(2):
        download = alice.get("/candidate/calendar.ics")
        assert download.status_code == 200 and b"BEGIN:VEVENT" in download.get_data()
    assert len(_events(app, cast["alice"], EventKind.CALENDAR_DOWNLOADED)) == 2


def test_reading_answers_is_recorded_once_per_new_batch(app, cast):
    alice = _client(app, "alice@example.com")
    assert _ask(alice, "Is there parking?").status_code == 302
    assert alice.get("/candidate/questions").status_code == 200  # nothing to read yet
    assert _events(app, cast["alice"], EventKind.ANSWER_READ) == []

    _answer(app, cast["alice"], cast["rita"], "Yes, in building B.")
    second = _answer(app, cast["alice"], cast["rita"], "Ask for a badge at reception.")
    for _ in range(3):
        page = alice.get("/candidate/questions").get_data(as_text=True)
        assert "Ask for a badge at reception." in page
    read = _events(app, cast["alice"], EventKind.ANSWER_READ)
    assert [(s, d) for _k, s, d, _at in read] == [(f"message:{second}", {"answers": 2})]

    third = _answer(app, cast["alice"], cast["rita"], "And it is free.")
    alice.get("/candidate/questions")
    alice.get("/candidate/questions")
    read = _events(app, cast["alice"], EventKind.ANSWER_READ)
    assert [s for _k, s, *_ in read] == [f"message:{second}", f"message:{third}"]


def test_a_removed_answer_is_not_an_answer_to_read(app, cast):
    _ask(_client(app, "alice@example.com"), "Is there parking?")
    answer = _answer(app, cast["alice"], cast["rita"], "Yes.")
    with app.app_context():
        db.session.get(Message, answer).removed_at = NOW
        db.session.get(Message, answer).body = None
        db.session.commit()
    _client(app, "alice@example.com").get("/candidate/questions")
    assert _events(app, cast["alice"], EventKind.ANSWER_READ) == []


# --- FAQ searches: that they searched, never what ---------------------------------------------


def test_a_faq_search_records_how_many_answers_came_up_never_the_words(app, cast):
    with app.app_context():
        db.session.add_all(
            [
                FaqEntry(question="Where do I park?", answer="Building B.", published=True),
                FaqEntry(question="Is parking free?", answer="Yes.", published=True),
            ]
        )
        db.session.commit()
    alice = _client(app, "alice@example.com")
    assert alice.get("/faq/").status_code == 200  # the list itself is no search
    assert "Where do I park?" in alice.get("/faq/?q=park").get_data(as_text=True)
    assert alice.get("/faq/?q=salary+negotiation").status_code == 200
    assert alice.get("/faq/?q=+++").status_code == 200  # blank: no search
    _client(app, "rita@example.com").get("/faq/?q=park")  # staff searches are not about candidates

    searches = _events(app, kind=EventKind.FAQ_SEARCHED)
    assert [(s, d) for _k, s, d, _at in searches] == [
        (None, {"results": 2}),
        (None, {"results": 0}),
    ]
    with app.app_context():
        rows = db.session.execute(select(EngagementEvent.__table__)).all()
    stored = json.dumps([list(map(str, row)) for row in rows]).lower()
    for word in ("park", "salary", "negotiation"):
        assert word not in stored, f"the search word {word!r} was stored"


# --- Questions: the event and the webhook, in the question's own commit ------------------------


def _endpoint(url: str, types: list[str], recruiter_id: int | None = None) -> None:
    db.session.add(
        WebhookEndpoint(
            url=url,
            secret=webhooks.generate_secret(),
            event_types=types,
            recruiter_id=recruiter_id,
        )
    )


def test_a_question_publishes_question_asked_in_the_same_commit_without_its_text(app, cast):
    with app.app_context():
        _endpoint("https://ats.example.com/hooks", ["question.asked", "pulse.answered"])
        _endpoint("https://chat.example.com/rita", ["question.asked"], recruiter_id=cast["rita"])
        _endpoint("https://chat.example.com/bob", ["question.asked"], recruiter_id=cast["bob"])
        _endpoint("https://crm.example.com/status", ["candidate.status_changed"])
        db.session.commit()
    alice = _client(app, "alice@example.com")
    csrf = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', alice.get("/candidate/questions").text
    )
    assert csrf

    log: list[str] = []
    with app.app_context():
        engine = db.engine

    def on_statement(_conn, _cursor, statement, *_args):
        log.append(statement.split("(")[0].strip().upper())

    def on_commit(_conn):
        log.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        sent = alice.post(
            "/candidate/questions",
            data={"csrf_token": csrf.group(1), "body": PRIVATE, "client_key": "key-1"},
        )
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)
    assert sent.status_code == 302

    # The message, its event and its outbox rows are written between the same two commits.
    def positions(prefix: str) -> list[int]:
        found = [i for i, line in enumerate(log) if line.startswith(prefix)]
        assert found, f"no {prefix} in {log}"
        return found

    wrote = [
        *positions("INSERT INTO MESSAGES"),
        *positions("INSERT INTO ENGAGEMENT_EVENTS"),
        *positions("INSERT INTO WEBHOOK_MESSAGES"),
    ]
    first_commit_after = min(i for i, line in enumerate(log) if line == "COMMIT" and i > max(wrote))
    assert "COMMIT" not in log[min(wrote) : first_commit_after]

    with app.app_context():
        question = db.session.scalar(select(Message).where(Message.body == PRIVATE))
        rows = db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()
        urls = [db.session.get(WebhookEndpoint, row.endpoint_id).url for row in rows]
        bodies = [json.loads(row.body) for row in rows]
        types = {row.event_type for row in rows}
    # Every endpoint for question.asked that may see Rita's candidates; not Bob's, not others.
    assert urls == ["https://ats.example.com/hooks", "https://chat.example.com/rita"]
    assert types == {"question.asked"}
    asked_at = question.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    for body in bodies:
        assert body["type"] == "question.asked"
        assert body["data"] == {
            # Ids only: no endpoint here opted into personal fields.
            "candidate": {"id": cast["alice"]},
            "question": {"id": question.id, "asked_at": asked_at},
            "recruiter_id": cast["rita"],
        }
        assert asked_at.endswith("Z")
    for row_body in [row.body for row in rows]:
        assert "another offer" not in row_body and "Between us" not in row_body
    assert [(s, at) for _k, s, _d, at in _events(app, cast["alice"], EventKind.QUESTION_ASKED)] == [
        (f"message:{question.id}", question.created_at)
    ]

    # The same form sent twice stores one question: no second event, no second webhook.
    again = alice.post(
        "/candidate/questions",
        data={"csrf_token": csrf.group(1), "body": PRIVATE, "client_key": "key-1"},
    )
    assert again.status_code == 302
    assert len(_events(app, cast["alice"], EventKind.QUESTION_ASKED)) == 1
    with app.app_context():
        assert len(db.session.scalars(select(WebhookMessage)).all()) == 2


def test_a_recruiters_answer_is_no_question(app, cast):
    with app.app_context():
        _endpoint("https://ats.example.com/hooks", ["question.asked"])
        db.session.commit()
    _ask(_client(app, "alice@example.com"), "Is there parking?")
    rita = _client(app, "rita@example.com")
    answered = post_form(
        rita,
        f"/recruiter/candidates/{cast['alice']}/questions",
        {"body": "Yes, in building B.", "client_key": uuid.uuid4().hex},
    )
    assert answered.status_code == 302
    assert len(_events(app, cast["alice"], EventKind.QUESTION_ASKED)) == 1
    with app.app_context():
        assert len(db.session.scalars(select(WebhookMessage)).all()) == 1


def test_a_question_refused_leaves_no_event_and_no_webhook(app, cast):
    with app.app_context():
        _endpoint("https://ats.example.com/hooks", ["question.asked"])
        db.session.commit()
    alice = _client(app, "alice@example.com")
    refused = _ask(alice, "   ")
    assert refused.status_code == 422
    assert _events(app, cast["alice"], EventKind.QUESTION_ASKED) == []
    with app.app_context():
        assert db.session.scalars(select(WebhookMessage)).all() == []


# --- A milestone's own page ------------------------------------------------------------------


@pytest.fixture
def milestones(app, cast):
    """Two template milestones (one hidden for Alice, one changed for her), and one of each
    candidate's own."""
    with app.app_context():
        alice = db.session.get(User, cast["alice"])
        ben = db.session.get(User, cast["ben"])
        documents = timeline.create_template(
            None,
            MilestoneFields(
                "Documents to prepare", -14, details="Your ID card.\nYour bank details & <IBAN>."
            ),
        )
        lunch = timeline.create_template(None, MilestoneFields("Team lunch", 0))
        timeline.change_for_candidate(
            None,
            alice,
            documents,
            MilestoneFields("Documents for Alice", -14, details="Only your passport."),
        )
        timeline.hide(None, alice, lunch)
        own_alice = timeline.add_own(None, alice, MilestoneFields("Visa appointment", -20))
        own_ben = timeline.add_own(None, ben, MilestoneFields("Relocation call", -3))
        db.session.commit()
        return {
            "documents": documents.id,
            "lunch": lunch.id,
            "own_alice": own_alice.id,
            "own_ben": own_ben.id,
        }


def test_a_milestone_page_shows_it_in_full_and_records_the_view(app, cast, milestones):
    ben = _client(app, "ben@example.com")
    response = ben.get(f"/candidate/timeline/{milestones['documents']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Documents to prepare</h1>" in page
    assert "Monday 23 November 2026" in page  # 14 days before Monday 7 December
    assert "14 days before joining" in page
    assert "Your ID card.\nYour bank details &amp; &lt;IBAN&gt;." in page
    assert "Done" in page  # 23 November is past on 30 November
    assert "What we record and why" in page
    viewed = _events(app, cast["ben"], EventKind.TIMELINE_VIEWED)
    assert [(s, at) for _k, s, _d, at in viewed] == [(f"milestone:{milestones['documents']}", NOW)]

    own = ben.get(f"/candidate/timeline/own-{milestones['own_ben']}")
    assert own.status_code == 200 and "<h1>Relocation call</h1>" in own.get_data(as_text=True)
    assert _events(app, cast["ben"], EventKind.TIMELINE_VIEWED)[-1][1] == (
        f"milestone:own-{milestones['own_ben']}"
    )


def test_a_candidate_sees_their_own_version_and_nothing_hidden_or_of_others(app, cast, milestones):
    alice = _client(app, "alice@example.com")
    mine = alice.get(f"/candidate/timeline/{milestones['documents']}").get_data(as_text=True)
    assert "<h1>Documents for Alice</h1>" in mine and "Only your passport." in mine
    assert "IBAN" not in mine
    for path in (
        f"/candidate/timeline/{milestones['lunch']}",  # hidden for her
        f"/candidate/timeline/own-{milestones['own_ben']}",  # Ben's
        f"/candidate/timeline/own-{milestones['documents']}",  # a template id is no own id
        "/candidate/timeline/999999999",
        "/candidate/timeline/own-999999999",
    ):
        assert alice.get(path).status_code == 404, path
    assert len(_events(app, cast["alice"], EventKind.TIMELINE_VIEWED)) == 1
    # Staff have no candidate pages.
    assert (
        _client(app, "rita@example.com")
        .get(f"/candidate/timeline/{milestones['documents']}")
        .status_code
        == 404
    )


def test_each_item_of_the_home_timeline_links_to_its_page(app, cast, milestones):
    page = _client(app, "alice@example.com").get("/candidate/").get_data(as_text=True)
    links = re.findall(r'<a href="(/candidate/timeline/[^"]+)">More about this step', page)
    assert links == [
        f"/candidate/timeline/own-{milestones['own_alice']}",
        f"/candidate/timeline/{milestones['documents']}",
    ]


# --- What we record and why -------------------------------------------------------------------


def test_what_we_record_explains_every_kind_of_activity(app, cast):
    assert set(RECORDED) == set(ACTIVITY_KINDS)
    response = app.test_client().get("/what-we-record")  # anonymous visitors too
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    for title, _kept in RECORDED.values():
        assert title in page
    for promise in (
        "Never the words you searched for",
        "Your recruiter and our HR team",
        "not what you asked",
        "the number, not your comment",
        "How long we keep it",
        "ask your recruiter or HR",
        "once every 14 days",
    ):
        assert promise in page, promise


@pytest.mark.parametrize(
    ("email", "path", "status"),
    [
        (None, "/sign-in", 200),
        (None, "/no-such-page", 404),
        ("alice@example.com", "/candidate/", 200),
        ("alice@example.com", "/candidate/questions", 200),
        ("alice@example.com", "/faq/", 200),
        ("rita@example.com", "/recruiter/", 200),
        ("hr@example.com", "/hr/", 200),
        (None, "/what-we-record", 200),
    ],
)
def test_every_page_links_to_what_we_record_in_its_footer(app, cast, email, path, status):
    client = _client(app, email) if email else app.test_client()
    response = client.get(path)
    assert response.status_code == status
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', response.text, re.S)
    assert footer and '<a href="/what-we-record">What we record and why</a>' in footer.group(1)
