"""The database set-up: SQLite pragmas and transaction modes, migrations on empty databases.

The SQLite checks run on a SQLite file of their own, whatever database the suite runs on; the
migration checks run on a new SQLite file and, when PORTAL_TEST_DATABASE_URL names a
PostgreSQL server, on a newly created PostgreSQL database.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.accounts import operations as accounts
from portal.accounts import tokens
from portal.accounts.models import TokenPurpose
from portal.core.config import PROJECT_ROOT
from portal.core.database import SQLITE_BUSY_TIMEOUT_MS
from portal.core.extensions import db
from portal.core.models import Base
from portal.people.models import CandidateProfile, Role, User
from tests import support

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
INVITATION_LINK = re.compile(re.escape(support.BASE_URL) + r"/invitation/([A-Za-z0-9_-]+)")
QUICK_SECONDS = 2.0  # far below the 10 s busy timeout a blocked request would wait


@pytest.fixture
def sqlite_path(tmp_path) -> Path:
    return tmp_path / "portal.sqlite3"


@pytest.fixture
def sqlite_app(sqlite_path):
    """An app on a new SQLite file, migrated with the real migrations."""
    app = create_app(support.app_config(f"sqlite:///{sqlite_path}"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class StatementLog:
    """Every SQL statement an engine sends, in order (BEGIN included: we send it, not pysqlite)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, _conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        self.statements.append(" ".join(statement.split()))

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def begins(self) -> list[str]:
        return [s for s in self.statements if s.upper().startswith("BEGIN")]


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another connection (not the app's) that takes the write lock and keeps it."""
    holder = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


# --- SQLite: pragmas and transaction modes ---------------------------------------------------


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(sqlite_app):
    with sqlite_app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        busy_timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert busy_timeout == SQLITE_BUSY_TIMEOUT_MS
        assert busy_timeout > 0
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_foreign_keys_are_enforced_on_sqlite(sqlite_app):
    with sqlite_app.app_context():
        assert db.session.get(User, 999_999) is None
        db.session.add(
            CandidateProfile(
                user_id=999_999,
                job_title="Nobody",
                joining_date=date(2030, 1, 1),
                joining_time_zone="UTC",
            )
        )
        with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):
            db.session.flush()
        db.session.rollback()

        # And ON DELETE CASCADE works, which it only does with the pragma on.
        candidate = support.make_candidate("cand@example.com", None)
        candidate_id = candidate.id
        db.session.execute(delete(User).where(User.id == candidate_id))
        db.session.commit()
        assert db.session.get(CandidateProfile, candidate_id) is None


