"""Every error answer keeps the security headers, the last-resort 500 included, and asks nothing
of a database that may be why it is shown; production refuses a weak SECRET_KEY (issue 13,
classes 7 and 8)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
from flask import abort, request
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError

from portal import create_app
from portal.core.extensions import db
from tests.support import BASE_URL, app_config, sign_in

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "Cache-Control",
)


def _assert_security_headers(response, reference) -> None:
    for name in SECURITY_HEADERS:
        assert response.headers.get(name) == reference.headers.get(name), (name, response.status)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# Error pages keep the security headers ---------------------------------------------------------


def _app_with_failures(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/test-only/abort/<int:status>")
    def abort_with(status):
        abort(status)

    @app.get("/test-only/boom")
    @app.get("/api/v1/test-only/boom")
    def boom():
        raise RuntimeError("secret internals of the view")

    @app.get("/test-only/failed-sql-then-boom")
    def failed_sql_then_boom():
        # PostgreSQL then refuses every statement until the transaction ends.
        with contextlib.suppress(SQLAlchemyError):
            db.session.execute(text("SELECT no_such_column FROM no_such_table"))
        app.extensions["sql_after_failure"] = []
        raise RuntimeError("secret internals after SQL")

    @app.get("/test-only/teardown-fails")
    @app.get("/api/v1/test-only/teardown-fails")
    def teardown_fails():
        return "never seen"

    @app.teardown_request
    def _fail_in_teardown(_error):
        if request.path.endswith("/teardown-fails"):
            db.session.remove()
            raise RuntimeError("secret internals of a teardown")

    def _note(_conn, _cursor, statement, *_args):
        seen = app.extensions.get("sql_after_failure")
        if seen is not None:
            seen.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _note)
    return app


def test_every_error_status_carries_the_security_headers(make_app, people):
    app = _app_with_failures(make_app)
    client = app.test_client()
    reference = client.get("/sign-in")
    answers = {
        400: client.post("/sign-in", data={}),
        403: client.get("/test-only/abort/403"),
        404: client.get("/no/such/page"),
        405: client.put("/sign-in"),
        410: client.get("/test-only/abort/410"),
        413: client.post("/sign-in", data={"email": "x" * (2 * 1024 * 1024)}),
        429: client.get("/test-only/abort/429"),
        500: client.get("/test-only/boom"),
    }
    for status, response in answers.items():
        assert response.status_code == status
        _assert_security_headers(response, reference)
        page = response.get_data(as_text=True)
        assert "<h1>" in page and "Traceback" not in page and "secret internals" not in page
    api = app.test_client().get("/api/v1/test-only/boom")
    assert api.status_code == 500 and api.mimetype == "application/problem+json"
    _assert_security_headers(api, reference)
    assert "secret internals" not in api.get_data(as_text=True)


def test_a_500_page_that_cannot_render_falls_back_to_a_static_one(make_app, people):
    app = _app_with_failures(make_app)
    client = app.test_client()
    reference = client.get("/sign-in")
    broken = DictLoader(
        {"core/server_error.html": "{{ no_such_helper() }}", "core/error.html": "{{ 1 / 0 }}"}
    )
    app.jinja_env.loader = ChoiceLoader([broken, app.jinja_env.loader])
    for path in ("/test-only/boom", "/no/such/page"):  # the 404 page fails, then the 500 one
        response = client.get(path)
        assert response.status_code == 500
        _assert_security_headers(response, reference)
        page = response.get_data(as_text=True)
        assert "Something went wrong on our side" in page
        assert "Traceback" not in page and "secret internals" not in page


def test_an_error_past_every_handler_is_a_static_500_with_the_headers(make_app, people):
    """The WSGI-level last resort: a teardown raises after Flask has built its response."""
    app = _app_with_failures(make_app)
    client = app.test_client()
    reference = client.get("/sign-in")
    page = client.get("/test-only/teardown-fails")
    assert page.status_code == 500
    _assert_security_headers(page, reference)
    assert page.mimetype == "text/html"
    text_shown = page.get_data(as_text=True)
    assert "Something went wrong on our side" in text_shown and "never seen" not in text_shown
    assert "secret internals" not in text_shown and "Traceback" not in text_shown
    api = client.get("/api/v1/test-only/teardown-fails")
    assert api.status_code == 500 and api.mimetype == "application/problem+json"
    assert api.get_json()["status"] == 500
    _assert_security_headers(api, reference)
    assert client.get("/sign-in").status_code == 200  # and the next request is served


def test_after_a_failed_statement_the_500_page_asks_nothing_of_the_database(make_app, people):
    """On PostgreSQL the failed statement poisons the transaction: the error page used to
    query it again (who is signed in) and fail itself."""
    app = _app_with_failures(make_app)
    client = app.test_client()
    sign_in(client, people["emails"]["hr"])
    reference = client.get("/hr/")
    response = client.get("/test-only/failed-sql-then-boom")
    assert response.status_code == 500
    _assert_security_headers(response, reference)
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "no_such_table" not in page and "secret internals" not in page
    assert app.extensions["sql_after_failure"] == []
    app.extensions.pop("sql_after_failure")
    assert client.get("/hr/").status_code == 200  # the session is usable again


# SECRET_KEY in production --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "key", "refusal"),
    [
        ("production", "development-only-secret-key-do-not-use-in-production", "development key"),
        ("production", "s" * 31, "31 bytes"),
        ("production", "short", "5 bytes"),
        ("staging", "x" * 20, "20 bytes"),  # any name but development and testing is strict
    ],
)
def test_production_refuses_a_weak_secret_key_in_one_clear_line(
    migrated, environment, key, refusal
):
    with pytest.raises(RuntimeError) as refused:
        create_app(app_config(migrated, PORTAL_ENV=environment, SECRET_KEY=key))
    message = str(refused.value)
    assert refusal in message and "\n" not in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in message


@pytest.mark.parametrize(
    ("environment", "key"),
    [
        ("production", "k" * 32),
        ("production", "\u00e9" * 16),  # 32 bytes in UTF-8
        ("development", "development-only-secret-key-do-not-use-in-production"),
        ("testing", "short"),
    ],
)
def test_a_good_key_or_a_relaxed_environment_starts(migrated, environment, key):
    app = create_app(app_config(migrated, PORTAL_ENV=environment, SECRET_KEY=key))
    assert app.config["SECRET_KEY"] == key


def test_the_cli_help_works_whatever_the_secret_key(tmp_path):
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "BASE_URL": BASE_URL,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'help.sqlite3'}",
    }
    flask = Path(sys.executable).with_name("flask")
    for extra in ({}, {"SECRET_KEY": "short"}, {"SECRET_KEY": "k" * 48}):
        done = subprocess.run(
            [str(flask), "--app", "portal", "--help"],
            env={**base, **extra},
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Usage: flask" in done.stdout
