"""Database engine set-up: SQLite tuned for several worker processes, PostgreSQL as is.

SQLite in WAL mode lets readers and one writer work at once, but a transaction that starts
as a reader and later writes fails (or, worse, works on stale data) when another writer got in
between. So every transaction here opens with BEGIN IMMEDIATE, taking the write lock up front,
except those of requests that only read (GET, HEAD, OPTIONS), which open with a plain BEGIN.
A view that must write on GET says so, naming the tables, with `@writes_on_get("table")`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import BindParameter, Engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from portal.core.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000

log = logging.getLogger(__name__)

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
        event.listen(engine, "begin", _new_transaction)
        event.listen(engine, "after_cursor_execute", _note_statement_kind)
        app.teardown_request(_commit_what_wrote_nothing)


# True when the transaction so far has written nothing (PostgreSQL assigns a transaction id at
# its first write, row locks included).
_WROTE_NOTHING = text("SELECT txid_current_if_assigned() IS NULL")
# What a connection's transaction has run (`Connection.info`): "read" while every statement was
# a compiled SELECT, "wrote" after compiled DML or DDL, "unknown" after SQL given as text.
_RAN = "portal_statements_ran"


def _new_transaction(connection: Any) -> None:
    connection.info[_RAN] = "read"


def _note_statement_kind(
    connection: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    if connection.info.get(_RAN) == "wrote":
        return
    compiled = getattr(context, "compiled", None)
    if context is None or getattr(context, "isddl", False):
        connection.info[_RAN] = "wrote"
    elif compiled is None or getattr(context, "is_text", False):
        connection.info[_RAN] = "unknown"
    elif compiled.isinsert or compiled.isupdate or compiled.isdelete:
        connection.info[_RAN] = "wrote"


def _wrote_nothing(connection: Any) -> bool:
    """Whether the connection's transaction wrote nothing: known from the statements it ran when
    they were all compiled SELECTs (most pages), asked of PostgreSQL when some came as text."""
    ran = connection.info.get(_RAN, "unknown")
    if ran != "unknown":
        return bool(ran == "read")
    return bool(connection.scalar(_WROTE_NOTHING))


def _commit_what_wrote_nothing(error: BaseException | None) -> None:
    """End a request's PostgreSQL transaction that wrote nothing with COMMIT rather than the
    ROLLBACK that closing the session sends. The two mean the same for such a transaction, but
    psycopg forgets every statement it prepared on the connection at a rollback, so the hot
    pages' queries (prepared after a few runs) would be parsed and planned anew on every
    request. A transaction that wrote, or a request that failed, is left to be rolled back."""
    if error is not None:
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    try:
        if _wrote_nothing(session.connection()):
            session.commit()
    except SQLAlchemyError:
        # Only a missed saving: closing the session rolls back as it always did.
        log.warning("Could not end a read-only transaction with COMMIT", exc_info=True)


def upsert(model: type) -> Any:
    """INSERT ... ON CONFLICT for the database in use (SQLite and PostgreSQL share the syntax)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(model)
