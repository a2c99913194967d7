"""The database side of bench/web.py: an empty database (SQLite in a folder, or a PostgreSQL one
emptied), the seeded cohort, the SQL count of each page in-process, and the questions stored."""

from __future__ import annotations

import contextlib
import importlib
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench import portal_floor  # noqa: E402
from portal import create_app  # noqa: E402
from portal.accounts import passwords  # noqa: E402
from portal.core import clock  # noqa: E402
from portal.core.extensions import db  # noqa: E402
from portal.engagement import tiles  # noqa: E402
from portal.people.models import Role, User  # noqa: E402
from portal.questions.models import Message  # noqa: E402
from tests import support  # noqa: E402

EVENTS_PER_CANDIDATE = 200
RECRUITER_EMAIL = "bench.recruiter@example.com"
HR_EMAIL = "bench.hr@example.com"
PASSWORD = support.PASSWORD  # every seeded person's
POSTING_CANDIDATES = 16  # one per wrk connection
# Never emptied by the bench: the test suite's, and the server's own.
PROTECTED_DATABASES = frozenset({"test", "postgres", "template0", "template1"})


@dataclass(frozen=True)
class Cohort:
    candidate_emails: list[str]  # the first POSTING_CANDIDATES, in id order


def prepare_database(url: str) -> str:
    """Make the PostgreSQL database named by `url` exist and be empty; describe it."""
    target = sa.make_url(url)
    name = target.database or ""
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"BENCH_DATABASE_URL names the {name!r} database: use another one")
    plain = target.set(drivername="postgresql")
    server = plain.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        # Everything the migrations made (tables, sequences, alembic_version) goes.
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
        version = conn.execute("SHOW server_version").fetchone()
    shown = target.render_as_string(hide_password=True)
    return f"PostgreSQL {version[0] if version else '?'} ({shown})"


def sqlite_description() -> str:
    return f"SQLite {sqlite3.sqlite_version} (a file in a temporary folder, WAL)"


def in_process_app(url: str, overrides: dict[str, str], *, floor_page: bool = False) -> Flask:
    """The portal in this process on the bench's database, hashing passwords as production;
    with `floor_page`, bench/portal_floor.py's (the portal plus its one page)."""
    factory = portal_floor.create_app if floor_page else create_app
    return factory(support.app_config(url, PASSWORD_HASH_PARAMS={}, **overrides))


def seed(url: str, scale: int) -> Cohort:
    """Migrate, then one recruiter and one HR person, `scale` candidates of that recruiter with
    200 events each, every one with PASSWORD; per-candidate roll-ups rebuilt when they exist."""
    app = in_process_app(url, {})
    with app.app_context():
        upgrade()
        now = clock.utcnow()
        # Staff first: the cohort is inserted with explicit ids, past PostgreSQL's sequence.
        recruiter = support.make_staff(Role.RECRUITER, RECRUITER_EMAIL, "Bench Recruiter")
        support.make_staff(Role.HR, HR_EMAIL, "Bench HR")
        support.insert_cohort(recruiter, scale, EVENTS_PER_CANDIDATE, now)
        _rebuild_rollup(now)
        tiles.fold_changes()  # as the worker's "tile_counts" job would within a minute
        # One hash (production's argon2 profile) for everyone: one UPDATE, not `scale` hashes.
        db.session.execute(
            sa.update(User)
            .where(User.role == Role.CANDIDATE)
            .values(password_hash=passwords.hash_password(PASSWORD))
        )
        emails = db.session.scalars(
            sa.select(User.email)
            .where(User.role == Role.CANDIDATE)
            .order_by(User.id)
            .limit(POSTING_CANDIDATES)
        ).all()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))  # as autovacuum soon would after a bulk load
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return Cohort(candidate_emails=list(emails))


def _rebuild_rollup(now: datetime) -> None:
    """`portal.engagement.rollup.rebuild(now)`, committed, if that module and function exist."""
    try:
        rollup = importlib.import_module("portal.engagement.rollup")
    except ModuleNotFoundError as missing:
        if missing.name != "portal.engagement.rollup":
            raise
        return
    rebuild = getattr(rollup, "rebuild", None)
    if callable(rebuild):
        rebuild(now)
        db.session.commit()


@contextlib.contextmanager
def counted_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block (tests/support.run_counted)."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # Queries only: SQLite's explicit BEGIN is transaction control (PostgreSQL's is implicit).
        if not TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def count_sql(
    app: Flask, who: dict[str, str], pages: list[tuple[str, str, str, str]], api_token: str
) -> dict[str, int]:
    """SQL statements per page, in-process, signed in through the sign-in form as in the HTTP
    run. `pages`: (label, audience, method, path); `who`: audience → email. Each GET is asked
    twice and the second counted (the first visit of the hour writes what later ones do not);
    a POST is the question form, posted once."""
    clients = {}
    for audience, email in who.items():
        client = app.test_client()
        response = support.sign_in(client, email)
        if response.status_code != 302:
            raise RuntimeError(f"in-process sign-in as {email}: {response.status_code}")
        clients[audience] = client
    counts: dict[str, int] = {}
    for label, audience, method, path in pages:
        client = clients.get(audience) or app.test_client()
        headers = {"Authorization": f"Bearer {api_token}"} if audience == "api" else {}
        action: Callable
        if method == "POST":
            token = support.csrf_token(client.get(path).get_data(as_text=True))
            form = {"csrf_token": token, "client_key": "bench-sql", "body": "Bench question?"}
            action, expected = (lambda c=client, p=path, f=form: c.post(p, data=f)), 302
        else:
            if audience == "anonymous":  # as wrk asks: no cookie, every time
                client = app.test_client()
            client.get(path, headers=headers)
            if audience == "anonymous":
                client = app.test_client()
            action, expected = (lambda c=client, p=path, h=headers: c.get(p, headers=h)), 200
        with counted_statements(app) as statements:
            response = action()
        if response.status_code != expected:
            raise RuntimeError(f"in-process {method} {path}: {response.status_code}")
        counts[label] = len(statements)
    with app.app_context():
        db.engine.dispose()
    return counts


def last_message_id(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.select(sa.func.max(Message.id))) or 0
    finally:
        engine.dispose()


def message_ids_after(url: str, after: int) -> set[int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(sa.select(Message.id).where(Message.id > after)))
    finally:
        engine.dispose()
