"""Database engine set-up: SQLite tuned for several worker processes, PostgreSQL as is.

SQLite in WAL mode lets readers and one writer work at once, but a transaction that starts
as a reader and later writes fails (or, worse, works on stale data) when another writer got in
between. So every transaction here opens with BEGIN IMMEDIATE, taking the write lock up front,
except those of requests that only read (GET, HEAD, OPTIONS), which open with a plain BEGIN.
A view that must write on GET says so, naming the tables, with `@writes_on_get("table")`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import BindParameter, Engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.core.extensions import db
from portal.core.request_end import commit_what_wrote_nothing

SQLITE_BUSY_TIMEOUT_MS = 10_000

_Value = TypeVar("_Value")
# A value a query compares with, or the bound parameter it takes it from when the query is
# built once and run many times (the hot pages' queries).
OrBound: TypeAlias = _Value | BindParameter[_Value]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def configure_sqlite(engine: Engine) -> None:
    """Pragmas on every new connection, and BEGIN emitted by us rather than by the driver."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop pysqlite from issuing its own BEGIN, so the "begin" event below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Erased text (a message removed by its author) is overwritten, not left in free pages.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin")
        if mode is None:
            mode = "DEFERRED" if _first_read_only_transaction() else "IMMEDIATE"
        connection.exec_driver_sql("BEGIN" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def writes_on_get(*tables: str, up_front: bool = True) -> Callable[[ViewFunc], ViewFunc]:
    """Mark a view that writes (to `tables`) even when asked with GET, such as a read mark,
    so its transaction takes the write lock up front.

    A busy page that only sometimes writes passes `up_front=False`: it reads in a plain
    (deferred) transaction and, when it has something to write, ends that transaction first and
    writes in a short one of its own, which takes the lock then."""

    def mark(view: ViewFunc) -> ViewFunc:
        view.writes_on_get = tables  # type: ignore[attr-defined]
        view.write_lock_up_front = up_front  # type: ignore[attr-defined]
        return view

    return mark


_READ_ONLY_BEGIN = "portal_read_only_begin"


def _read_only_request_transaction() -> None:
    """Let the request's first transaction, whenever it begins, open with a plain BEGIN. Nothing
    is opened here: a page that runs no SQL checks no connection out."""
    if request.method not in SAFE_METHODS or request.endpoint in (None, "static"):
        return
    view = current_app.view_functions.get(request.endpoint)
    locks_up_front = getattr(view, "writes_on_get", ()) and getattr(
        view, "write_lock_up_front", True
    )
    if not locks_up_front:
        setattr(g, _READ_ONLY_BEGIN, True)


def _first_read_only_transaction() -> bool:
    """True once, for the first transaction of a read-only request: a later one in the same
    request (the short write of an `up_front=False` view) takes the write lock up front."""
    return has_request_context() and bool(g.pop(_READ_ONLY_BEGIN, False))


def init_database(app: Flask) -> None:
    """Attach the engine events and the per-request transaction mode. Called after
    Flask-SQLAlchemy's own set-up, so this teardown runs before it closes the session."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
        app.before_request(_read_only_request_transaction)
    elif engine.dialect.name == "postgresql":
        commit_what_wrote_nothing(app, engine)


def upsert(model: type) -> Any:
    """INSERT ... ON CONFLICT for the database in use (SQLite and PostgreSQL share the syntax)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(model)
