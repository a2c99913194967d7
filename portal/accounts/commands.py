"""`flask --app portal users ...`: accounts made from the command line (the first HR person)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup

from portal.accounts import operations as accounts
from portal.accounts import passwords, tokens
from portal.accounts.models import TokenPurpose
from portal.core import inputs
from portal.core.extensions import db
from portal.core.forms import time_zone_names
from portal.people.models import Role

users_cli = AppGroup("users", help="Manage accounts.")


def _read_password() -> str:
    """From a hidden prompt on a terminal, else the first line of stdin. Never from argv."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _checked(clean: Callable[[str], str], value: str, option: str) -> str:
    """`value` as the same validator the forms use cleans it, or a usage error naming `option`."""
    try:
        return clean(value)
    except inputs.InputError as error:
        raise click.BadParameter(error.message, param_hint=option) from None


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (defaults to the email's local part).")
@click.option("--time-zone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Paris.")
def create_user(role: str, email: str, name: str | None, time_zone: str) -> None:
    """Create an account with a password (read from a prompt or stdin, never the command line)."""
    email = _checked(inputs.email_address, email, "--email")
    name = _checked(inputs.person_name, name or email.split("@")[0], "--name")
    if time_zone not in set(time_zone_names()):
        raise click.BadParameter(f"unknown time zone {time_zone!r}", param_hint="--time-zone")
    if role == Role.CANDIDATE:
        raise click.BadParameter(
            "candidates need joining details: invite them from the HR pages", param_hint="--role"
        )
    password = _read_password()
    problem = passwords.password_problem(password, passwords.personal_words(email=email, name=name))
    if problem:
        raise click.ClickException(f"Password not accepted: {problem}")
    try:
        user = accounts.create_user(
            actor=None,
            email=email,
            name=name,
            role=Role(role),
            time_zone=time_zone,
        )
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from error
    user.password_hash = passwords.hash_password(password)
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")


@users_cli.command("set-role")
@click.option("--email", required=True, help="The account's email address.")
@click.option("--role", type=click.Choice([Role.RECRUITER.value, Role.HR.value]), required=True)
def set_role(email: str, role: str) -> None:
    """Make a recruiter HR, or an HR person a recruiter. They are signed out everywhere and
    their API tokens and emailed links stop working."""
    email = _checked(inputs.email_address, email, "--email")
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}.")
    invited = not user.has_password and tokens.has_live(user, TokenPurpose.INVITATION)
    try:
        changed = accounts.change_role(user, Role(role), None)
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    if changed and invited:
        click.echo(
            f"{user.email} is now {role}. The invitation they had not used yet no longer works: "
            "send a new one from their page."
        )
    elif changed:
        click.echo(f"{user.email} is now {role}; they must sign in again.")
    else:
        click.echo(f"{user.email} already is {role}.")
