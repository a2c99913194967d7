"""The command line before anything is configured: every `--help` works, and a command that
needs configuration says what is missing in one line, never with a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from portal.core.config import PROJECT_ROOT

# Everything an operator may not have set yet; PATH and HOME stay so the interpreter runs.
CLEAN_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - only read, when HOME is unset
    "LANG": "C.UTF-8",
}


def _flask(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        capture_output=True,
        text=True,
        env=env or CLEAN_ENV,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )


# Runs each `flask --app portal … --help` in one fresh interpreter with the clean environment
# (as the real `flask` does, argv included), so the ~40 of them take seconds, not minutes.
EVERY_HELP = """
import contextlib, io, json, sys
import click
from flask.cli import cli as flask_cli
from portal import create_app

def walk(command, path):
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, [*path, name])

sys.argv = ["flask", "--app", "portal", "--help"]
with click.Context(flask_cli), contextlib.redirect_stdout(io.StringIO()):
    app = create_app()  # as `flask … --help` builds it: to list the commands
paths = [[], ["run"], ["shell"], ["routes"], ["db"], ["db", "upgrade"]]
paths += [p for name, command in app.cli.commands.items() for p in walk(command, [name])]
results = []
for path in paths:
    args = ["--app", "portal", *path, "--help"]
    sys.argv = ["flask", *args]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            flask_cli.main(args=args, prog_name="flask")
        except SystemExit as exit:
            code = exit.code or 0
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 99
    results.append({"path": path, "code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(results))
"""


@pytest.mark.slow
def test_every_help_works_without_secret_key_base_url_or_database_url():
    ran = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", EVERY_HELP],
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
        cwd=PROJECT_ROOT,
        timeout=300,
        check=True,
    )
    shown = json.loads(ran.stdout.splitlines()[-1])
    paths = [" ".join(result["path"]) for result in shown]
    assert {"users create", "users set-role", "worker", "demo load", "db upgrade"} <= set(paths)
    assert len(paths) > 30
    for result in shown:
        words = " ".join(result["path"]) or "(no command)"
        assert result["code"] == 0, f"{words} --help: {result['err']}"
        assert "Traceback" not in result["out"] + result["err"], words
        assert "Usage:" in result["out"], words


def test_users_create_help_in_a_terminal_of_its_own():
    result = _flask("users", "create", "--help")
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr
    assert "--email" in result.stdout and "--role" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["users", "create", "--role", "hr", "--email", "a@example.com"], {}, "SECRET_KEY"),
        (["worker", "--once"], {}, "SECRET_KEY"),
        (["users"], {}, "SECRET_KEY"),
        (["worker", "--once"], {"SECRET_KEY": "x" * 40}, "BASE_URL is not set"),
        (
            ["users", "create", "--role", "hr", "--email", "a@example.com"],
            {"PORTAL_ENV": "development", "RESPONSE_PROMISE_HOURS": "soon"},
            "RESPONSE_PROMISE_HOURS must be a whole number",
        ),
    ],
)
def test_a_command_that_needs_configuration_says_what_is_missing(tmp_path, args, env, said: str):
    environment = {**CLEAN_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}", **env}
    result = _flask(*args, env=environment)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == 1, output
    assert f"Error: {said}" in result.stderr
