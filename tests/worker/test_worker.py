"""The worker (`flask --app portal worker`): its jobs, leases, failures, signals, `make run`.

The jobs run against real parts: a feed on a loopback HTTP server, mail to a loopback SMTP
server, webhooks to a loopback receiver. Several workers are real processes sharing only the
database, as in production.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint, WebhookEventType
from portal.worker import leases
from portal.worker.loop import JOBS, Job, Outcome, Worker, _stop_on_signals
from portal.worker.models import WorkerJob
from tests import support
from tests.feed_server import running_feed_server
from tests.webhook_receiver import running_receiver

CLOCK = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 13:00 in Paris: past the digest hour
RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Company news</title>'
    b"<item><title>Lyon office opens</title><guid>lyon</guid></item></channel></rss>"
)


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(
        SMTP_URL=smtp_server.url,
        PORTAL_CLOCK=CLOCK,
        PORTAL_FEEDS_ALLOW_PRIVATE={"127.0.0.1"},
        WEBHOOKS_ALLOW_PRIVATE={"127.0.0.1"},
    )


def job_rows() -> dict[str, WorkerJob]:
    db.session.expire_all()
    return {job.name: job for job in db.session.scalars(select(WorkerJob))}


def recruiter_with_news(n: int, at: datetime, zone: str = "Europe/Paris"):
    """A recruiter with one candidate whose status just changed: a digest is due."""
    owner = support.make_staff(
        Role.RECRUITER, f"r{n}@example.com", f"Recruiter {n}", zone=zone, password=None
    )
    someone = support.make_candidate(f"c{n}@example.com", owner, name=f"Cand {n}", password=None)
    data = {"from": "engaged", "to": "quiet", "reasons": ["no sign-in for 7 days"]}
    events.record(someone.id, EventKind.STATUS_CHANGED, data=data, at=at - timedelta(hours=1))
    db.session.commit()
    return owner, someone


# --- One pass of every job ------------------------------------------------------------------


def test_once_runs_every_job(app, runner, smtp_server):
    with running_feed_server() as feed_server, running_receiver() as receiver:
        with app.app_context():
            owner, someone = recruiter_with_news(1, CLOCK)
            feed = Feed(name="News", url=feed_server.static("/feed.xml", RSS), next_check_at=CLOCK)
            endpoint = WebhookEndpoint(
                url=receiver.url("/hooks"),
                secret=webhooks.generate_secret(),
                event_types=[str(WebhookEventType.QUESTION_ASKED)],
            )
            db.session.add_all([feed, endpoint])
            db.session.flush()
            webhooks.publish(
                WebhookEventType.QUESTION_ASKED,
                {"candidate": {"id": someone.id}},
                recruiter_id=owner.id,
                at=CLOCK,
            )
            db.session.commit()
            someone_id = someone.id

        result = runner.invoke(args=["worker", "--once"])

        lines = result.output.splitlines()
        assert [line.split(":")[0] for line in lines[:-1]] == [job.name for job in JOBS]
        assert lines[-1] == f"All went well: {len(JOBS)} of {len(JOBS)} job(s) ran, nothing failed."
        assert "digests: 1 digest(s) queued" in lines
        assert "mail: 1 message(s) sent" in lines
        assert "webhooks: 1 webhook message(s) delivered" in lines
        assert "feeds: 1 feed: 1 updated (1 new entry), 0 unchanged, 0 failed" in lines
        assert result.exit_code == 0, result.output
        (delivery,) = receiver.wait_for(1)
        assert delivery.json()["data"] == {"candidate": {"id": someone_id}}
    (digest,) = smtp_server.wait_for(1)
    assert digest["To"] == "r1@example.com"
    assert "Cand 1 is now " in support.text_body(digest)
    with app.app_context():
        assert db.session.scalars(select(FeedEntry.title)).all() == ["Lyon office opens"]
        rows = job_rows()
        assert sorted(rows) == sorted(job.name for job in JOBS)
        for job in JOBS:
            row = rows[job.name]
            assert (row.last_run_at, row.last_error, row.locked_until) == (CLOCK, None, None)
            assert row.next_run_at == CLOCK + (job.every or timedelta(0))

    # The same instant again: the leased jobs are not due, the deliveries find nothing.
    again = runner.invoke(args=["worker", "--once"])
    assert again.exit_code == 0, again.output
    assert "digests: not due (or running in another worker)" in again.output
    assert "mail: nothing to do" in again.output


# --- Failures -------------------------------------------------------------------------------


def one_webhook_message_to(url: str) -> None:
    """An endpoint at `url` and one message for it, about a candidate."""
    someone = support.make_candidate("hooked@example.com", None, password=None)
    endpoint = WebhookEndpoint(
        url=url,
        secret=webhooks.generate_secret(),
        event_types=[str(WebhookEventType.QUESTION_ASKED)],
    )
    db.session.add(endpoint)
    db.session.flush()
    webhooks.publish(
        WebhookEventType.QUESTION_ASKED,
        {"candidate": {"id": someone.id}},
        recruiter_id=None,
        at=CLOCK,
    )


def test_once_exits_1_and_names_the_sends_that_failed(make_app, runner):
    """A webhook receiver that answers 500 and a mail server that is not there: the job ran, but
    what it sent did not go. `worker --once` says which job, how many and why, and exits 1."""
    closed_port = support.free_port()  # nothing listens there
    app = make_app(
        SMTP_URL=f"smtp://127.0.0.1:{closed_port}",
        SMTP_TIMEOUT_SECONDS=2,
        PORTAL_CLOCK=CLOCK,
        WEBHOOKS_ALLOW_PRIVATE={"127.0.0.1"},
    )
    runner = app.test_cli_runner()
    with running_receiver() as receiver:
        receiver.fail_first(5, status=500)
        with app.app_context():
            one_webhook_message_to(receiver.url("/down"))
            db.session.add(
                OutgoingEmail(
                    to_address="someone@example.com",
                    kind="test",
                    subject="s",
                    body_text="t",
                    next_attempt_at=CLOCK,
                )
            )
            db.session.commit()
            email_id = db.session.scalars(select(OutgoingEmail.id)).one()

        result = runner.invoke(args=["worker", "--once"])

        assert len(receiver.wait_for(1)) == 1  # it was really sent, and really refused
    lines = result.output.splitlines()
    assert result.exit_code == 1, result.output
    assert "mail: 0 message(s) sent, 1 failed" in lines
    (mail_reason,) = [line for line in lines if line.startswith(f"  failed: email {email_id}: ")]
    assert "could not be reached" in mail_reason
    assert "webhooks: 1 webhook message(s) sent: 0 delivered, 1 failed" in lines
    (hook_reason,) = [
        line for line in lines if line.startswith(f"  failed: {receiver.url('/down')}")
    ]
    assert "500" in hook_reason
    assert lines[-1] == (
        f"Something failed in 2 of {len(JOBS)} job(s): mail (1 failed), webhooks (1 failed)."
    )
    assert "nothing to do" not in "\n".join(
        line for line in lines if line.startswith(("mail", "webhooks"))
    )


def test_once_exits_1_when_a_webhook_receiver_is_down(make_app, runner):
    """Nothing listens at the endpoint's address at all (the receiver is down)."""
    app = make_app(PORTAL_CLOCK=CLOCK, WEBHOOKS_ALLOW_PRIVATE={"127.0.0.1"})
    url = f"http://127.0.0.1:{support.free_port()}/hooks"
    with app.app_context():
        one_webhook_message_to(url)
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 1, result.output
    assert "webhooks: 1 webhook message(s) sent: 0 delivered, 1 failed" in result.output
    assert f"  failed: {url}: " in result.output
    assert result.output.splitlines()[-1].endswith("webhooks (1 failed).")


