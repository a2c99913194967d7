"""Fixtures: one real database per run (SQLite file, or PostgreSQL when
PORTAL_TEST_DATABASE_URL names one), migrated with the project's own Alembic migrations."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.core.extensions import db
from portal.core.models import Base
from portal.people.models import Role
from tests import support

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


def _create_postgres_database(server_url: str) -> tuple[str, str]:
    """A fresh database for this run, so parallel runs and old data never interfere."""
    url = make_url(server_url)
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # pragma: no cover - a clear stop instead of 500 failures
        pytest.exit(f"PostgreSQL is not reachable at {url.render_as_string()}: {error}", 3)
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
        return
    url, name = _create_postgres_database(POSTGRES_URL)
    yield url
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url):
    """Upgrade the empty database to head with the real migrations, once per run."""
    from flask_migrate import upgrade

    app = create_app(support.app_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def make_app(migrated):
    """Build apps on the test database with extra config; every table is emptied afterwards."""
    apps = []

    def build(**overrides):
        app = create_app(support.app_config(migrated, **overrides))
        apps.append(app)
        return app

    yield build
    for app in apps:
        _empty_all_tables(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def people(app):
    """The cast of the access tests: HR, two recruiters, a candidate for each."""
    with app.app_context():
        hr = support.make_staff(Role.HR, "hr@example.com", "Helen HR")
        recruiter_a = support.make_staff(
            Role.RECRUITER, "rec.a@example.com", "Rita Recruiter", phone="+33 1 23 45 67 89"
        )
        recruiter_b = support.make_staff(Role.RECRUITER, "rec.b@example.com", "Bob Recruiter")
        candidate_a = support.make_candidate(
            "cand.a@example.com", recruiter_a, name="Alice Candidate"
        )
        candidate_b = support.make_candidate(
            "cand.b@example.com", recruiter_b, name="Ben Candidate"
        )
        ids = {
            "hr": hr.id,
            "recruiter_a": recruiter_a.id,
            "recruiter_b": recruiter_b.id,
            "candidate_a": candidate_a.id,
            "candidate_b": candidate_b.id,
        }
        emails = {
            "hr": hr.email,
            "recruiter_a": recruiter_a.email,
            "recruiter_b": recruiter_b.email,
            "candidate_a": candidate_a.email,
            "candidate_b": candidate_b.email,
        }
    return {"ids": ids, "emails": emails}


@pytest.fixture
def smtp_server():
    catcher, controller = support.start_mail_catcher()
    yield catcher
    controller.stop()


@pytest.fixture(scope="module")
def browser():
    """One Debian chromium per test module (Playwright never downloads one here); each test
    takes fresh contexts (cookies) from it."""
    from playwright.sync_api import sync_playwright

    from tests import browser as tools

    tools.require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(tools.CHROMIUM), args=tools.CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(make_app):
    """The portal on 127.0.0.1 with the demo loaded (tests/browser.py); the tables are emptied
    afterwards. A module that seeds more defines its own."""
    from tests import browser as tools

    server = tools.start_live_server(make_app())
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages in fresh browser contexts aimed at live_server (tests/browser.PageOpener),
    with the real CSP unless opened with bypass_csp=True; the contexts close afterwards."""
    from tests import browser as tools

    with tools.open_pages(browser, live_server.url) as open_page:
        yield open_page
