"""The thread pages with "no reply needed" and HR's answer form, in a real browser, checked by
axe-core and the Nu HTML checker (tests/cross/test_browser.py does not cover the thread pages).
The demo's Arjun has a question waiting past the promise."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from portal.questions import threads
from portal.questions.thread_pages import THREAD_PAGE_SIZE
from tests import browser as tools
from tests.support import post_form

pytestmark = pytest.mark.browser

ARJUN = demo.CANDIDATES[1]  # asked about his visa 30 hours ago; nobody has answered


@pytest.fixture
def live_server(make_app):
    server = tools.start_live_server(make_app())
    with server.app.app_context():
        arjun = db.session.scalars(select(User).where(User.email == ARJUN.email)).one()
        server.arjun_id = arjun.id
        server.recruiter_email = arjun.candidate_profile.recruiter.email
        db.session.remove()
    yield server
    server.stop()


def test_the_candidate_marks_no_reply_needed_and_undoes_it_on_a_phone(new_page, live_server):
    tools.require_axe()
    page = tools.signed_in(new_page, ARJUN.email, viewport=tools.PHONE, bypass_csp=True)
    page.goto("/candidate/questions")
    expect(page.get_by_text("taking longer than the 24 hours we promise")).to_be_visible()
    button = page.get_by_role("button", name="Mark “no reply needed”")
    expect(button).to_be_visible()
    tools.assert_no_axe_violations(page, "the candidate's thread with a question waiting")

    button.click()
    expect(page.get_by_role("status")).to_contain_text("Marked “no reply needed”")
    expect(page.locator("#no-reply-needed")).to_contain_text("Marked “no reply needed” by you")
    expect(page.get_by_text("taking longer than")).to_have_count(0)
    tools.assert_fits(page, "the thread")
    tools.assert_no_axe_violations(page, "the candidate's thread marked “no reply needed”")

    page.get_by_role("button", name="Undo “no reply needed”").click()
    expect(page.get_by_role("status")).to_contain_text("taken back")
    expect(page.get_by_role("button", name="Mark “no reply needed”")).to_be_visible()


def test_hr_answers_from_the_thread_page(new_page, live_server):
    tools.require_axe()
    page = tools.signed_in(new_page, demo.HR_EMAIL, bypass_csp=True)
    page.goto(f"/hr/people/{live_server.arjun_id}/questions")
    expect(page.get_by_text("Overdue: the answer was promised by")).to_be_visible()
    tools.assert_no_axe_violations(page, "HR's thread page with an overdue question")
    page.get_by_label("Your answer").fill("Yes: HR books it for you. Watch your inbox.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Your answer has been sent to {ARJUN.name}")
    expect(page.locator(".message-answer .message-author").last).to_have_text("You")
    expect(page.get_by_text("Overdue")).to_have_count(0)


def test_thread_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    arjun = live_server.client_signed_in(ARJUN.email)
    recruiter = live_server.client_signed_in(live_server.recruiter_email)
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    recruiter_path = f"/recruiter/candidates/{live_server.arjun_id}/questions"
    documents = {
        "candidate-thread-waiting": arjun.get("/candidate/questions"),
        "recruiter-thread-waiting": recruiter.get(recruiter_path),
        "hr-thread-with-answer-form": hr.get(f"/hr/people/{live_server.arjun_id}/questions"),
    }
    page = documents["candidate-thread-waiting"].get_data(as_text=True)
    through = re.search(r'name="through"[^>]*value="(\d+)"', page).group(1)
    closed = post_form(
        arjun,
        "/candidate/questions/close",
        {"through": through},
        form_url="/candidate/questions",
    )
    assert closed.status_code == 302
    documents["candidate-thread-closed"] = arjun.get("/candidate/questions")
    documents["recruiter-thread-closed"] = recruiter.get(recruiter_path)
    # A thread longer than a page: the links to earlier and latest messages.
    with live_server.app.app_context():
        candidate = db.session.get_one(User, live_server.arjun_id)
        for n in range(THREAD_PAGE_SIZE + 5):
            threads.post(candidate, candidate, f"Thanks again ({n})!", None)
        db.session.commit()
    documents["candidate-thread-long"] = arjun.get("/candidate/questions")
    earlier = re.search(r'href="([^"]+before=\d+)"', documents["candidate-thread-long"].text)
    assert earlier is not None
    documents["recruiter-thread-earlier"] = recruiter.get(
        recruiter_path + earlier.group(1)[earlier.group(1).index("?") :]
    )
    html = {}
    for name, response in documents.items():
        assert response.status_code == 200, name
        html[name] = response.get_data(as_text=True)
    assert "Mark “no reply needed”" in html["candidate-thread-waiting"]
    assert "Marked “no reply needed” by you" in html["candidate-thread-closed"]
    assert f"Marked “no reply needed” by {ARJUN.name}" in html["recruiter-thread-closed"]

    tools.assert_valid_html(html, tmp_path)