def _email(address: str) -> None:
    db.session.add(
        OutgoingEmail(to_address=address, kind="test", subject="s", body_text="t", body_html=None)
    )
    db.session.flush()


def test_a_failing_job_is_recorded_and_the_loop_goes_on(app, caplog):
    calls: list[str] = []

    def boom(now):
        calls.append("boom")
        _email("half-done@example.com")  # rolled back with the failure
        raise RuntimeError("the feed store exploded")

    def after(now):
        calls.append("after")
        _email("after@example.com")
        return "wrote one"

    worker = Worker(app, (Job("boom", boom, every=timedelta(minutes=1)), Job("after", after)))
    with caplog.at_level(logging.INFO, logger="portal.worker"):
        outcomes = worker.run_pass()
    assert outcomes == [
        Outcome("boom", ran=True, error="RuntimeError: the feed store exploded"),
        Outcome("after", ran=True, summary="wrote one"),
    ]
    (failure,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.getMessage() == "Job boom failed" and failure.exc_info is not None
    assert "after: wrote one" in [r.getMessage() for r in caplog.records]
    with app.app_context():
        addresses = db.session.scalars(select(OutgoingEmail.to_address)).all()
        assert addresses == ["after@example.com"]
        rows = job_rows()
        assert rows["boom"].last_error == "RuntimeError: the feed store exploded"
        assert (rows["boom"].locked_until, rows["boom"].next_run_at) == (
            None,
            CLOCK + timedelta(minutes=1),
        )
        assert rows["after"].last_error is None

    # Not due again at the same instant; a minute later it runs, and a success clears the error.
    assert [o.ran for o in worker.run_pass()] == [False, True]
    app.config["PORTAL_CLOCK"] = CLOCK + timedelta(minutes=1)
    worker.jobs = (Job("boom", lambda now: None, every=timedelta(minutes=1)),)
    assert worker.run_pass() == [Outcome("boom", ran=True)]
    with app.app_context():
        assert job_rows()["boom"].last_error is None
    assert calls == ["boom", "after", "after"]


def test_a_lease_keeps_other_workers_off_until_it_runs_out(app_ctx):
    lease = timedelta(minutes=2)
    assert leases.claim("digests", CLOCK, holder="a", lease=lease)
    assert not leases.claim("digests", CLOCK + timedelta(seconds=30), holder="b", lease=lease)
    # Worker a died without finishing: once its lease has run out, b takes the job over.
    assert leases.claim("digests", CLOCK + lease, holder="b", lease=lease)
    assert job_rows()["digests"].locked_by == "b"
    # a wakes up and finishes late: recorded, but b's lease is left alone.
    assert not leases.finish("digests", CLOCK, holder="a", every=timedelta(minutes=1))
    assert job_rows()["digests"].locked_by == "b"
    assert leases.finish("digests", CLOCK + lease, holder="b", every=timedelta(minutes=1))
    row = job_rows()["digests"]
    assert (row.locked_by, row.locked_until) == (None, None)
    assert row.next_run_at == CLOCK + lease + timedelta(minutes=1)


# --- Several workers at once ----------------------------------------------------------------

RUNS_IN_PROCESS = 4


def _slow_once(now):
    _email("once@example.com")
    time.sleep(0.3)  # long enough for the others to try while it is held
    return "ran"


def _worker_process(database_url: str, name: str, barrier, results) -> None:
    """A separate process (own app, own connections) making a few passes of one leased job."""
    outcome: dict = {"worker": name, "error": None, "ran": 0}
    try:
        from portal import create_app

        app = create_app(support.app_config(database_url))
        with app.app_context():
            db.engine.raw_connection().close()
        worker = Worker(app, (Job("once", _slow_once, every=timedelta(hours=1)),), holder=name)
        barrier.wait(timeout=60)
        for _ in range(RUNS_IN_PROCESS):
            outcome["ran"] += sum(o.ran for o in worker.run_pass())
            time.sleep(0.1)
        with app.app_context():
            db.engine.dispose()
    except BaseException as error:  # reported to the test, never swallowed
        barrier.abort()
        outcome["error"] = f"{type(error).__name__}: {error}"
    finally:
        results.put(outcome)


@pytest.mark.slow
def test_several_worker_processes_run_a_periodic_job_once(app, migrated):
    count = 3
    outcomes = support.run_spawned(_worker_process, [(migrated, f"w{n}") for n in range(count)])
    assert [o["error"] for o in outcomes] == [None] * count
    assert sum(o["ran"] for o in outcomes) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 1
        assert job_rows()["once"].last_error is None


def _zone_in_the_morning() -> str:
    """A fixed-offset zone where it is now between 09:00 and 20:00 (the digest is due)."""
    hour = datetime.now(UTC).hour
    for local in range(9, 20):
        offset = (local - hour + 12) % 24 - 12  # -12 .. +11
        if -12 <= offset <= 14:
            # POSIX-style names: Etc/GMT-3 is three hours ahead of UTC.
            return "Etc/GMT" + (f"{-offset:+d}" if offset else "")
    raise AssertionError("unreachable")


def _cli_environment(database_url: str, smtp_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "FLASK_"))}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="worker-test-secret-long-enough-for-production",
        BASE_URL=support.BASE_URL,
        SMTP_URL=smtp_url,
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.mark.slow
def test_two_worker_commands_send_each_digest_once_and_stop_on_sigterm(
    app, migrated, smtp_server, tmp_path
):
    recruiters = 3
    with app.app_context():
        now = datetime.now(UTC)
        zone = _zone_in_the_morning()
        for n in range(recruiters):
            recruiter_with_news(n, now, zone=zone)
        db.engine.dispose()
    flask = str(Path(sys.executable).with_name("flask"))
    env = _cli_environment(migrated, smtp_server.url)
    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    with contextlib.ExitStack() as files:
        processes = [
            subprocess.Popen(
                [flask, "--app", "portal", "worker", "--interval", "0.2"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=files.enter_context(log.open("w")),
            )
            for log in logs
        ]
    try:
        smtp_server.wait_for(recruiters, timeout=30)
        time.sleep(1.5)  # several more passes of both workers
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=15) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = [log.read_text() for log in logs]
    assert codes == [0, 0], output
    for text in output:
        assert "SIGTERM received: stopping after the current job." in text
        assert text.rstrip().endswith("stopped.")
    received = sorted(m["To"] for m in smtp_server.messages)
    assert received == [f"r{n}@example.com" for n in range(recruiters)], output
    with app.app_context():
        sent = db.session.scalars(select(OutgoingEmail.status)).all()
        assert sent == [EmailStatus.SENT] * recruiters


