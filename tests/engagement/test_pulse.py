"""The pulse check on the candidate home: offered once the candidate has used the portal for a
while, then every 14 days until the first day (fixed clocks), answered through the form,
refused with the reason beside the field, stored with its event and its `pulse.answered`
webhook; and in a real browser, by keyboard, checked by axe-core and the Nu HTML checker."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.demo import load as demo
from portal.engagement import pulse
from portal.engagement.models import PulseResponse
from portal.events import log as events
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import Role, User
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint, WebhookMessage
from tests import browser as tools
from tests.support import PASSWORD, make_candidate, make_staff, post_form, sign_in

# Sunday 1 November 2026, 09:00 UTC; Alice joins on Monday 7 December, five weeks later.
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
JOINING = date(2026, 12, 7)
PERIOD = timedelta(days=14)
QUESTION = "How do you feel about joining?"
CHOOSE_A_STEP = "Choose how you feel, from “Worried” to “Can't wait”."


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app):
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        bob = make_staff(Role.RECRUITER, "bob@example.com", "Bob Recruiter")
        alice = make_candidate("alice@example.com", rita, name="Alice Martin", joining_date=JOINING)
        ben = make_candidate("ben@example.com", bob, name="Ben Moreau", joining_date=JOINING)
        # Both have used the portal for a while (signed in on two days, the first 10 days ago):
        # the pulse waits for that (test_the_pulse_waits_until_the_portal_has_been_used).
        for candidate in (alice, ben):
            for days in (10, 9):
                events.record(candidate.id, EventKind.SIGNED_IN, at=NOW - timedelta(days=days))
        db.session.commit()
        return {"rita": rita.id, "bob": bob.id, "alice": alice.id, "ben": ben.id}


def _client(app, email: str = "alice@example.com"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _at(app, moment: datetime) -> None:
    app.config["PORTAL_CLOCK"] = moment


def _offered(page: str) -> bool:
    return '<fieldset class="pulse-scale' in page


def _answer(client, **fields):
    return post_form(client, "/candidate/pulse", fields, form_url="/candidate/")


def _responses(app, candidate_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(
            select(PulseResponse)
            .where(PulseResponse.candidate_id == candidate_id)
            .order_by(PulseResponse.id)
        )
        return [(r.score, r.comment, r.answered_at) for r in rows]


def _webhook_bodies(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id))
        return [json.loads(row.body) for row in rows]


def _error_beside(page: str, field: str, text: str) -> bool:
    """The message in the element the field points at (id="<field>-error")."""
    found = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
    return found is not None and text in html.unescape(found.group(1))


# --- Offered, and how it reads ----------------------------------------------------------------


def test_the_home_offers_five_steps_in_a_fieldset_with_one_button(app, cast):
    page = _client(app).get("/candidate/").get_data(as_text=True)
    assert _offered(page)
    fieldset = re.search(r'<fieldset class="pulse-scale.*?</fieldset>', page, re.S).group(0)
    assert f"<legend>{QUESTION}</legend>" in fieldset
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', fieldset)
    assert len(radios) == 5 and all('name="score"' in radio for radio in radios)
    values = [re.search(r'value="(\d)"', radio).group(1) for radio in radios]
    assert values == ["1", "2", "3", "4", "5"]
    labels = [
        html.unescape(" ".join(re.sub(r"<[^>]+>", " ", label).split()))
        for label in re.findall(r'<label for="score-\d">(.*?)</label>', fieldset, re.S)
    ]
    assert labels == ["1 Worried", "2 Unsure", "3 Fine", "4 Looking forward to it", "5 Can't wait"]
    assert not any("checked" in radio for radio in radios)
    form = re.search(r'<form method="post" action="/candidate/pulse#pulse".*?</form>', page, re.S)
    assert form and form.group(0).count("<button") == 1
    assert 'for="comment"' in form.group(0) and 'maxlength="1000"' in form.group(0)


def test_offered_every_14_days_and_a_second_answer_in_between_is_refused(app, cast):
    alice = _client(app)
    answered = _answer(alice, score="4", comment="")
    assert answered.status_code == 302 and answered.headers["Location"] == "/candidate/#main"
    home = alice.get("/candidate/").get_data(as_text=True)
    assert "Thank you for telling us how you feel." in home
    assert not _offered(home)

    _at(app, NOW + PERIOD - timedelta(seconds=1))
    assert not _offered(alice.get("/candidate/").get_data(as_text=True))
    # A form left open in another tab: the second answer is refused, in words.
    refused = post_form(
        alice, "/candidate/pulse", {"score": "1"}, form_url="/candidate/news"
    )  # any page of hers holds a CSRF token
    assert refused.status_code == 302
    home = alice.get("/candidate/").get_data(as_text=True)
    assert (
        "You have already told us how you feel, on Sunday 1 November 2026. "
        "We will ask again from Sunday 15 November 2026." in home
    )
    assert [score for score, *_ in _responses(app, cast["alice"])] == [4]

    _at(app, NOW + PERIOD)
    assert _offered(alice.get("/candidate/").get_data(as_text=True))
    assert _answer(alice, score="2").status_code == 302
    assert _responses(app, cast["alice"])[-1] == (2, None, NOW + PERIOD)
    # Ben has never answered: Alice's answers change nothing for him.
    assert _offered(_client(app, "ben@example.com").get("/candidate/").get_data(as_text=True))


def test_not_offered_once_the_first_day_has_begun(app, cast):
    _at(app, datetime(2026, 12, 7, 8, 0, tzinfo=UTC))  # 09:00 in Paris: the first day begins
    alice = _client(app)
    assert not _offered(alice.get("/candidate/").get_data(as_text=True))
    refused = post_form(alice, "/candidate/pulse", {"score": "5"}, form_url="/candidate/news")
    assert refused.status_code == 302
    assert "Your first day has begun" in alice.get("/candidate/").get_data(as_text=True)
    assert _responses(app, cast["alice"]) == []

    _at(app, datetime(2026, 12, 7, 7, 59, tzinfo=UTC))  # a minute before: still asked
    assert _offered(alice.get("/candidate/").get_data(as_text=True))


def _accept_invitation(app, email: str) -> object:
    """A new candidate, invited, who follows the emailed link and chooses a password (signed
    in by it, at the app's clock); their browser, on the home page."""
    with app.app_context():
        rita = db.session.scalar(select(User).where(User.email == "rita@example.com"))
        newbie = make_candidate(email, rita, name="Nina Newhire", password=None)
        invitation = accounts.invite(newbie, None)
        db.session.commit()
        link = re.search(r"/invitation/\S+", invitation.body_text).group(0)
    browser = app.test_client()
    chosen = post_form(browser, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert chosen.headers["Location"] == "/candidate/"
    return browser


NOT_YET = "We ask how you feel once you have been using the portal for a few days."


def test_the_pulse_waits_until_the_portal_has_been_used_for_a_while(app, cast):
    """PULSE_AFTER_DAYS (3) since the first sign-in, on PULSE_AFTER_VISITS (2) different days."""
    assert (app.config["PULSE_AFTER_DAYS"], app.config["PULSE_AFTER_VISITS"]) == (3, 2)
    nina = _accept_invitation(app, "nina@example.com")
    _at(app, NOW + timedelta(minutes=5))
    home = nina.get("/candidate/").get_data(as_text=True)
    assert "Hello, Nina" in home and not _offered(home)
    # A crafted answer is refused, in words, and nothing is stored.
    assert _answer(nina, score="5").status_code == 302
    assert NOT_YET in html.unescape(nina.get("/candidate/").get_data(as_text=True))
    with app.app_context():
        nina_id = db.session.scalar(select(User.id).where(User.email == "nina@example.com"))
    assert _responses(app, nina_id) == []

    _at(app, NOW + timedelta(days=2, hours=23))  # a second day, but not 3 days yet
    assert not _offered(nina.get("/candidate/").get_data(as_text=True))
    _at(app, NOW + timedelta(days=3))
    assert _offered(nina.get("/candidate/").get_data(as_text=True))
    assert _answer(nina, score="4").status_code == 302
    assert _responses(app, nina_id) == [(4, None, NOW + timedelta(days=3))]


def test_the_wait_is_configurable_and_counts_different_days(make_app):
    app = make_app(PORTAL_CLOCK=NOW, PULSE_AFTER_DAYS=0, PULSE_AFTER_VISITS=3)
    with app.app_context():
        make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
    nina = _accept_invitation(app, "nina@example.com")
    for later in (timedelta(hours=5), timedelta(days=1)):  # the first day again, a second day
        _at(app, NOW + later)
        assert not _offered(nina.get("/candidate/").get_data(as_text=True)), later
    _at(app, NOW + timedelta(days=2))  # a third different day
    assert _offered(nina.get("/candidate/").get_data(as_text=True))


# --- What an answer stores ------------------------------------------------------------------


def test_an_answer_is_stored_recorded_and_published_without_the_comment(app, cast):
    with app.app_context():
        for url, types, recruiter in (
            ("https://ats.example.com/hooks", ["pulse.answered"], None),
            ("https://chat.example.com/rita", ["pulse.answered"], cast["rita"]),
            ("https://chat.example.com/bob", ["pulse.answered"], cast["bob"]),
            ("https://crm.example.com/questions", ["question.asked"], None),
        ):
            db.session.add(
                WebhookEndpoint(
                    url=url,
                    secret=webhooks.generate_secret(),
                    event_types=types,
                    recruiter_id=recruiter,
                )
            )
        db.session.commit()
    alice = _client(app)
    comment = "  Excited!\r\nA little nervous about the commute, to be honest.  \r\n"
    assert _answer(alice, score="4", comment=comment).status_code == 302

    ((score, stored, answered_at),) = _responses(app, cast["alice"])
    assert (score, answered_at) == (4, NOW)
    assert stored == "Excited!\nA little nervous about the commute, to be honest."
    with app.app_context():
        response_id = db.session.scalar(select(PulseResponse.id))
        recorded = db.session.scalars(
            select(EngagementEvent).where(EngagementEvent.kind == EventKind.PULSE_ANSWERED)
        ).all()
        assert [(e.candidate_id, e.subject, e.data, e.occurred_at) for e in recorded] == [
            (cast["alice"], f"pulse:{response_id}", {"score": 4}, NOW)
        ]
        urls = [
            db.session.get(WebhookEndpoint, row.endpoint_id).url
            for row in db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id))
        ]
    assert urls == ["https://ats.example.com/hooks", "https://chat.example.com/rita"]
    alice_data = {"id": cast["alice"]}  # ids only: no endpoint opted into personal fields
    for body in _webhook_bodies(app):
        assert body["type"] == "pulse.answered"
        assert body["data"] == {
            "candidate": alice_data,
            "score": 4,
            "previous_score": None,
            "answered_at": "2026-11-01T09:00:00Z",
        }
        assert "commute" not in json.dumps(body) and "Excited" not in json.dumps(body)

    _at(app, NOW + PERIOD + timedelta(hours=3))
    assert _answer(alice, score="2", comment="   ").status_code == 302
    assert _responses(app, cast["alice"])[-1] == (2, None, NOW + PERIOD + timedelta(hours=3))
    latest = _webhook_bodies(app)[-1]["data"]
    assert (latest["score"], latest["previous_score"]) == (2, 4)
    assert latest["answered_at"] == "2026-11-15T12:00:00Z"


