"""How a request's PostgreSQL transaction ends (core/database.py): one that wrote nothing ends
with COMMIT, so the statements psycopg prepared on the connection outlive the request (a
ROLLBACK makes it forget them all); one that wrote and did not commit is still rolled back.

Runs when PORTAL_TEST_DATABASE_URL names a PostgreSQL server (`make test`'s second pass).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, insert, select, text

from portal.core.extensions import db
from portal.people.models import Role, User
from tests import support

pytestmark = pytest.mark.skipif(
    not os.environ.get("PORTAL_TEST_DATABASE_URL"), reason="PostgreSQL only"
)

PREPARED = text("SELECT count(*) FROM pg_prepared_statements")
# psycopg prepares a statement once it has run this many times on a connection (its default).
PREPARE_THRESHOLD = 5


def _probe_routes(app):
    """Routes of the test's own: one that only reads, one that counts what the connection has
    prepared, and one that writes and then answers without committing (as a view that found a
    problem half-way would)."""

    @app.get("/test/read")
    def read():
        return str(db.session.scalar(select(func.count(User.id)).where(User.id > 0)))

    @app.get("/test/prepared")
    def prepared():
        return str(db.session.scalar(PREPARED))

    @app.post("/test/write-without-commit")
    def write_without_commit():
        db.session.execute(
            insert(User).values(email="uncommitted@example.com", name="Never Kept", role="hr")
        )
        return "written, not committed", 422

    @app.post("/test/rename-as-text-without-commit/<int:user_id>")
    def rename_as_text_without_commit(user_id: int):
        # SQL given as text says nothing of what it does: PostgreSQL is asked.
        db.session.execute(
            text("UPDATE users SET name = 'Never Kept' WHERE id = :id"), {"id": user_id}
        )
        return "written, not committed", 422


@pytest.fixture
def probed_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    _probe_routes(app)
    return app


def test_a_read_only_request_keeps_the_statements_prepared_on_its_connection(probed_app):
    client = probed_app.test_client()
    for _ in range(PREPARE_THRESHOLD + 2):
        assert client.get("/test/read").status_code == 200
    # Each request ended; had they ended with ROLLBACK, psycopg would have deallocated
    # everything and the count would start from nothing on every request.
    assert int(client.get("/test/prepared").get_data(as_text=True)) >= 1


def test_a_request_that_wrote_without_committing_is_rolled_back(probed_app):
    client = probed_app.test_client()
    response = client.post("/test/write-without-commit")
    assert response.status_code == 422
    with probed_app.app_context():
        kept = db.session.scalar(
            select(func.count(User.id)).where(User.email == "uncommitted@example.com")
        )
    assert kept == 0


def test_a_request_that_wrote_through_text_sql_without_committing_is_rolled_back(probed_app):
    with probed_app.app_context():
        person = support.make_staff(Role.HR, "renamed@example.com", "Kept Name")
        db.session.commit()
        person_id = person.id
    client = probed_app.test_client()
    assert client.post(f"/test/rename-as-text-without-commit/{person_id}").status_code == 422
    with probed_app.app_context():
        assert db.session.get(User, person_id).name == "Kept Name"


def test_a_failed_request_is_rolled_back(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)  # answered with the 500 page, as in production

    @app.get("/test/write-then-fail")
    def write_then_fail():
        db.session.add(User(email="failed@example.com", name="Failed Write", role=Role.HR))
        db.session.flush()
        raise RuntimeError("the view fails after writing")

    response = app.test_client().get("/test/write-then-fail")
    assert response.status_code == 500
    with app.app_context():
        kept = db.session.scalar(
            select(func.count(User.id)).where(User.email == "failed@example.com")
        )
    assert kept == 0
