"""What the processes started by tests/core/test_concurrency.py run.

They are started with the "spawn" method, so each one is a fresh interpreter that imports this
module, builds its own app on the database URL it is given (its own engine, its own
connections), waits on a Barrier with its siblings so that they all start at once, does its
work, and puts one dict describing the outcome on the results queue. Nothing is raised out of a
worker: every exception becomes text in the outcome, for the test to show.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

BARRIER_TIMEOUT = 60.0


def _build_app(database_url: str):
    from portal import create_app
    from portal.core.extensions import db
    from tests.support import app_config

    app = create_app(app_config(database_url))
    with app.app_context():
        # Open (and pool) the connection now, outside any transaction, so the start line is
        # not spread out by connecting; the pragmas run here.
        db.engine.raw_connection().close()
    return app


def _run(name: str, database_url: str, barrier: Any, results: Any, work, *args: Any) -> None:
    """Build the app, wait for the siblings, run `work(outcome, *args)`, report."""
    outcome: dict[str, Any] = {"worker": name, "error": None}
    app = None
    try:
        app = _build_app(database_url)
        barrier.wait(timeout=BARRIER_TIMEOUT)
        outcome["started"] = time.time()
        with app.app_context():
            work(outcome, *args)
        outcome["ended"] = time.time()
    except BaseException as error:  # reported to the parent, never swallowed
        barrier.abort()  # do not leave the siblings waiting for a process that gave up
        outcome["error"] = f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
    finally:
        try:
            if app is not None:
                from portal.core.extensions import db

                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
        finally:
            results.put(outcome)


def _accept(outcome: dict, token: str, password: str) -> None:
    from portal.accounts import signing_in
    from portal.core.extensions import db

    outcome["password"] = password
    user = signing_in.accept_invitation(token, password)
    db.session.commit()
    outcome["won"] = user is not None


def accept_invitation(
    database_url: str, token: str, password: str, barrier: Any, results: Any
) -> None:
    """One person redeeming the invitation `token` with `password`, in one transaction."""
    _run(f"accept:{password}", database_url, barrier, results, _accept, token, password)


def _sign_ins(outcome: dict, user_id: int, transactions: int) -> None:
    from portal.accounts import signing_in
    from portal.core.extensions import db

    outcome["committed"] = 0
    for _ in range(transactions):
        signing_in.record_sign_in(user_id)
        db.session.commit()
        outcome["committed"] += 1


def record_sign_ins(
    database_url: str, user_id: int, transactions: int, name: str, barrier: Any, results: Any
) -> None:
    """`transactions` separate transactions of signing_in.record_sign_in(user_id) + commit."""
    _run(name, database_url, barrier, results, _sign_ins, user_id, transactions)


def _naive(outcome: dict, user_id: int, rounds: int, barrier: Any) -> None:
    from portal.core.extensions import db
    from portal.people.models import User

    outcome["committed"] = 0
    outcome["refused"] = []
    for _ in range(rounds):
        # A plain deferred BEGIN (what SQLite does by default) and a read without any lock.
        db.session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        count = db.session.scalar(select(User.sign_in_count).where(User.id == user_id))
        # Everyone has read before anyone writes: the interleaving that the protection is for,
        # forced on every round instead of left to the scheduler.
        barrier.wait(timeout=BARRIER_TIMEOUT)
        try:
            db.session.execute(
                update(User).where(User.id == user_id).values(sign_in_count=count + 1)
            )
            db.session.commit()
            outcome["committed"] += 1
        except OperationalError as error:
            db.session.rollback()
            outcome["refused"].append(str(error.orig))


def naive_sign_ins(
    database_url: str, user_id: int, rounds: int, name: str, barrier: Any, results: Any
) -> None:
    """The control: read-then-write without BEGIN IMMEDIATE or FOR UPDATE, `rounds` times.

    The same barrier serves as the start line and, inside every transaction, as the point all
    the processes reach after reading and before writing.
    """
    _run(name, database_url, barrier, results, _naive, user_id, rounds, barrier)