# --- Wrong answers: the reason beside the field, 422, nothing stored --------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "score", CHOOSE_A_STEP),
        ({"score": ""}, "score", CHOOSE_A_STEP),
        ({"score": "0"}, "score", CHOOSE_A_STEP),
        ({"score": "6"}, "score", CHOOSE_A_STEP),
        ({"score": "four"}, "score", CHOOSE_A_STEP),
        ({"score": "4.0"}, "score", CHOOSE_A_STEP),
        ({"score": "4", "comment": "x" * 1001}, "comment", "1,000 characters or fewer"),
    ],
    ids=["nothing", "blank", "zero", "six", "words", "decimal", "long-comment"],
)
def test_a_wrong_answer_is_refused_beside_its_field(app, cast, fields, field, message):
    alice = _client(app)
    refused = _answer(alice, **fields)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert _error_beside(page, field, message), page
    assert "Please correct the field marked below." in page
    if field == "score":  # inside the fieldset, which points at it
        fieldset = re.search(r"<fieldset[^>]*>.*?</fieldset>", page, re.S).group(0)
        assert 'aria-describedby="pulse-hint score-error"' in fieldset
        assert 'id="score-error"' in fieldset
    else:  # the chosen step and the long comment come back as they were sent
        assert re.search(r'<input[^>]*checked[^>]*value="4"|value="4"[^>]*checked', page)
        assert "x" * 1001 in page
    assert "<h1>Hello, Alice</h1>" in page  # the whole home page, not a bare form
    assert _responses(app, cast["alice"]) == []
    assert _webhook_bodies(app) == []


