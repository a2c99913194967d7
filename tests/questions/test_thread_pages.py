"""A long thread a page at a time (questions.thread_pages): the latest 50 messages, with links to
earlier ones and back, for the candidate, the recruiter and HR; the read mark moves only on the
latest page; "no reply needed" is told right when the page does not reach back to it; a broken
cursor is a 400 and another thread's id shows nothing of it; and the page's SQL does not grow
with the thread."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import Role, User
from portal.questions import closures, thread_pages
from portal.questions import threads as questions
from portal.questions.models import Message, ThreadRead
from tests.support import count_queries, make_candidate, make_staff, run_counted, sign_in

SIZE = thread_pages.THREAD_PAGE_SIZE


@pytest.fixture
def cast(app):
    """Rita looks after Alice, whose thread has 120 messages (Rita's and Alice's in turn, Alice's
    question last); Bob's thread has one."""
    with app.app_context():
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        alice = make_candidate("alice@example.com", rita, name="Alice Martin")
        bob = make_candidate("bob@example.com", rita, name="Bob Stone")
        for n in range(120):
            author = rita if n % 2 == 0 else alice
            questions.post(alice, author, f"Message number {n} in Alice's thread.", None)
        questions.post(bob, bob, "Bob's only question?", None)
        db.session.commit()
        ids = db.session.scalars(
            select(Message.id).where(Message.candidate_id == alice.id).order_by(Message.id)
        ).all()
        return {"alice": alice.id, "rita": rita.id, "bob": bob.id, "ids": list(ids)}


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _shown(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li id="message-(\d+)"', html)]


def _link(html: str, label: str) -> str | None:
    found = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(label) + "</a>", html)
    return found.group(1).replace("&amp;", "&") if found else None


def _new(html: str) -> int:
    """How many messages the page marks "New"."""
    return html.count('class="badge badge-new">New</span>')


def _menu_unread(html: str) -> int:
    """The menu's unread badge (0 when it is not shown)."""
    found = re.search(r'badge-new">(\d+)<span class="visually-hidden"> unread', html)
    return int(found.group(1)) if found else 0


def _paths(cast) -> dict[str, tuple[str, str]]:
    return {
        "candidate": ("alice@example.com", "/candidate/questions"),
        "recruiter": ("rita@example.com", f"/recruiter/candidates/{cast['alice']}/questions"),
        "hr": ("hr@example.com", f"/hr/people/{cast['alice']}/questions"),
    }


EARLIER = "Show earlier messages"
LATEST = "Show the latest messages"
MARKED = "Marked “no reply needed”"
MARK_BUTTON = "Mark “no reply needed”"


@pytest.mark.parametrize("audience", ["candidate", "recruiter", "hr"])
def test_the_latest_50_then_earlier_pages_and_back(app, cast, audience):
    email, path = _paths(cast)[audience]
    client = _client(app, email)
    ids = cast["ids"]

    latest = client.get(path).get_data(as_text=True)
    assert _shown(latest) == ids[-SIZE:]  # oldest first, the newest at the bottom
    assert "Message number 119 in Alice" in latest and "Message number 69 " not in latest
    assert _link(latest, LATEST) is None
    earlier = _link(latest, EARLIER)
    assert earlier is not None and earlier.endswith(f"before={ids[-SIZE]}")
    assert latest.index(EARLIER) < latest.index(f'id="message-{ids[-SIZE]}"')  # above the list

    middle = client.get(earlier).get_data(as_text=True)
    assert _shown(middle) == ids[-2 * SIZE : -SIZE]
    assert _link(middle, LATEST) == path
    first_link = _link(middle, EARLIER)
    assert first_link is not None and first_link.endswith(f"before={ids[-2 * SIZE]}")

    first = client.get(first_link).get_data(as_text=True)
    assert _shown(first) == ids[: -2 * SIZE]
    assert _link(first, EARLIER) is None  # the thread starts here
    assert _link(first, LATEST) == path


