"""The floor the portal's page targets were calibrated on, served beside it by bench/web.py: a
bare Flask app (no portal code) whose one page, `/`, runs 2 small SQL queries through SQLAlchemy
Core on the bench's database (DATABASE_URL, SQLite or PostgreSQL) and renders a Jinja template
that extends a small layout (head, a navigation list, main, footer).

The issue's target for the candidate home (≥ 0.27× hello) rests on "a bare 2-query page with a
layout measures 0.28–0.33× here"; this is that page, measured in the same run as the portal's:
Flask + SQLAlchemy + Jinja, 2 queries, a layout, and nothing else: no sign-in, no session, no
CSRF, no translations, no caching. The queries read one seeded candidate (the one with the
lowest id, looked up once per worker on its first request) and count their engagement events,
in one transaction that ends with COMMIT (on PostgreSQL, psycopg then keeps the statements it
prepared, as the portal's requests that wrote nothing do).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, abort, render_template

app = Flask(__name__, template_folder="floor_templates", static_folder=None)
engine = sa.create_engine(os.environ["DATABASE_URL"])

USER = sa.text("SELECT id, name, email, time_zone FROM users WHERE id = :id")
EVENTS = sa.text("SELECT count(*) FROM engagement_events WHERE candidate_id = :id")
FIRST_CANDIDATE = sa.text("SELECT min(id) FROM users WHERE role = 'candidate'")
_candidate: list[int] = []  # which candidate the page shows: read once per worker


@app.get("/")
def home() -> str:
    """One user row by id and a count, rendered in the layout."""
    with engine.begin() as connection:
        if not _candidate:
            _candidate.append(connection.scalar(FIRST_CANDIDATE) or 0)
        person = connection.execute(USER, {"id": _candidate[0]}).one_or_none()
        events = connection.scalar(EVENTS, {"id": _candidate[0]}) or 0
    if person is None:
        abort(404)
    return render_template("home.html", person=person, events=events)