def test_a_comment_of_1000_characters_with_windows_line_breaks_fits(app, cast):
    alice = _client(app)
    comment = "ab\r\n" * 333 + "a"  # 1,000 characters once the line breaks are "\n"
    assert _answer(alice, score="3", comment=comment).status_code == 302
    assert len(_responses(app, cast["alice"])[0][1]) == 1000


def test_staff_cannot_answer(app, cast):
    rita = _client(app, "rita@example.com")
    assert post_form(rita, "/candidate/pulse", {"score": "5"}, form_url="/faq/").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(PulseResponse)).all() == []


# --- In a real browser --------------------------------------------------------------------------


@pytest.fixture
def asked(live_server) -> str:
    """A demo candidate who is asked how they feel now (the demo's stories answer for some)."""
    with live_server.app.app_context():
        for spec in demo.CANDIDATES:
            candidate = db.session.scalar(select(User).where(User.email == spec.email))
            if candidate.has_password and pulse.offer(candidate, utcnow()).due:
                return spec.email
    pytest.fail("no demo candidate is asked the pulse check")


@pytest.fixture
def open_page(new_page, live_server, asked):
    """A page signed in as the candidate who is asked (new_page, live_server: tests/conftest.py)."""

    def opener(*, bypass_csp: bool = False, width: int = 1280) -> Page:
        page = new_page(viewport={"width": width, "height": 800}, bypass_csp=bypass_csp)
        tools.sign_in_with_the_form(page, asked)
        expect(page).to_have_url(f"{live_server.url}/candidate/")
        return page

    return opener


