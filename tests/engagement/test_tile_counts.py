"""The tiles' counts kept ahead (portal.engagement.tiles): triggers on candidate_summaries append
every change, which the worker folds into counts per recruiter and status, and per recruiter and
joining day (migration 0027_cohort_counts). Whatever writes the summaries (the ORM's listeners,
the worker's pass, the rebuild's bulk statements, a cascade from users), the tiles read from the
counts and the changes not folded in yet equal the tiles counted from the summaries, in one
query, before a fold and after it; on PostgreSQL, transactions moving candidates between the
same buckets never deadlock; the migration backfills the counts and takes them away again."""

from __future__ import annotations

import os
import random
import re
import threading
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, delete, event, inspect, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.accounts import operations as accounts
from portal.accounts import passwords
from portal.core.extensions import db
from portal.engagement import cohort, status_changes, summary_rebuild, tiles
from portal.engagement.board_filters import STATUS_ORDER, UNASSIGNED
from portal.engagement.models import (
    CandidateSummary,
    CohortCountChange,
    CohortJoiningCount,
    CohortStatusCount,
    Status,
)
from portal.events import log as events
from portal.events.models import ACTIVITY_KINDS, EventKind
from portal.people.models import CandidateProfile, Role, User
from portal.worker.loop import JOBS, Worker
from tests import support

TRIGGERS = {
    "candidate_summaries_counts_insert",
    "candidate_summaries_counts_update",
    "candidate_summaries_counts_delete",
}
BEFORE = "0026_announcements"
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


# --- What the tiles should say, counted afresh from the summaries ------------------------------


def fresh_counts() -> tuple[Counter, Counter]:
    """(recruiter key, status) and (recruiter key, joining day) of every active summary."""
    db.session.expire_all()
    rows = db.session.execute(
        select(
            CandidateSummary.recruiter_id, CandidateSummary.status, CandidateSummary.joining_date
        ).where(CandidateSummary.is_active.is_(True))
    ).all()
    return (
        Counter((recruiter or 0, status) for recruiter, status, _day in rows),
        Counter((recruiter or 0, day) for recruiter, _status, day in rows),
    )


def stored_counts() -> tuple[Counter, Counter]:
    """The counts as the tiles read them: those folded in plus the changes not folded in yet."""
    statuses = Counter(
        {
            (row.recruiter_key, row.status): row.candidates
            for row in db.session.scalars(select(CohortStatusCount))
        }
    )
    days = Counter(
        {
            (row.recruiter_key, row.joining_date): row.candidates
            for row in db.session.scalars(select(CohortJoiningCount))
        }
    )
    for change in db.session.scalars(select(CohortCountChange)):
        statuses[(change.recruiter_key, change.status)] += change.delta
        days[(change.recruiter_key, change.joining_date)] += change.delta
    return +statuses, +days  # without the buckets the changes emptied


def pending_changes() -> int:
    return len(db.session.scalars(select(CohortCountChange.id)).all())


def assert_counts_are_exact(*, fold: bool = False) -> None:
    """The counts plus the pending changes equal a fresh count; with `fold`, the worker's fold
    (committed) leaves no change pending, the counts alone exact and none at 0 or below."""
    assert stored_counts() == fresh_counts()
    if not fold:
        return
    tiles.fold_changes()
    db.session.commit()
    assert pending_changes() == 0
    assert all(row.candidates > 0 for row in db.session.scalars(select(CohortStatusCount)))
    assert all(row.candidates > 0 for row in db.session.scalars(select(CohortJoiningCount)))
    assert stored_counts() == fresh_counts()


def expected_tiles(key: int | None, today: date) -> tiles.Tiles:
    """The tiles for one recruiter key (0: no recruiter), or everyone's (None)."""
    statuses, days = fresh_counts()
    counts = {
        status: sum(n for (k, s), n in statuses.items() if s == status and key in (None, k))
        for status in STATUS_ORDER
    }
    week = sum(
        n
        for (k, day), n in days.items()
        if key in (None, k) and today <= day <= today + timedelta(days=6)
    )
    return tiles.Tiles(sum(counts.values()), counts, week)


def scopes(recruiter_ids: list[int]) -> list[tuple[str, cohort.Filters, int | None, int | None]]:
    """(name, filters, own board's recruiter, expected key) for HR's whole board, each
    recruiter's own board and HR's filter by them, and HR's filter "unassigned"."""
    found: list[tuple[str, cohort.Filters, int | None, int | None]] = [
        ("everyone", cohort.Filters(), None, None),
        ("unassigned", cohort.Filters(recruiter=UNASSIGNED), None, 0),
    ]
    for rid in recruiter_ids:
        found.append((f"board of {rid}", cohort.Filters(), rid, rid))
        found.append((f"HR's filter {rid}", cohort.Filters(recruiter=str(rid)), None, rid))
    return found


