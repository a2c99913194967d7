"""How a request's PostgreSQL transaction ends when the view did not commit it.

Closing the session rolls back, and psycopg forgets every statement it prepared on the
connection at a ROLLBACK (DEALLOCATE ALL): the hot pages' queries, prepared after a few runs,
would be parsed and planned anew on every request. A transaction that wrote nothing means the
same committed or rolled back, so it ends with COMMIT here; one that wrote, or a request that
failed, is left to be rolled back as ever. The one commit outside views, commands and job
runners (tests/architecture/rules.py): it ends the request, and commits nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from portal.core.extensions import db

log = logging.getLogger(__name__)


def commit_what_wrote_nothing(app: Flask, engine: Engine) -> None:
    """Follow what each transaction of `engine` runs, and end a request's that wrote nothing
    with COMMIT."""
    event.listen(engine, "begin", _new_transaction)
    event.listen(engine, "after_cursor_execute", _note_statement_kind)
    app.teardown_request(_end_request_transaction)


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


def _end_request_transaction(error: BaseException | None) -> None:
    """COMMIT the request's transaction if it wrote nothing and the request did not fail;
    otherwise leave it to closing the session (ROLLBACK)."""
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