@pytest.mark.browser
def test_the_pulse_is_answered_by_keyboard_alone(open_page, live_server, asked):
    page = open_page()
    group = page.get_by_role("group", name=QUESTION)
    expect(group).to_be_visible()
    for _ in range(80):  # Tab through the page up to the first step of the scale
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "score":
            break
    worried = group.get_by_role("radio", name="1 Worried")
    expect(worried).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # arrows move through a radio group, and choose
    expect(group.get_by_role("radio", name="4 Looking forward to it")).to_be_checked()
    page.keyboard.press("Tab")
    comment = page.get_by_label("Anything you would like to add? (optional)")
    expect(comment).to_be_focused()
    page.keyboard.type("Looking forward to meeting the team.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send my answer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/candidate/#main")
    expect(page.get_by_role("status")).to_contain_text("Thank you for telling us how you feel.")
    expect(page.get_by_role("group", name=QUESTION)).to_have_count(0)
    with live_server.app.app_context():
        answer = db.session.scalar(select(PulseResponse).order_by(PulseResponse.id.desc()).limit(1))
        assert (answer.score, answer.comment) == (4, "Looking forward to meeting the team.")
        assert db.session.get(User, answer.candidate_id).email == asked


@pytest.mark.browser
def test_the_pulse_and_its_errors_pass_axe_and_fit_a_phone(open_page):
    tools.require_axe()
    page = open_page(bypass_csp=True, width=375)
    expect(page.get_by_role("group", name=QUESTION)).to_be_visible()
    tools.assert_fits(page, "the home with the pulse", 375)
    tools.assert_no_axe_violations(page, "the candidate home with the pulse check")

    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Send my answer").click()
    assert sent.value.status == 422
    error = page.locator("#score-error")
    expect(error).to_contain_text(CHOOSE_A_STEP)
    expect(page.get_by_role("group", name=QUESTION)).to_have_accessible_description(
        re.compile(re.escape(CHOOSE_A_STEP))
    )
    tools.assert_no_axe_violations(page, "the candidate home with a pulse error")


@pytest.mark.browser
def test_the_home_with_the_pulse_is_valid_html(live_server, asked, tmp_path):
    tools.require_vnu()
    client = live_server.client_signed_in(asked)
    offered = client.get("/candidate/")
    refused = post_form(client, "/candidate/pulse", {"comment": "x" * 1001}, form_url="/candidate/")
    assert offered.status_code == 200 and _offered(offered.get_data(as_text=True))
    assert refused.status_code == 422
    tools.assert_valid_html(
        {
            "candidate-home-pulse": offered.get_data(as_text=True),
            "candidate-home-pulse-errors": refused.get_data(as_text=True),
        },
        tmp_path,
    )
