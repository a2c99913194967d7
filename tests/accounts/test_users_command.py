"""The `flask users create` command: the first HR account, and clear refusals of bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.people.models import User
from tests.support import PASSWORD, sign_in


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "first.hr@example.com"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert sign_in(app.test_client(), "first.hr@example.com").headers["Location"] == "/hr/"


def test_users_create_refuses_bad_input_with_clear_messages(app, runner):
    short = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "x@example.com"], input="short\n"
    )
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    zone = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "x@example.com", "--time-zone", "Nope"],
        input=PASSWORD + "\n",
    )
    assert zone.exit_code != 0 and "unknown time zone" in zone.output
    candidate = runner.invoke(
        args=["users", "create", "--role", "candidate", "--email", "x@example.com"],
        input=PASSWORD + "\n",
    )
    assert candidate.exit_code != 0 and "invite them" in candidate.output
    runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "x@example.com"], input=PASSWORD + "\n"
    )
    again = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "X@example.com"], input=PASSWORD + "\n"
    )
    assert again.exit_code != 0 and "already has an account" in again.output
    assert "Traceback" not in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