def test_a_short_thread_has_no_links(app, cast):
    client = _client(app, "bob@example.com")
    page = client.get("/candidate/questions").get_data(as_text=True)
    assert "Bob&#39;s only question?" in page
    assert EARLIER not in page and LATEST not in page


def test_the_read_mark_moves_on_the_latest_page_only(app, cast):
    client = _client(app, "rita@example.com")
    path = _paths(cast)["recruiter"][1]
    ids = cast["ids"]
    with app.app_context():
        unread_before = questions.unread_for(db.session.get_one(User, cast["rita"]))
    assert unread_before == 2  # Alice's last question and Bob's

    earlier = client.get(f"{path}?before={ids[-SIZE]}").get_data(as_text=True)
    assert _new(earlier) == 0  # all of it is what Rita wrote or read
    with app.app_context():
        mark = db.session.get(ThreadRead, (cast["alice"], cast["rita"]))
        assert mark is not None and mark.last_read_message_id == ids[-2]  # her last answer
        assert questions.unread_for(db.session.get_one(User, cast["rita"])) == unread_before
    assert _menu_unread(client.get(f"{path}?before={ids[-SIZE]}").get_data(as_text=True)) == 2

    latest = client.get(path).get_data(as_text=True)
    assert _new(latest) == 1  # Alice's last question, new this once
    with app.app_context():
        mark = db.session.get(ThreadRead, (cast["alice"], cast["rita"]))
        assert mark is not None and mark.last_read_message_id == ids[-1]
        # Alice's thread read; Bob's one question is still new to her.
        assert questions.unread_for(db.session.get_one(User, cast["rita"])) == 1
    again = client.get(path).get_data(as_text=True)
    assert _new(again) == 0 and _menu_unread(again) == 1


def test_the_candidate_s_new_answers_stay_new_on_an_earlier_page(app, cast):
    with app.app_context():  # Rita answers a page and ten more; Alice has read up to her own
        alice = db.session.get_one(User, cast["alice"])
        rita = db.session.get_one(User, cast["rita"])
        for n in range(SIZE + 10):
            questions.post(alice, rita, f"Answer {n}.", None)
        db.session.commit()
        answers = db.session.scalars(
            select(Message.id).where(Message.candidate_id == alice.id, Message.id > cast["ids"][-1])
        ).all()
    client = _client(app, "alice@example.com")
    path = _paths(cast)["candidate"][1]
    latest_first = sorted(answers)[10]  # the latest page starts here
    earlier = client.get(f"{path}?before={latest_first}").get_data(as_text=True)
    assert _new(earlier) == 10  # the first ten answers
    assert _new(client.get(f"{path}?before={latest_first}").get_data(as_text=True)) == 10
    with app.app_context():
        mark = db.session.get(ThreadRead, (cast["alice"], cast["alice"]))
        assert mark is not None and mark.last_read_message_id == cast["ids"][-1]

    latest = client.get(path).get_data(as_text=True)
    assert _shown(latest)[0] == latest_first and _new(latest) == SIZE
    with app.app_context():
        mark = db.session.get(ThreadRead, (cast["alice"], cast["alice"]))
        assert mark is not None and mark.last_read_message_id == max(answers)
    assert _new(client.get(f"{path}?before={latest_first}").get_data(as_text=True)) == 0


