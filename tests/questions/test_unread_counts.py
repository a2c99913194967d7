"""The unread counts kept per thread for its recruiter and backup (portal.questions.unread): the
recruiter's menu badge reads them, plus the threads of colleagues they cover for counted live.

Whatever happens to a thread (questions, answers, reads, removals, a new recruiter or backup,
an absence with cover, a deleted person), the kept rows equal a fresh count, the badge equals
what counting every message in the recruiter's care says, and a rebuild changes nothing. On
PostgreSQL, posts and reads of one thread at once leave the rows right and never deadlock; the
migration's backfill counts as the module does."""

from __future__ import annotations

import importlib.util
import random
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

from portal.core.extensions import db
from portal.people import directory
from portal.people.models import CandidateProfile, Role, StaffAbsence, User
from portal.questions import threads as questions
from portal.questions import unread
from portal.questions.models import Message, ThreadUnread
from tests import support

ROOT = Path(__file__).resolve().parents[2]


def kept_rows() -> dict[tuple[int, int], int]:
    db.session.expire_all()
    return {
        (row.reader_id, row.candidate_id): row.messages
        for row in db.session.scalars(select(ThreadUnread))
    }


def fresh_rows() -> dict[tuple[int, int], int]:
    return {(reader, candidate): n for reader, candidate, n in db.session.execute(unread.counts())}


def every_message_counted(reader: User, now: datetime) -> int:
    """The badge as it was before the counts were kept: every message in the reader's care."""
    query = questions._unread_count(
        select(CandidateProfile.user_id).where(directory.in_care_of(reader.id, now))
    )
    return db.session.scalar(query, questions.unread_values(reader)) or 0


def assert_kept_right(recruiter_ids: list[int]) -> None:
    assert kept_rows() == fresh_rows()
    assert all(n > 0 for n in kept_rows().values())
    now = datetime.now(UTC)
    for recruiter_id in recruiter_ids:
        reader = db.session.get_one(User, recruiter_id)
        assert questions.unread_for(reader) == every_message_counted(reader, now), reader.email


def _history(rng: random.Random) -> list[int]:
    recruiter_ids = [
        support.make_staff(Role.RECRUITER, f"rec{n}@example.com", f"Rec {n}").id for n in range(3)
    ]
    hr = support.make_staff(Role.HR, "hr@example.com")
    candidate_ids = []
    for n in range(6):
        recruiter = db.session.get(User, rng.choice(recruiter_ids))
        candidate_ids.append(support.make_candidate(f"c{n}@example.com", recruiter).id)
    db.session.commit()
    absence: StaffAbsence | None = None
    for _step in range(150):
        candidate = db.session.get_one(User, rng.choice(candidate_ids))
        profile = candidate.candidate_profile
        staff = [i for i in (profile.recruiter_id, profile.backup_recruiter_id) if i]
        roll = rng.random()
        if roll < 0.3:  # a question
            questions.post(candidate, candidate, f"Question {_step}?", None)
        elif roll < 0.45 and staff:  # an answer (the author's mark moves with it)
            author = db.session.get_one(User, rng.choice(staff + [hr.id]))
            questions.post(candidate, author, f"Answer {_step}.", None)
        elif roll < 0.6:  # someone reads the thread, up to some message
            ids = db.session.scalars(
                select(Message.id).where(Message.candidate_id == candidate.id)
            ).all()
            reader_id = rng.choice(recruiter_ids + [candidate.id])
            if ids:
                questions.mark_read(candidate.id, reader_id, rng.choice(ids))
        elif roll < 0.68:  # a message taken back by its author
            message = db.session.scalar(
                select(Message)
                .where(Message.candidate_id == candidate.id, Message.removed_at.is_(None))
                .limit(1)
            )
            if message is not None:
                questions.remove(message, db.session.get_one(User, message.author_id))
        elif roll < 0.78:  # another recruiter
            new = rng.choice([*recruiter_ids, None])
            profile.recruiter_id = new
            if profile.backup_recruiter_id == new:
                profile.backup_recruiter_id = None
        elif roll < 0.86:  # another backup
            others = [i for i in recruiter_ids if i != profile.recruiter_id]
            profile.backup_recruiter_id = rng.choice([*others, None])
        elif roll < 0.92:  # someone away, a colleague covering, or back again
            if absence is None:
                away, cover = rng.sample(recruiter_ids, 2)
                today = date.today()
                absence = StaffAbsence(
                    recruiter_id=away,
                    cover_id=cover,
                    first_day=today,
                    last_day=today,
                    starts_at=datetime.now(UTC) - timedelta(hours=1),
                    ends_at=datetime.now(UTC) + timedelta(hours=1),
                )
                db.session.add(absence)
            else:
                db.session.delete(absence)
                absence = None
        elif roll < 0.95:  # a rolled-back change leaves the rows as they were
            questions.post(candidate, candidate, "Never sent?", None)
            db.session.rollback()
            continue
        elif roll < 0.97 and len(candidate_ids) > 3:  # a person deleted outright
            db.session.execute(delete(User).where(User.id == candidate.id))
            candidate_ids.remove(candidate.id)
        db.session.commit()
        assert_kept_right(recruiter_ids)
    return recruiter_ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_counts_follow_every_change_and_equal_a_rebuild(app_ctx, runner, seed):
    recruiter_ids = _history(random.Random(seed))
    kept = kept_rows()
    assert kept, "the history left someone something unread"
    assert {reader for reader, _candidate in kept} <= set(recruiter_ids)
    db.session.remove()
    result = runner.invoke(args=["questions", "rebuild-unread"])
    assert result.exit_code == 0, result.output
    assert "Recounted the unread messages of every thread." in result.output
    assert kept_rows() == kept