# --- Signals --------------------------------------------------------------------------------


@pytest.fixture
def restore_signals():
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_loop_after_the_current_job(app, restore_signals, signum):
    def interrupted(now):
        os.kill(os.getpid(), signum)
        time.sleep(0.05)
        _email("finished@example.com")  # the job in progress still completes and commits
        return "finished"

    def next_job(now):
        _email("never@example.com")

    worker = Worker(app, (Job("first", interrupted), Job("second", next_job)))
    _stop_on_signals(worker)
    started = time.monotonic()
    worker.run_forever(interval=60)  # returns instead of sleeping for a minute
    assert time.monotonic() - started < 5
    with app.app_context():
        assert db.session.scalars(select(OutgoingEmail.to_address)).all() == [
            "finished@example.com"
        ]
        assert set(job_rows()) == {"first"}


# --- make run -------------------------------------------------------------------------------


def _wait_until(check, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    return None


@pytest.mark.slow
def test_make_run_serves_the_portal_with_a_worker_and_stops_on_ctrl_c(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    database = tmp_path / "run.sqlite3"
    port = support.free_port()
    env = _cli_environment(f"sqlite:///{database}", "")
    for name in ("SECRET_KEY", "BASE_URL", "SMTP_URL"):
        env.pop(name)
    log = tmp_path / "make-run.log"
    # -o install: the virtualenv this test runs in is the installed one; never pip here.
    with log.open("w") as output:
        make = subprocess.Popen(
            ["make", "-o", "install", "run", f"RUN_PORT={port}"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )

    def page():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=1) as response:
                return response.status == 200 and b"Sign in" in response.read()
        except OSError:
            return False

    def worker_ran() -> bool:
        """A whole pass is recorded, down to the last job (the feeds)."""
        if not database.exists():
            return False
        try:
            with contextlib.closing(sqlite3.connect(database)) as conn:
                rows = conn.execute(
                    "SELECT name FROM worker_jobs WHERE last_run_at IS NOT NULL"
                ).fetchall()
        except sqlite3.OperationalError:  # not migrated yet, or busy
            return False
        return {name for (name,) in rows} == {job.name for job in JOBS}

    try:
        assert _wait_until(page, 30), log.read_text()
        assert _wait_until(worker_ran, 15), log.read_text()
        os.killpg(make.pid, signal.SIGINT)  # Ctrl+C in the terminal
        make.wait(timeout=15)
        group_gone = _wait_until(lambda: not _group_alive(make.pid), 5)
        assert group_gone, "a process of `make run` outlived Ctrl+C"
    finally:
        if _group_alive(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=5)
    text = log.read_text()
    assert "SIGINT received: stopping after the current job." in text
    # Every link the demo emailed (kept in development) is on the port it served on.
    with contextlib.closing(sqlite3.connect(database)) as conn:
        bodies = [body for (body,) in conn.execute("SELECT body_text FROM outgoing_emails")]
    links = [link for body in bodies for link in re.findall(r"https?://\S+", body or "")]
    assert links and all(link.startswith(f"http://127.0.0.1:{port}/") for link in links), links
    # The demo's feeds were refreshed offline, from their bundled files: none is failing.
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("SELECT count(*) FROM feeds WHERE error_count > 0").fetchone() == (0,)
    assert "stopped." in text
    assert "Traceback" not in text.split("Press CTRL+C to quit")[-1].split("SIGINT received")[0]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