@pytest.mark.parametrize("between", [None, "answer", "question"])
def test_no_reply_needed_when_the_page_does_not_reach_back_to_it(app, cast, between):
    """Rita marks the thread; then perhaps an answer or a question; then more than a page of
    thanks, so the mark is older than the latest page."""
    with app.app_context():
        alice = db.session.get_one(User, cast["alice"])
        rita = db.session.get_one(User, cast["rita"])
        closures.close(alice, rita, cast["ids"][-1])
        if between == "answer":
            questions.post(alice, rita, "Glad it worked out.", None)
        elif between == "question":
            questions.post(alice, alice, "And where do I park on the first day?", None)
        for _ in range(SIZE + 5):  # thanks that ask nothing
            questions.post(alice, alice, "Thanks!", None)
        db.session.commit()
    client = _client(app, "rita@example.com")
    path = _paths(cast)["recruiter"][1]
    statements, page = run_counted(app, client, path)
    assert cast["ids"][-1] not in _shown(page)
    if between is None:  # thanks only: the mark stands
        assert f"{MARKED} by you" in page and MARK_BUTTON not in page
    elif between == "answer":  # answered since: the mark is history, and nothing waits
        assert MARKED not in page and MARK_BUTTON not in page
    else:  # asked again: reopened, and the question waits
        assert MARKED not in page and MARK_BUTTON in page

    # One query more than a page that holds the mark (Bob's thread has none: the same count).
    short = count_queries(app, client, f"/recruiter/candidates/{cast['bob']}/questions")
    assert len(statements) <= short + 1

    # An earlier page tells nothing of the mark, and offers no button (it closes up to the last
    # message on the page, which must be the thread's last).
    earlier = client.get(_link(page, EARLIER) or "").get_data(as_text=True)
    assert _shown(earlier) and MARKED not in earlier and MARK_BUTTON not in earlier


def test_the_button_closes_up_to_the_thread_s_last_message(app, cast):
    client = _client(app, "rita@example.com")
    path = _paths(cast)["recruiter"][1]
    latest = client.get(path).get_data(as_text=True)
    assert MARK_BUTTON in latest  # Alice's last question waits
    found = re.search(r'name="through"[^>]*value="(\d+)"', latest)
    assert found and int(found.group(1)) == cast["ids"][-1]


@pytest.mark.parametrize("cursor", ["abc", "-5", "", "1.5", "٣"])
@pytest.mark.parametrize("audience", ["candidate", "recruiter", "hr"])
def test_a_broken_cursor_is_a_clear_400(app, cast, cursor, audience):
    email, path = _paths(cast)[audience]
    answer = _client(app, email).get(path, query_string={"before": cursor})
    assert answer.status_code == 400
    assert "“before” must be a message id" in answer.get_data(as_text=True)


@pytest.mark.parametrize("cursor", ["1", "99999999999999999999"])
def test_a_cursor_before_the_thread_shows_the_latest_page(app, cast, cursor):
    client = _client(app, "alice@example.com")
    answer = client.get(f"/candidate/questions?before={cursor}")
    assert answer.status_code == 200
    assert _shown(answer.get_data(as_text=True)) == cast["ids"][-SIZE:]


def test_another_thread_s_message_id_shows_nothing_of_it(app, cast):
    with app.app_context():
        bobs = db.session.scalar(select(Message.id).where(Message.candidate_id == cast["bob"]))
    alice = _client(app, "alice@example.com").get(f"/candidate/questions?before={bobs}")
    html = alice.get_data(as_text=True)
    assert alice.status_code == 200 and bobs not in _shown(html)
    assert _shown(html) == cast["ids"][-SIZE:]  # her own, before that id
    assert "only question" not in html

    bob = _client(app, "bob@example.com").get(f"/candidate/questions?before={cast['ids'][-1]}")
    html = bob.get_data(as_text=True)
    assert bob.status_code == 200 and _shown(html) == [bobs]
    assert "in Alice&#39;s thread" not in html and "in Alice's thread" not in html


def test_the_page_runs_as_many_queries_for_a_long_thread_as_for_a_short_one(app, cast):
    for who in ("rita@example.com", "hr@example.com"):
        client = _client(app, who)
        prefix = "/recruiter/candidates" if who.startswith("rita") else "/hr/people"
        long = count_queries(app, client, f"{prefix}/{cast['alice']}/questions")
        short = count_queries(app, client, f"{prefix}/{cast['bob']}/questions")
        assert long == short, who
