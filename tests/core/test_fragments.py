"""Pieces of pages kept rendered per process (core/fragments.py): rendered once per key, never
shown for other values, per language, and the pages that use them still say what is true."""

from __future__ import annotations

import re

from flask import render_template_string

from portal.core import fragments
from portal.core.extensions import db
from portal.people.models import User
from portal.questions import threads
from tests.support import sign_in

PIECE = (
    "{% call cached_fragment('piece', value) %}"
    "<p>{{ value }} {{ counter() }} {{ _('Home') }}</p>"
    "{% endcall %}"
)


def _renderer(app):
    """Render PIECE for a value in a request in `language`; count the renders of the block."""
    calls = []

    def counter() -> int:
        calls.append(1)
        return len(calls)

    def render(value: object, language: str = "en") -> str:
        with app.test_request_context("/", headers={"Accept-Language": language}):
            return render_template_string(PIECE, value=value, counter=counter)

    return render, calls


def test_a_piece_is_rendered_once_per_key(app):
    render, calls = _renderer(app)
    assert render(1) == "<p>1 1 Home</p>"
    assert render(1) == "<p>1 1 Home</p>"  # kept: the block did not run again
    assert render(2) == "<p>2 2 Home</p>"  # another value: rendered for it
    assert render(1) == "<p>1 1 Home</p>"
    assert len(calls) == 2


def test_each_language_has_its_own_piece(app):
    render, calls = _renderer(app)
    assert render(1, "en") == "<p>1 1 Home</p>"
    assert render(1, "de") == "<p>1 2 Start</p>"
    assert render(1, "en") == "<p>1 1 Home</p>"
    assert len(calls) == 2


def test_a_full_store_starts_again_and_still_shows_the_right_piece(app, monkeypatch):
    monkeypatch.setattr(fragments, "FRAGMENT_LIMIT", 2)
    render, calls = _renderer(app)
    assert [render(value) for value in (1, 2, 3)] == [
        "<p>1 1 Home</p>",
        "<p>2 2 Home</p>",
        "<p>3 3 Home</p>",  # the third fills the store past its limit: it starts again
    ]
    assert render(3) == "<p>3 3 Home</p>"  # kept after the store started again
    assert render(1) == "<p>1 4 Home</p>"  # dropped when the store filled: rendered again


def test_development_renders_every_time(make_app):
    app = make_app(DEBUG=True)
    render, calls = _renderer(app)
    assert render(1) == "<p>1 1 Home</p>"
    assert render(1) == "<p>1 2 Home</p>"


def test_a_piece_not_to_keep_is_rendered_every_time(app):
    template = "{% call cached_fragment('piece', keep=false) %}{{ counter() }}{% endcall %}"
    calls = []

    def counter() -> int:
        calls.append(1)
        return len(calls)

    with app.test_request_context("/"):
        assert render_template_string(template, counter=counter) == "1"
        assert render_template_string(template, counter=counter) == "2"


def _badge(page: str) -> str | None:
    found = re.search(r'<span class="badge badge-new">(\d+)<span class="visually-hidden">', page)
    return found.group(1) if found else None


def test_the_menu_badge_follows_new_answers(app, client, people):
    """The menu is kept rendered, but its unread count is part of its key: a new answer shows
    at once on the next page, and reading it takes the badge away."""
    with app.app_context():
        candidate = db.session.get(User, people["ids"]["candidate_a"])
        recruiter = db.session.get(User, people["ids"]["recruiter_a"])
        threads.post(candidate, candidate, "When do I get my laptop?", None)
        threads.post(candidate, recruiter, "On your first morning.", None)
        db.session.commit()
    sign_in(client, people["emails"]["candidate_a"])
    faq = client.get("/faq/").get_data(as_text=True)
    assert _badge(faq) == "1"
    with app.app_context():
        candidate = db.session.get(User, people["ids"]["candidate_a"])
        recruiter = db.session.get(User, people["ids"]["recruiter_a"])
        threads.post(candidate, recruiter, "And your badge at reception.", None)
        db.session.commit()
    assert _badge(client.get("/faq/").get_data(as_text=True)) == "2"
    client.get("/candidate/questions")  # reads the thread
    assert _badge(client.get("/faq/").get_data(as_text=True)) is None


def test_a_dashboard_row_shows_the_candidate_as_they_are_now(app, client, people):
    """Rows are kept rendered, keyed by everything they show: a change to any of it (here the
    name) gives the row anew."""
    sign_in(client, people["emails"]["recruiter_a"])
    first = client.get("/recruiter/").get_data(as_text=True)
    assert "Alice Candidate" in first
    with app.app_context():
        db.session.get(User, people["ids"]["candidate_a"]).name = "Alice Renamed"
        db.session.commit()
    again = client.get("/recruiter/").get_data(as_text=True)
    assert "Alice Renamed" in again
    assert "Alice Candidate" not in again
