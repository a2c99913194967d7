"""The recruiter's day in a real browser, at 375 and 1280 px, checked by axe-core and the Nu
HTML checker: the inbox (with a colleague's candidates covered), a thread with a saved reply
inserted (no script needed), private notes, saved replies, availability, the people search
from the header and a candidate's activity by day. On the demo: Ravi covers for Rosa, who is
away."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import StaffAbsence, User
from portal.questions.models import CandidateNote, Message, SavedReply
from tests import browser as tools

pytestmark = pytest.mark.browser

RAVI, ROSA = demo.RECRUITERS[0][1], demo.RECRUITERS[1][1]
ARJUN, CHLOE = demo.CANDIDATES[1], demo.CANDIDATES[0]


@pytest.fixture
def live_server(make_app):
    server = tools.start_live_server(make_app())
    with server.app.app_context():
        people = {u.email: u for u in db.session.scalars(select(User))}
        ravi, rosa, hr = people[RAVI], people[ROSA], people[demo.HR_EMAIL]
        arjun = people[ARJUN.email]
        today = date.today()
        db.session.add_all(
            [
                SavedReply(owner_id=ravi.id, title="Visa", body="Hello {first_name}, HR books it."),
                SavedReply(owner_id=hr.id, shared=True, title="Parking", body="Building B."),
                CandidateNote(candidate_id=arjun.id, author_id=ravi.id, body="Prefers email."),
                # Rosa's Chloé asks while Rosa is away: Ravi's inbox has it.
                Message(
                    candidate_id=people[CHLOE.email].id,
                    author_id=people[CHLOE.email].id,
                    body="Can I come at 10?",
                    created_at=datetime.now(UTC) - timedelta(hours=2),
                ),
                StaffAbsence(
                    recruiter_id=rosa.id,
                    cover_id=ravi.id,
                    first_day=today,
                    last_day=today + timedelta(days=2),
                    starts_at=datetime.combine(today, time(0), UTC) - timedelta(days=1),
                    ends_at=datetime.combine(today, time(0), UTC) + timedelta(days=3),
                ),
            ]
        )
        db.session.commit()
        server.ids = {"arjun": arjun.id, "ravi": ravi.id}
        server.recruiter_of_arjun = arjun.candidate_profile.recruiter.email
        db.session.remove()
    yield server
    server.stop()


def _recruiter_paths(ids: dict[str, int]) -> list[str]:
    return [
        "/recruiter/inbox",
        f"/recruiter/candidates/{ids['arjun']}",
        f"/recruiter/candidates/{ids['arjun']}/notes",
        "/recruiter/saved-replies",
        "/recruiter/availability",
        "/recruiter/search?q=a",
    ]


def _hr_paths(ids: dict[str, int]) -> list[str]:
    return [
        "/hr/saved-replies",
        f"/hr/people/{ids['ravi']}/availability",
        f"/hr/people/{ids['arjun']}/notes",
        f"/hr/people/{ids['arjun']}/activity",
        "/hr/search?q=a",
    ]


@pytest.mark.parametrize("viewport", [tools.PHONE, tools.DESKTOP], ids=["375px", "1280px"])
def test_the_recruiters_pages_fit_and_pass_axe(new_page, live_server, viewport):
    tools.require_axe()
    email = live_server.recruiter_of_arjun
    assert email == RAVI, "the demo's Arjun is Ravi's"
    page = tools.signed_in(new_page, RAVI, viewport=viewport, bypass_csp=True)
    for path in _recruiter_paths(live_server.ids):
        page.goto(path)
        tools.assert_fits(page, path, viewport["width"])
        tools.assert_no_axe_violations(page, path)
    page.goto("/recruiter/inbox")
    expect(page.get_by_text("covering for Rosa Martins").first).to_be_visible()

    # The header's search box finds Rosa's candidates while Ravi covers for her.
    page.goto("/recruiter/")
    page.get_by_label("Find a person by name or email").fill("chlo")
    page.get_by_label("Find a person by name or email").press("Enter")
    expect(page.get_by_role("heading", name="People matching “chlo”")).to_be_visible()
    expect(page.locator(".search-result").first).to_contain_text("covering for Rosa Martins")


@pytest.mark.parametrize("viewport", [tools.PHONE, tools.DESKTOP], ids=["375px", "1280px"])
def test_hrs_pages_fit_and_pass_axe(new_page, live_server, viewport):
    tools.require_axe()
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=viewport, bypass_csp=True)
    for path in _hr_paths(live_server.ids):
        page.goto(path)
        tools.assert_fits(page, path, viewport["width"])
        tools.assert_no_axe_violations(page, path)


@pytest.mark.parametrize("java_script", [True, False], ids=["with-js", "without-js"])
def test_a_saved_reply_goes_into_the_answer_and_a_note_is_kept(new_page, live_server, java_script):
    page = tools.signed_in(
        new_page, RAVI, viewport=tools.PHONE, bypass_csp=True, java_script=java_script
    )
    thread = f"/recruiter/candidates/{live_server.ids['arjun']}/questions"
    page.goto(thread)
    page.get_by_label("Your answer").fill("Good news.")
    page.get_by_label("Saved reply").select_option(label="Visa")
    page.get_by_role("button", name="Insert").click()
    expect(page.get_by_label("Your answer")).to_have_value(
        "Good news.\n\nHello Arjun, HR books it."
    )
    if java_script:
        tools.assert_no_axe_violations(page, "the thread with a reply inserted")
    tools.assert_fits(page, "the thread with a reply inserted")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your answer has been sent")
    expect(page.locator(".message-answer .message-body").last).to_have_text(
        "Good news.\n\nHello Arjun, HR books it."
    )

    page.get_by_role("link", name="All notes, and add one").click()
    page.get_by_role("textbox", name="Note").fill("Asked about the visa twice.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_role("status")).to_contain_text("Note added")
    expect(page.locator(".note-body").first).to_have_text("Asked about the visa twice.")


def test_the_new_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    ravi = live_server.client_signed_in(RAVI)
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    ids = live_server.ids
    documents = {}
    for client, paths in ((ravi, _recruiter_paths(ids)), (hr, _hr_paths(ids))):
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, path
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-")
            documents[name] = answer.get_data(as_text=True)
    thread = ravi.get(f"/recruiter/candidates/{ids['arjun']}/questions")
    documents["recruiter-thread-with-picker"] = thread.get_data(as_text=True)
    tools.assert_valid_html(documents, tmp_path)
