"""A fresh demo as `make run` starts it: every feed healthy offline, every emailed link on the
port it serves."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from portal.core.config import PROJECT_ROOT, from_environment
from portal.core.extensions import db
from portal.demo.load import DEMO_PASSWORD, HR_EMAIL
from portal.mail.models import OutgoingEmail
from portal.news.feeds.samples import SAMPLES
from portal.news.models import Feed
from tests.support import sign_in

LINK = re.compile(r"https?://[^\s\"'<>)]+")


def _feeds_page(app) -> str:
    hr = app.test_client()
    sign_in(hr, HR_EMAIL, DEMO_PASSWORD)
    page = hr.get("/hr/news")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_demo_feeds_are_healthy_offline_and_stay_so_after_a_refresh(make_app):
    app = make_app(DEV_MAILBOX=True, PORTAL_FEEDS_OFFLINE_SAMPLES=True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0

    page = _feeds_page(app)
    assert "Failing" not in page and "Not fetched yet" not in page
    assert page.count('<span class="badge badge-ok">Working</span>') == len(SAMPLES)

    # The worker's first pass refreshes them (they are due at once), from the bundled files.
    with app.app_context():
        db.session.execute(db.update(Feed).values(next_check_at=Feed.created_at))
        db.session.commit()
    result = runner.invoke(args=["worker", "--once"])
    assert f"feeds: {len(SAMPLES)} feeds: 0 updated (0 new entries), 3 unchanged, 0 failed" in (
        result.output
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("All went well")

    page = _feeds_page(app)
    assert "Failing" not in page
    assert page.count('<span class="badge badge-ok">Working</span>') == len(SAMPLES)
    with app.app_context():
        feeds = db.session.scalars(select(Feed)).all()
        assert [(feed.error_count, feed.last_error) for feed in feeds] == [(0, None)] * 3
        assert all(feed.title for feed in feeds)


def test_outside_development_the_samples_are_fetched_like_any_feed(monkeypatch):
    monkeypatch.delenv("PORTAL_FEEDS_OFFLINE_SAMPLES", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    assert from_environment()["PORTAL_FEEDS_OFFLINE_SAMPLES"] is False
    monkeypatch.setenv("PORTAL_ENV", "development")
    assert from_environment()["PORTAL_FEEDS_OFFLINE_SAMPLES"] is True
    monkeypatch.setenv("PORTAL_FEEDS_OFFLINE_SAMPLES", "0")
    assert from_environment()["PORTAL_FEEDS_OFFLINE_SAMPLES"] is False


# --- The port in emailed links ------------------------------------------------------------------


def _make_run_commands(env: dict[str, str], *args: str) -> list[str]:
    """The commands `make run` would run (make -n), without running them."""
    shown = subprocess.run(  # noqa: S603 - make, with our own arguments
        ["make", "-n", "-o", "install", "run", *args],  # noqa: S607 - make from PATH
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [line for line in shown.stdout.splitlines() if "flask --app portal" in line]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_sets_base_url_from_the_port_it_serves_on(monkeypatch):
    env = {"PATH": "/usr/bin:/bin"}
    commands = _make_run_commands(env, "RUN_PORT=5001")
    assert len(commands) == 4  # db upgrade, demo load, worker, run
    for command in commands:
        assert "BASE_URL=http://127.0.0.1:5001 " in command, command
    assert "--port 5001" in commands[-1]
    assert all("BASE_URL=http://127.0.0.1:5000" in c for c in _make_run_commands(env))
    # A BASE_URL of one's own (a tunnel, a proxy) wins over the port.
    mine = _make_run_commands({**env, "BASE_URL": "https://demo.example.org"}, "RUN_PORT=5001")
    assert all("BASE_URL=https://demo.example.org " in command for command in mine)


def test_development_links_follow_flask_run_port_unless_base_url_is_set(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    assert from_environment()["BASE_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("FLASK_RUN_PORT", "5001")
    assert from_environment()["BASE_URL"] == "http://127.0.0.1:5001"
    monkeypatch.setenv("BASE_URL", "https://demo.example.org/")
    assert from_environment()["BASE_URL"] == "https://demo.example.org"


def test_every_link_the_demo_emails_is_on_the_port_it_serves(make_app):
    """What `make run RUN_PORT=5001` gives the app (BASE_URL): the demo's mail links there."""
    app = make_app(
        DEV_MAILBOX=True, PORTAL_FEEDS_OFFLINE_SAMPLES=True, BASE_URL="http://127.0.0.1:5001"
    )
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert "Sign in at http://127.0.0.1:5001 " in loaded.output
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    with app.app_context():
        emails = db.session.scalars(select(OutgoingEmail)).all()
    links = [
        link
        for email in emails
        for body in (email.body_text or "", email.body_html or "")
        for link in LINK.findall(body)
        if "127.0.0.1" in link or "localhost" in link
    ]
    assert emails and links
    assert all(link.startswith("http://127.0.0.1:5001/") for link in links), links
