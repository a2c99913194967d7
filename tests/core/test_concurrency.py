"""Concurrency with real processes, started with "spawn", on real databases.

Each process builds its own app (own engine, own connections) from the database URL it is
handed, so the database is the only thing the processes share, as with several gunicorn
workers. The workers live in tests/workers.py; a Barrier lines them up so that they start at
the same instant.

- 8 processes redeem one invitation at once: exactly one succeeds, nobody gets an error.
- 4 processes x 100 read-modify-write transactions (signing_in.record_sign_in) end with the exact
  count: on a SQLite file always (BEGIN IMMEDIATE), and on PostgreSQL (SELECT ... FOR UPDATE)
  when the suite runs on it.
- The control: the same read-then-write without that protection (a deferred BEGIN, no lock),
  with every transaction's read forced before any write, is refused by SQLite ("database is
  locked") and silently loses updates on PostgreSQL. So the count test can fail.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import time
from itertools import pairwise

import pytest
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal import create_app
from portal.accounts import operations as accounts
from portal.accounts import passwords, tokens
from portal.accounts.models import TokenPurpose, UserToken
from portal.core.extensions import db
from portal.people.models import Role, User
from tests import support, workers

pytestmark = pytest.mark.slow

SPAWN = multiprocessing.get_context("spawn")
WAIT_SECONDS = 60.0
EXIT_GRACE_SECONDS = 15.0
CONTENDERS = 8
PROCESSES = 4
TRANSACTIONS = 100
CONTROL_ROUNDS = 10
INVITATION_LINK = re.compile(re.escape(support.BASE_URL) + r"/invitation/([A-Za-z0-9_-]+)")


def run_processes(target, argument_lists: list[tuple]) -> list[dict]:
    """Run `target(*arguments, barrier, results)` in one spawned process per argument tuple.

    Returns the outcome each process reported. Everything is bounded by WAIT_SECONDS (plus
    EXIT_GRACE_SECONDS to shut down); a process still alive after that is terminated (only the
    ones started here).
    """
    barrier = SPAWN.Barrier(len(argument_lists))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=target, args=(*arguments, barrier, results), daemon=True)
        for arguments in argument_lists
    ]
    for process in processes:
        process.start()
    outcomes: list[dict] = []
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while len(outcomes) < len(processes):
            try:
                outcomes.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(
                    f"only {len(outcomes)} of {len(processes)} processes reported "
                    f"within {WAIT_SECONDS:.0f} s"
                )
    finally:
        for process in processes:
            # A process that has reported still has to shut down (engine, queue feeder): on a
            # loaded machine (xdist workers beside browser tests) that takes seconds.
            process.join(timeout=max(EXIT_GRACE_SECONDS, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        results.close()
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return outcomes


def errors_in(outcomes: list[dict]) -> list[str]:
    return [f"{outcome['worker']}: {outcome['error']}" for outcome in outcomes if outcome["error"]]


def is_postgresql(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


def test_eight_concurrent_redemptions_of_one_invitation_exactly_one_succeeds(app, migrated):
    with app.app_context():
        hr = support.make_staff(Role.HR, "hr@example.com")
        candidate = support.make_candidate("nina@example.com", None, password=None)
        email = accounts.invite(candidate, hr)
        db.session.commit()
        found = INVITATION_LINK.search(email.body_text)
        assert found, email.body_text
        token = found.group(1)
        assert tokens.check(token, TokenPurpose.INVITATION).ok
        candidate_id = candidate.id
        db.session.remove()

    contenders = [f"password of contender {number}" for number in range(CONTENDERS)]
    outcomes = run_processes(
        workers.accept_invitation, [(migrated, token, password) for password in contenders]
    )

    assert errors_in(outcomes) == []
    winners = [outcome["password"] for outcome in outcomes if outcome["won"]]
    assert len(winners) == 1, outcomes
    with app.app_context():
        user = db.session.get(User, candidate_id)
        assert user.password_hash is not None
        assert passwords.verify_password(user.password_hash, winners[0])
        losers = [password for password in contenders if password != winners[0]]
        assert not any(passwords.verify_password(user.password_hash, p) for p in losers)
        (row,) = db.session.scalars(select(UserToken).where(UserToken.user_id == candidate_id))
        assert row.used_at is not None
        assert row.revoked_at is None
        assert tokens.check(token, TokenPurpose.INVITATION).problem is tokens.TokenProblem.USED


@pytest.fixture(params=["sqlite-file", "suite-database-postgresql"])
def counter(request, tmp_path):
    """(database URL, app, id of a user whose sign_in_count is 0) for the sign-in workloads.

    "sqlite-file" is a new SQLite file migrated with the real migrations, whatever the suite
    runs on; the other case is the suite's database when that is PostgreSQL.
    """
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path / 'sign-ins.sqlite3'}"
        app = create_app(support.app_config(url))
        with app.app_context():
            upgrade()
    else:
        url = request.getfixturevalue("migrated")
        if not is_postgresql(url):
            pytest.skip("the suite runs on SQLite: the sqlite-file case covers it")
        app = request.getfixturevalue("make_app")()
    with app.app_context():
        user_id = support.make_staff(Role.HR, "counted@example.com").id
        db.session.remove()
    yield url, app, user_id
    if request.param == "sqlite-file":
        with app.app_context():
            db.engine.dispose()


def sign_in_count(app, user_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(User.sign_in_count).where(User.id == user_id))
        db.session.remove()
    return count


def test_four_processes_times_100_locked_sign_ins_count_exactly(counter):
    url, app, user_id = counter
    outcomes = run_processes(
        workers.record_sign_ins,
        [(url, user_id, TRANSACTIONS, f"worker {number}") for number in range(PROCESSES)],
    )

    assert errors_in(outcomes) == []
    assert sum(outcome["committed"] for outcome in outcomes) == PROCESSES * TRANSACTIONS
    assert sign_in_count(app, user_id) == PROCESSES * TRANSACTIONS
    # The processes really overlapped: their working spans were not one after the other. (Not
    # all four at one instant: a waiter backs off, so one process may finish its hundred
    # before another has got the lock once.)
    spans = sorted((outcome["started"], outcome["ended"]) for outcome in outcomes)
    assert any(later[0] < earlier[1] for earlier, later in pairwise(spans)), spans


def test_control_read_then_write_without_the_protection_goes_wrong(counter):
    """Shows the test above can fail: without the protection the same counting goes wrong.

    Every round, each process reads the count in a deferred transaction, waits until all the
    others have read too, then writes count + 1. The interleaving is forced, not hoped for, so
    the outcome is certain: in the first round at least all four read 0.
    """
    url, app, user_id = counter
    outcomes = run_processes(
        workers.naive_sign_ins,
        [(url, user_id, CONTROL_ROUNDS, f"naive {number}") for number in range(PROCESSES)],
    )

    assert errors_in(outcomes) == []
    attempted = PROCESSES * CONTROL_ROUNDS
    committed = sum(outcome["committed"] for outcome in outcomes)
    refused = [message for outcome in outcomes for message in outcome["refused"]]
    final = sign_in_count(app, user_id)
    if is_postgresql(url):
        # READ COMMITTED: every UPDATE succeeds, each one overwriting the others' increments.
        assert refused == []
        assert committed == attempted
        assert final <= attempted - (PROCESSES - 1), "lost updates expected"
    else:
        # WAL: a reader that tries to write after another writer got in is refused at once
        # (the busy timeout does not apply to that upgrade). Nothing is lost, but it fails.
        assert len(refused) >= PROCESSES - 1
        assert all("database is locked" in message for message in refused), refused
        assert final == committed
        assert committed + len(refused) == attempted
