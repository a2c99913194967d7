"""gunicorn.conf.py: preloading stays off, and if someone turns it on, post_fork gives each
worker database connections of its own instead of the one the master opened before forking.

The real thing: gunicorn with `--preload` and two sync workers serving a portal app whose
master has already used its engine (so its pool holds a connection). Each worker says which
process opened the connection it is using. With the project's post_fork each opened its own;
with the same config minus post_fork both use the master's (so the test can fail)."""

from __future__ import annotations

import os
import runpy
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.cross.test_proxy_serving import _get
from tests.cross.test_slow_clients import (
    GUNICORN,
    ROOT,
    _free_port,
    _require,
    _stop,
    _wait_for_port,
)

CONFIG = ROOT / "gunicorn.conf.py"

# The app gunicorn preloads: the portal, whose master runs one query before forking, plus a
# test-only page saying which process this is and which opened its database connection.
PRELOADED = """
import os
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event, text

from portal import create_app
from portal.core.extensions import db

app = create_app()

with app.app_context():

    @event.listens_for(db.engine, "connect")
    def _remember_who_opened(dbapi_connection, record):
        record.info["opened_by"] = os.getpid()

    db.session.execute(text("SELECT 1"))  # the master's pool now holds one connection


@app.get("/test-only/connection")
def which_connection():
    opened_by = db.session.connection().connection.info["opened_by"]
    time.sleep(0.3)  # long enough for a second request to go to the other worker
    return f"{os.getpid()} {opened_by}", {"Content-Type": "text/plain"}
"""


def test_preloading_is_off_and_post_fork_is_harmless_without_it() -> None:
    config = runpy.run_path(str(CONFIG))
    assert config["preload_app"] is False
    assert config["worker_class"] == "sync"
    # Not preloaded: the worker's app is not built yet, and the hook has nothing to do.
    config["post_fork"](None, SimpleNamespace(app=SimpleNamespace(callable=None)))


def _which(port: int) -> tuple[int, int]:
    status, _headers, body = _get(port, "/test-only/connection", gzip_ok=False)
    assert status == 200, body
    worker, opened_by = body.decode().split()
    return int(worker), int(opened_by)


def _answers(port: int, rounds: int = 10) -> set[tuple[int, int]]:
    """(worker pid, pid that opened its connection) from both workers: concurrent requests."""
    seen: set[tuple[int, int]] = set()
    with ThreadPoolExecutor(4) as pool:
        for _ in range(rounds):
            seen.update(pool.map(_which, [port] * 4))
            if len({worker for worker, _ in seen}) >= 2:
                return seen
            time.sleep(0.2)
    raise AssertionError(f"only one worker answered: {seen}")


def _serve(
    config: Path, tmp_path: Path, *, both_workers: bool = True
) -> tuple[int, set[tuple[int, int]]]:
    """Run gunicorn --preload with `config` and two workers: the master's pid, and the
    (worker pid, pid that opened its connection) pairs the workers answered: from both
    workers, asked at once, or from one request at a time (`both_workers=False`: two
    processes must never use one inherited PostgreSQL connection at the same moment, whose
    replies would then cross and leave a request waiting for ever)."""
    gunicorn = _require(str(GUNICORN), "gunicorn")
    port = _free_port()
    database = os.environ.get("PORTAL_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    )
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database,
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_LOGLEVEL": "warning",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    proc = subprocess.Popen(
        [gunicorn, "-c", str(config), "--preload", "preloaded:app"], env=env, cwd=ROOT
    )
    try:
        _wait_for_port(port, proc)
        answers = _answers(port) if both_workers else {_which(port) for _ in range(3)}
    finally:
        _stop(proc)
    return proc.pid, answers


@pytest.mark.slow
def test_with_preload_each_worker_opens_its_own_connection(tmp_path: Path) -> None:
    (tmp_path / "preloaded.py").write_text(PRELOADED)

    master, answers = _serve(CONFIG, tmp_path)
    workers = {worker for worker, _ in answers}
    assert len(workers) == 2 and master not in workers
    assert all(opened_by == worker for worker, opened_by in answers), answers
    print(f"with post_fork: master {master}, (worker, connection opened by) {sorted(answers)}")

    # The contrast: the same config without post_fork, and a worker uses the connection the
    # master opened before the fork.
    without_hook = tmp_path / "gunicorn_without_post_fork.conf.py"
    without_hook.write_text(CONFIG.read_text() + "\n\ndel post_fork\n")
    master, answers = _serve(without_hook, tmp_path, both_workers=False)
    assert {opened_by for _, opened_by in answers} == {master}, answers
    print(f"without post_fork: master {master}, (worker, opened by) {sorted(answers)}")