def assert_tiles_agree(recruiter_ids: list[int], today: date, monkeypatch) -> None:
    """For every scope the counts answer: the tiles read from them equal those the summaries'
    aggregate gives, and those counted afresh."""
    now = datetime.now(UTC)
    for name, filters, own, key in scopes(recruiter_ids):
        shown = cohort.count_in_scope(now, filters, recruiter_id=own, today=today)
        with monkeypatch.context() as patch:
            patch.setattr(tiles, "counted", lambda *_args: False)
            aggregate = cohort.count_in_scope(now, filters, recruiter_id=own, today=today)
        assert shown == aggregate == expected_tiles(key, today), name


# --- Following every way the summaries are written ---------------------------------------------


def _history(rng: random.Random, monkeypatch) -> None:
    """Candidates invited, signing in, active, moved between recruiters (and to none),
    deactivated and back, joining days moved, the worker's passes as time goes by, summaries
    lost and rebuilt, people deleted, a bulk cohort: checked after every commit."""
    hr = support.make_staff(Role.HR, "hr@example.com")
    hr_id = hr.id
    recruiter_ids = [support.make_staff(Role.RECRUITER, f"rec{n}@example.com").id for n in range(3)]
    today = date.today()
    candidate_ids: list[int] = []

    def new_candidate(n: int) -> None:
        recruiter = rng.choice([*recruiter_ids, None])
        user = support.make_candidate(
            f"c{n}@example.com",
            db.session.get(User, recruiter) if recruiter else None,
            joins_in=rng.randint(-3, 12),
            location=rng.choice(["Paris", "Lyon"]),
            password=None,
        )
        accounts.invite(user, db.session.get(User, hr_id))
        db.session.commit()
        candidate_ids.append(user.id)

    for n in range(8):
        new_candidate(n)
    assert_tiles_agree(recruiter_ids, today, monkeypatch)
    kinds = list(ACTIVITY_KINDS)
    worker_clock = datetime.now(UTC)
    for step in range(160):
        hr = db.session.get(User, hr_id)
        candidate = db.session.get(User, rng.choice(candidate_ids))
        assert hr is not None and candidate is not None
        roll = rng.random()
        if roll < 0.06:
            new_candidate(100 + step)
        elif roll < 0.16:  # the invitation accepted: a password and a sign-in
            if candidate.password_hash is None:
                candidate.password_hash = passwords.hash_password(support.PASSWORD)
            events.record(candidate.id, EventKind.SIGNED_IN)
        elif roll < 0.36:
            at = datetime.now(UTC) - timedelta(days=rng.choice([0, 0, 9, 20]))
            events.record(candidate.id, rng.choice(kinds), subject="news:1", at=at)
        elif roll < 0.48:
            accounts.assign_recruiter(candidate, rng.choice([*recruiter_ids, None]), hr)
        elif roll < 0.56:
            if candidate.is_active:
                accounts.deactivate(candidate, hr)
            else:
                accounts.reactivate(candidate, hr)
        elif roll < 0.68:
            profile = candidate.candidate_profile
            profile.joining_date = today + timedelta(days=rng.randint(-3, 12))
            if rng.random() < 0.3:  # with the recruiter, in the same flush
                profile.recruiter_id = rng.choice(recruiter_ids)
        elif roll < 0.78:  # the worker's pass, as time goes by (bulk UPDATEs of statuses)
            worker_clock += timedelta(days=rng.choice([0, 1, 4, 9]))
            status_changes.evaluate(worker_clock)
        elif roll < 0.83:  # a summary lost (a restore): the next pass rebuilds it
            summary = db.session.get(CandidateSummary, candidate.id)
            if summary is not None:
                db.session.delete(summary)
            db.session.flush()
            assert_counts_are_exact()
            status_changes.evaluate(worker_clock)
        elif roll < 0.86:  # everyone rebuilt (`flask engagement rebuild-summaries`)
            summary_rebuild.rebuild()
        elif roll < 0.89:  # a person deleted outright: their summary goes by cascade
            db.session.execute(delete(User).where(User.id == candidate.id))
            candidate_ids.remove(candidate.id)
            db.session.expire_all()
        elif roll < 0.91:  # candidates inserted in bulk, then built as the worker would
            support.insert_cohort(
                db.session.get(User, rng.choice(recruiter_ids)), 6, 3, datetime.now(UTC)
            )
            candidate_ids.extend(
                db.session.scalars(
                    select(User.id).where(User.email.like("cohort%"), User.id.not_in(candidate_ids))
                )
            )
        elif roll < 0.95:  # a rollback: the counts go back with the summaries
            accounts.assign_recruiter(candidate, rng.choice([*recruiter_ids, None]), hr)
            events.record(candidate.id, EventKind.SIGNED_IN)
            db.session.rollback()
            continue
        else:
            db.session.commit()
        if rng.random() < 0.5:
            db.session.commit()
            assert_counts_are_exact(fold=rng.random() < 0.3)
            assert_tiles_agree(recruiter_ids, today, monkeypatch)
    db.session.commit()
    assert_counts_are_exact()
    assert_tiles_agree(recruiter_ids, today, monkeypatch)
    assert_counts_are_exact(fold=True)
    assert_tiles_agree(recruiter_ids, today, monkeypatch)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counts_follow_every_way_the_summaries_are_written(app_ctx, monkeypatch, seed):
    _history(random.Random(seed), monkeypatch)
    statuses, days = stored_counts()
    # The history went through every status, inactive candidates and the unassigned.
    assert {status for _key, status in statuses} >= {Status.ENGAGED, Status.INVITED}
    assert {key for key, _status in statuses} >= {0}
    assert db.session.scalar(select(User.id).where(User.is_active.is_(False))) is not None
    assert len(days) > 5


