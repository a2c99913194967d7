"""Webhook deliverers as real processes on the test database (SQLite file or PostgreSQL):

- `flask --app portal webhooks deliver --every 1` killed with SIGKILL while requests are out,
  then started again: every message arrives, and the ones that arrive twice carry the same
  webhook-id and the same body (receivers dedupe on it);
- three deliverers started at the same instant never send a message twice.

The CLI is given the test database and its settings through Flask's `--app
'portal:create_app({...})'` (literal arguments to the factory), so it runs exactly as an
operator would run it, on this run's database.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from portal.core.extensions import db
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)
from tests import support
from tests.webhook_receiver import running_receiver

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
SPAWN = multiprocessing.get_context("spawn")
WAIT_SECONDS = 60.0
LEASE_SECONDS = 5
TIMEOUT_SECONDS = 2
DELIVERY_CONFIG = {
    "WEBHOOKS_ALLOW_PRIVATE": ["127.0.0.1"],
    "WEBHOOK_TIMEOUT_SECONDS": TIMEOUT_SECONDS,
    "WORKER_LEASE_SECONDS": LEASE_SECONDS,
}


@pytest.fixture
def receiver():
    with running_receiver() as server:
        yield server


@pytest.fixture
def app(make_app):
    return make_app(**DELIVERY_CONFIG)


def queue_messages(url: str, count: int) -> tuple[str, dict[str, bytes]]:
    """An endpoint at `url` and `count` events for it; its secret and {webhook_id: body}."""
    endpoint = WebhookEndpoint(
        url=url,
        secret=webhooks.generate_secret(),
        event_types=[str(event_type) for event_type in WebhookEventType],
    )
    db.session.add(endpoint)
    db.session.commit()
    for number in range(count):
        webhooks.publish(
            WebhookEventType.QUESTION_ASKED,
            {"candidate_id": number, "question_id": 1000 + number},
            recruiter_id=None,
        )
    db.session.commit()
    rows = db.session.execute(select(WebhookMessage.webhook_id, WebhookMessage.body)).all()
    assert len(rows) == count
    return endpoint.secret, {webhook_id: body.encode() for webhook_id, body in rows}


def delivered_count() -> int:
    """Read in a transaction of its own, ended at once: on SQLite every transaction here takes
    the write lock (BEGIN IMMEDIATE), and polling must not keep the deliverers waiting."""
    try:
        return db.session.scalar(
            select(func.count()).where(WebhookMessage.status == DeliveryStatus.DELIVERED)
        )
    finally:
        db.session.rollback()


# --- A worker killed in the middle of its deliveries -----------------------------------------


def start_deliverer(database_url: str, log: Path) -> subprocess.Popen:
    config = support.app_config(database_url, **DELIVERY_CONFIG)
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(FLASK), "--app", f"portal:create_app({config!r})", "webhooks", "deliver"]
            + ["--every", "1"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_keep_their_id(
    app, migrated, receiver, tmp_path
):
    with app.app_context():
        secret, bodies = queue_messages(receiver.url(), 24)
    log = tmp_path / "deliverer.log"
    answered_first = 5
    receiver.hold(after=answered_first)  # the 6th request on is kept waiting for an answer

    first = start_deliverer(migrated, log)
    try:
        held = receiver.wait_until_held(2, timeout=30)
        assert len(held) >= 2, log.read_text()
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        stop(first)
    held_ids = {delivery.webhook_id for delivery in receiver.held}
    with app.app_context():
        before_restart = delivered_count()
    assert before_restart < len(bodies), "the kill came too late: everything was delivered"

    receiver.release()
    second = start_deliverer(migrated, log)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        with app.app_context():
            while delivered_count() < len(bodies) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert delivered_count() == len(bodies), log.read_text()
    finally:
        stop(second)

    deliveries = receiver.received()
    seen = Counter(delivery.webhook_id for delivery in deliveries)
    assert set(seen) == set(bodies)  # nothing lost
    repeated = {webhook_id for webhook_id, times in seen.items() if times > 1}
    assert held_ids <= repeated  # sent before the kill, unanswered, so sent again
    assert repeated, "no message was sent twice: the kill did not land mid-delivery"
    by_id: dict[str, list[bytes]] = defaultdict(list)
    for delivery in deliveries:
        by_id[delivery.webhook_id].append(delivery.body)
        assert Webhook(secret).verify(delivery.body, delivery.headers)
    for webhook_id in repeated:
        assert by_id[webhook_id] == [bodies[webhook_id]] * seen[webhook_id]
    # What the first worker had recorded before dying was not sent again.
    assert len(deliveries) - len(bodies) == len(repeated) == sum(seen[i] - 1 for i in repeated)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) >= len(bodies)


# --- Several deliverers at once ----------------------------------------------------------------


def deliverer(database_url: str, name: str, barrier: Any, results: Any) -> None:
    """One process: deliver in small passes until nothing is left to claim. Run by spawn."""
    outcome: dict[str, Any] = {"worker": name, "sent": 0, "passes": 0, "error": None}
    app = None
    try:
        from portal import create_app
        from portal.webhooks import jobs as webhook_jobs

        app = create_app(support.app_config(database_url, **DELIVERY_CONFIG))
        with app.app_context():
            db.engine.raw_connection().close()
            barrier.wait(timeout=WAIT_SECONDS)
            idle = 0
            while idle < 3:
                summary = webhook_jobs.deliver_pass(limit=2)
                outcome["sent"] += summary.sent
                outcome["passes"] += 1
                idle = 0 if summary.claimed else idle + 1
                if not summary.claimed:
                    time.sleep(0.05)
    except BaseException as error:  # reported to the parent, never swallowed
        barrier.abort()
        outcome["error"] = f"{type(error).__name__}: {error}"
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        results.put(outcome)


def test_deliverers_running_at_once_never_send_a_message_twice(app, migrated, receiver):
    with app.app_context():
        _secret, bodies = queue_messages(receiver.url(), 40)
        db.session.remove()
    receiver.slow(0.03)  # so that the processes' sends overlap
    names = ["one", "two", "three"]
    barrier = SPAWN.Barrier(len(names))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=deliverer, args=(migrated, name, barrier, results), daemon=True)
        for name in names
    ]
    for process in processes:
        process.start()
    outcomes = []
    try:
        for _ in processes:
            try:
                outcomes.append(results.get(timeout=WAIT_SECONDS))
            except queue.Empty:
                pytest.fail(f"only {len(outcomes)} of {len(processes)} deliverers reported")
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    assert [o["error"] for o in outcomes] == [None] * len(names), outcomes

    deliveries = receiver.received()
    seen = Counter(delivery.webhook_id for delivery in deliveries)
    assert set(seen) == set(bodies)
    assert [webhook_id for webhook_id, times in seen.items() if times > 1] == []
    assert sum(o["sent"] for o in outcomes) == len(bodies)
    assert sum(1 for o in outcomes if o["sent"]) >= 2, outcomes  # they really shared the work
    with app.app_context():
        assert delivered_count() == len(bodies)
        assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == len(bodies)