def test_the_badge_is_the_recruiters_own_rows_and_the_colleagues_they_cover_for(app_ctx):
    rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita")
    sam = support.make_staff(Role.RECRUITER, "sam@example.com", "Sam")
    alice = support.make_candidate("alice@example.com", rita)
    bob = support.make_candidate("bob@example.com", sam)
    for n in range(3):
        questions.post(alice, alice, f"Alice asks {n}?", None)
    questions.post(bob, bob, "Bob asks?", None)
    db.session.commit()
    assert kept_rows() == {(rita.id, alice.id): 3, (sam.id, bob.id): 1}
    assert (questions.unread_for(rita), questions.unread_for(sam)) == (3, 1)

    # Sam away, Rita covering: Bob's thread counts for her while it lasts, with no row of hers.
    now = datetime.now(UTC)
    db.session.add(
        StaffAbsence(
            recruiter_id=sam.id,
            cover_id=rita.id,
            first_day=now.date(),
            last_day=now.date(),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
        )
    )
    db.session.commit()
    assert questions.unread_for(rita) == 4
    assert (rita.id, bob.id) not in kept_rows()
    # Rita reads Alice's thread: her row goes; Bob's still counts.
    last = db.session.scalar(select(func.max(Message.id)).where(Message.candidate_id == alice.id))
    questions.mark_read(alice.id, rita.id, last)
    db.session.commit()
    assert (rita.id, alice.id) not in kept_rows()
    assert questions.unread_for(rita) == 1
    # Made Bob's backup, she follows his thread herself: counted once, from her row.
    bob.candidate_profile.backup_recruiter_id = rita.id
    db.session.commit()
    assert kept_rows()[(rita.id, bob.id)] == 1
    assert questions.unread_for(rita) == 1


def test_posts_and_reads_of_one_thread_at_once_leave_the_counts_right(app_ctx):
    """PostgreSQL: the candidate asks while the recruiter and the backup read, over and over,
    in parallel transactions; every recount waits for the thread's lock, so the last one sees
    everything, and nothing deadlocks."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's concurrency: SQLite runs one writer at a time")
    rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita")
    sam = support.make_staff(Role.RECRUITER, "sam@example.com", "Sam")
    alice = support.make_candidate("alice@example.com", rita)
    alice.candidate_profile.backup_recruiter_id = sam.id
    db.session.commit()
    app, ids = app_ctx, {"alice": alice.id, "rita": rita.id, "sam": sam.id}
    failures: list[BaseException] = []

    def asker() -> None:
        try:
            for n in range(25):
                with app.app_context():
                    candidate = db.session.get_one(User, ids["alice"])
                    questions.post(candidate, candidate, f"Question {n}?", None)
                    db.session.commit()
        except BaseException as error:
            failures.append(error)

    def reader(reader_id: int) -> None:
        try:
            for _ in range(25):
                with app.app_context():
                    last = db.session.scalar(
                        select(func.max(Message.id)).where(Message.candidate_id == ids["alice"])
                    )
                    if last:
                        questions.mark_read(ids["alice"], reader_id, last)
                    db.session.commit()
        except BaseException as error:
            failures.append(error)

    workers = [
        threading.Thread(target=asker),
        threading.Thread(target=reader, args=(ids["rita"],)),
        threading.Thread(target=reader, args=(ids["sam"],)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    db.session.rollback()
    assert kept_rows() == fresh_rows()
    assert_kept_right([rita.id, sam.id])


def test_the_migrations_backfill_counts_as_the_module_does(app_ctx):
    rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita")
    sam = support.make_staff(Role.RECRUITER, "sam@example.com", "Sam")
    for n in range(4):
        recruiter = rita if n % 2 else sam
        candidate = support.make_candidate(f"c{n}@example.com", recruiter)
        candidate.candidate_profile.backup_recruiter_id = sam.id if n % 2 else None
        questions.post(candidate, candidate, "A question?", None)
        questions.post(candidate, recruiter, "An answer.", None)
        questions.post(candidate, candidate, "Thanks, and another?", None)
    db.session.commit()
    kept = kept_rows()
    assert len(kept) >= 4
    path = ROOT / "migrations" / "versions" / "0029_thread_unread.py"
    spec = importlib.util.spec_from_file_location("migration_0029", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(delete(ThreadUnread))
    db.session.execute(text(migration.BACKFILL))
    db.session.commit()
    assert kept_rows() == kept