def test_a_transaction_outside_a_safe_request_begins_immediate(sqlite_app, sqlite_path):
    with sqlite_app.app_context():
        with StatementLog(db.engine) as log:
            support.make_staff(Role.HR, "hr@example.com")
        assert log.statements[0] == "BEGIN IMMEDIATE", log.statements
        assert log.begins == ["BEGIN IMMEDIATE"]

        # The lock is taken at BEGIN, before anything is written: after a mere read, another
        # connection can no longer start a write.
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        other = sqlite3.connect(sqlite_path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            db.session.rollback()
            other.execute("BEGIN IMMEDIATE")  # free again once the session's transaction ends
            other.execute("ROLLBACK")
        finally:
            other.close()


@pytest.mark.slow
def test_a_write_waits_for_the_lock_instead_of_failing(sqlite_app, sqlite_path):
    """busy_timeout at work: BEGIN IMMEDIATE waits while another connection writes."""
    holder = hold_write_lock(sqlite_path)
    timeline: dict[str, float] = {}

    def release_soon() -> None:
        time.sleep(0.3)
        timeline["released"] = time.monotonic()
        holder.execute("ROLLBACK")

    releaser = threading.Thread(target=release_soon, daemon=True)

    def before_execute(_conn, _cursor, statement, *_rest) -> None:
        # Just before the app's BEGIN IMMEDIATE reaches SQLite: let go of the lock in 0.3 s.
        if statement == "BEGIN IMMEDIATE" and "asked" not in timeline:
            timeline["asked"] = time.monotonic()
            releaser.start()

    try:
        with sqlite_app.app_context():
            event.listen(db.engine, "before_cursor_execute", before_execute)
            try:
                support.make_staff(Role.HR, "hr@example.com")
                timeline["done"] = time.monotonic()
            finally:
                event.remove(db.engine, "before_cursor_execute", before_execute)
            assert db.session.scalar(select(func.count()).select_from(User)) == 1
    finally:
        if releaser.is_alive():
            releaser.join(timeout=5)
        holder.close()
    assert timeline["asked"] < timeline["released"] < timeline["done"], timeline


def test_get_requests_do_not_take_the_write_lock(sqlite_app, sqlite_path):
    with sqlite_app.app_context():
        hr = support.make_staff(Role.HR, "hr@example.com")
        support.make_candidate("cand@example.com", None)
        invited = support.make_candidate("new@example.com", None, password=None)
        email = accounts.invite(invited, hr)
        db.session.commit()
        token = INVITATION_LINK.search(email.body_text).group(1)
        assert tokens.check(token, TokenPurpose.INVITATION).ok
        db.session.remove()
    candidate = sqlite_app.test_client()
    assert support.sign_in(candidate, "cand@example.com").status_code == 302
    # The first visit of the hour records it (in a short write transaction of its own); the
    # usual visit after that only reads.
    assert candidate.get("/candidate/").status_code == 200
    anonymous = sqlite_app.test_client()
    with sqlite_app.app_context():
        engine = db.engine  # no app context around the requests: each one pushes its own

    holder = hold_write_lock(sqlite_path)
    try:
        with StatementLog(engine) as log:
            for client, path in [
                (anonymous, "/sign-in"),
                (anonymous, f"/invitation/{token}"),  # reads user_tokens and users
                (candidate, "/candidate/"),  # reads the session, user and profile
            ]:
                started = time.monotonic()
                response = client.get(path)
                elapsed = time.monotonic() - started
                assert response.status_code == 200, (path, response.status_code)
                assert elapsed < QUICK_SECONDS, (path, elapsed)
    finally:
        holder.close()
    assert log.begins, "each GET opens a (deferred) transaction"
    assert set(log.begins) == {"BEGIN"}, log.begins
    assert any("user_tokens" in s for s in log.statements), "the invitation page read the DB"


# --- Migrations on empty databases -------------------------------------------------------------


def _new_postgresql_database() -> tuple[str, str]:
    name = f"portal_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_postgresql_database(name: str) -> None:
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, sqlite_path):
    """The URL of a database with nothing in it: a new SQLite file, a new PostgreSQL database."""
    if request.param == "sqlite":
        assert not sqlite_path.exists()
        yield f"sqlite:///{sqlite_path}"
        return
    if not POSTGRES_URL:
        pytest.skip("PORTAL_TEST_DATABASE_URL is not set: no PostgreSQL server to create on")
    url, name = _new_postgresql_database()
    try:
        yield url
    finally:
        _drop_postgresql_database(name)


@pytest.mark.slow
def test_flask_db_upgrade_brings_an_empty_database_to_head(empty_database_url):
    """The real command line, as an operator runs it, then Alembic's own comparison."""
    engine = create_engine(empty_database_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    environment = {
        **os.environ,
        "DATABASE_URL": empty_database_url,
        "SECRET_KEY": "a-secret-for-the-migration-test-long-enough-for-production",
        "BASE_URL": support.BASE_URL,
        "PORTAL_ENV": "production",
    }
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "portal", "db", "upgrade"],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    heads = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads()
    app = create_app(support.app_config(empty_database_url))
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
                expected = {table.name for table in Base.metadata.sorted_tables}
                assert tables == expected | {"alembic_version"}
                versions = conn.execute(text("SELECT version_num FROM alembic_version"))
                assert sorted(versions.scalars()) == sorted(heads)

                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": True}
                )
                differences = compare_metadata(context, Base.metadata)
                assert differences == [], differences
        finally:
            db.engine.dispose()