def test_the_rebuild_command_leaves_the_counts_equal_to_a_fresh_count(app, runner, app_ctx):
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
    other = support.make_staff(Role.RECRUITER, "other@example.com")
    support.insert_cohort(recruiter, 40, 5, datetime.now(UTC))
    support.insert_cohort(other, 30, 5, datetime.now(UTC), seed=8)
    for n in range(3):
        support.make_candidate(f"nobody{n}@example.com", None, password=None)
    moved = db.session.scalars(select(CandidateProfile).limit(10)).all()
    for profile in moved:
        profile.recruiter_id = other.id
        profile.joining_date = date.today() + timedelta(days=2)
    db.session.commit()
    assert_counts_are_exact()
    assert pending_changes() > 0

    result = runner.invoke(args=["engagement", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 73 candidate summaries." in result.output
    assert pending_changes() == 0  # the rebuild folds what it moved in
    assert_counts_are_exact()
    # Every summary gone, then built again by the worker's pass.
    db.session.execute(delete(CandidateSummary))
    db.session.commit()
    assert stored_counts() == (Counter(), Counter())
    status_changes.evaluate(datetime.now(UTC))
    db.session.commit()
    assert_counts_are_exact(fold=True)
    assert sum(stored_counts()[0].values()) == 73


# --- Folding the changes in ---------------------------------------------------------------------


def test_the_workers_pass_folds_the_changes_in_and_the_tiles_stay_the_same(app):
    now, today = datetime.now(UTC), date.today()
    with app.app_context():
        recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
        support.insert_cohort(recruiter, 12, 2, now)
        support.make_candidate("nobody@example.com", None, joins_in=3)
        db.session.commit()
        board = cohort.Filters(), recruiter.id
        before = cohort.count_in_scope(now, board[0], recruiter_id=board[1], today=today)
        assert before.total == 12
        assert pending_changes() >= 13
    (outcome,) = Worker(app, tuple(job for job in JOBS if job.name == "tile_counts")).run_pass()
    assert outcome.error is None
    assert outcome.line().startswith("tile_counts: ")
    assert "change(s) folded into the tiles' counts" in outcome.line()
    with app.app_context():
        assert pending_changes() == 0
        after = cohort.count_in_scope(now, board[0], recruiter_id=board[1], today=today)
        assert after == before
        unassigned = cohort.count_in_scope(now, cohort.Filters(recruiter=UNASSIGNED), today=today)
        assert (unassigned.total, unassigned.joining_this_week) == (1, 1)
        assert_counts_are_exact()


def test_moving_candidates_between_the_same_buckets_at_once_never_deadlocks(app_ctx):
    """PostgreSQL: writers each move 1 to 3 of their own candidates (one recruiter's) between
    statuses and joining days, in random orders, while folds run beside them. Counts updated in
    place deadlocked here; appended changes never wait for each other. SQLite has one writer
    at a time, so nothing to show there."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's row locks: SQLite runs one writer at a time")
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
    support.insert_cohort(recruiter, 40, 1, datetime.now(UTC))
    db.session.commit()
    ids = sorted(db.session.scalars(select(CandidateSummary.candidate_id)))
    app, engine = app_ctx, db.engine
    failures: list[BaseException] = []
    move = text(
        "UPDATE candidate_summaries SET status = :status, joining_date = joining_date + :days"
        " WHERE candidate_id = :id"
    )

    def writer(own: list[int], seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(40):
                with engine.begin() as connection:
                    for candidate_id in rng.sample(own, rng.randint(1, 3)):
                        status = rng.choice(STATUS_ORDER)
                        days = rng.choice([-1, 1])
                        connection.execute(
                            move, {"status": status, "days": days, "id": candidate_id}
                        )
        except BaseException as error:  # a deadlock, say: reported below
            failures.append(error)

    def folder() -> None:
        try:
            for _ in range(20):
                with app.app_context():
                    tiles.fold_changes()
                    db.session.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(ids[n::4], n)) for n in range(4)] + [
        threading.Thread(target=folder),
        threading.Thread(target=folder),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.session.rollback()
    assert_counts_are_exact(fold=True)
    assert sum(stored_counts()[0].values()) == 40


# --- One query, never over the summaries when the counts answer ------------------------------


def test_the_tiles_are_one_query_and_read_the_counts_whenever_they_answer(app_ctx):
    recruiter = support.make_staff(Role.RECRUITER, "rec@example.com")
    support.insert_cohort(recruiter, 30, 2, datetime.now(UTC))
    now, today = datetime.now(UTC), date.today()
    counted = [
        (cohort.Filters(), None),
        (cohort.Filters(), recruiter.id),
        (cohort.Filters(status=Status.QUIET, after=cohort.Cursor(1, today, 5)), recruiter.id),
        (cohort.Filters(recruiter=str(recruiter.id)), None),
        (cohort.Filters(recruiter=UNASSIGNED), None),
    ]
    narrowed = [
        (cohort.Filters(search="cohort"), None),
        (cohort.Filters(location="Lyon"), recruiter.id),
        (cohort.Filters(joining_within=30), None),
        (cohort.Filters(recruiter="0"), None),  # no recruiter has id 0: not the unassigned
    ]
    db.session.execute(text("SELECT 1"))  # the transaction begun: only the tiles below
    for cases, reads_counts in ((counted, True), (narrowed, False)):
        for filters, own in cases:
            statements: list[str] = []

            def record(_conn, _cursor, statement, *_args, into=statements):
                if not _TRANSACTION_CONTROL.match(statement):
                    into.append(statement)

            event.listen(db.engine, "before_cursor_execute", record)
            try:
                found = cohort.count_in_scope(now, filters, recruiter_id=own, today=today)
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            assert len(statements) == 1, (filters, statements)
            (statement,) = statements
            assert ("cohort_status_counts" in statement) is reads_counts, statement
            assert ("cohort_count_changes" in statement) is reads_counts, statement
            assert ("FROM candidate_summaries" in statement) is not reads_counts, statement
            if filters.recruiter == "0":
                assert found.total == 0


# --- The migration -------------------------------------------------------------------------------


POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


def _installed_triggers() -> set[str]:
    if db.session.get_bind().dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'candidate_summaries'::regclass"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return set(db.session.scalars(text(query))) & TRIGGERS


def test_the_triggers_are_there_at_head(app_ctx):
    """A SQLite batch migration of candidate_summaries copies the table and loses them: it
    must create them again."""
    assert _installed_triggers() == TRIGGERS


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path):
    """The URL of a database with nothing in it yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'counts.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PORTAL_TEST_DATABASE_URL is not set: no PostgreSQL server to create on")
    name = f"portal_counts_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.slow
def test_the_migration_backfills_the_counts_and_takes_them_away(new_database):
    app = create_app(support.app_config(new_database))
    with app.app_context():
        try:
            upgrade()
            recruiter_id = support.make_staff(Role.RECRUITER, "rec@example.com").id
            support.insert_cohort(db.session.get(User, recruiter_id), 20, 2, datetime.now(UTC))
            support.make_candidate("nobody@example.com", None)
            assert_counts_are_exact()
            db.session.remove()  # the migrations take their own connection

            downgrade(revision=BEFORE)
            db.session.remove()
            tables = set(inspect(db.engine).get_table_names())
            assert (
                not {
                    "cohort_status_counts",
                    "cohort_joining_counts",
                    "cohort_count_changes",
                }
                & tables
            )
            assert _installed_triggers() == set()
            # Summaries written meanwhile, with nothing to follow them...
            recruiter = db.session.get(User, recruiter_id)
            gone = support.make_candidate("gone@example.com", recruiter)
            later = support.make_candidate("later@example.com", None, joins_in=2)
            accounts.deactivate(gone, recruiter)
            summary = db.session.get(CandidateSummary, later.id)
            assert summary is not None
            summary.status = Status.AT_RISK
            db.session.commit()
            db.session.remove()

            # ...are counted when the counts come back.
            upgrade()
            assert _installed_triggers() == TRIGGERS
            assert pending_changes() == 0  # backfilled into the counts themselves
            assert_counts_are_exact()
            assert stored_counts()[0][(0, Status.AT_RISK)] == 1
            support.make_candidate("after@example.com", db.session.get(User, recruiter_id))
            assert_counts_are_exact(fold=True)
        finally:
            db.session.remove()
            db.engine.dispose()
