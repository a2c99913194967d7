"""Staff single sign-on settings: off unless configured, and half a configuration (or a wrong
value) stops the start with one line saying what to set."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.accounts import oidc
from portal.core.config import ConfigError, from_environment
from portal.people.models import Role
from tests import support

COMPLETE = {
    "OIDC_ISSUER": "https://login.example.com/realms/staff",
    "OIDC_CLIENT_ID": "portal",
    "OIDC_CLIENT_SECRET": "secret",
    "OIDC_ROLE_MAP": {"portal-hr": "hr", "portal-recruiters": "recruiter"},
}


def _settings(**overrides: object) -> oidc.OidcSettings | None:
    return oidc.read_config({**COMPLETE, **overrides})


def test_off_unless_configured():
    assert oidc.read_config({"OIDC_ROLE_CLAIM": "groups", "OIDC_SCOPES": "openid"}) is None


def test_a_complete_configuration():
    settings = _settings(OIDC_PROVIDER_NAME=" Acme SSO ")
    assert settings is not None
    assert settings.provider_name == "Acme SSO"
    assert settings.discovery_url == (
        "https://login.example.com/realms/staff/.well-known/openid-configuration"
    )
    assert settings.role_map == {"portal-hr": Role.HR, "portal-recruiters": Role.RECRUITER}
    assert (settings.role_claim, settings.scopes) == ("groups", "openid email profile")
    assert "secret" not in repr(settings)
    unnamed = _settings()
    assert unnamed is not None and unnamed.provider_name == "single sign-on"


@pytest.mark.parametrize(
    "missing", ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_MAP"]
)
def test_half_a_configuration_says_what_is_missing(missing):
    with pytest.raises(ConfigError) as stopped:
        _settings(**{missing: ""})
    message = str(stopped.value)
    assert "half configured" in message and f"but {missing} not" in message
    assert "\n" not in message


def test_a_provider_name_alone_is_half_a_configuration():
    with pytest.raises(ConfigError, match="OIDC_PROVIDER_NAME set but OIDC_ISSUER"):
        oidc.read_config({"OIDC_PROVIDER_NAME": "Acme SSO"})


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"OIDC_ISSUER": "http://login.example.com"}, "OIDC_ISSUER must be the provider's https"),
        ({"OIDC_ISSUER": "login.example.com"}, "OIDC_ISSUER must be the provider's https"),
        ({"OIDC_ISSUER": "https://login.example.com/?tenant=1"}, "with no query"),
        ({"OIDC_ISSUER": "https://user:pw@login.example.com"}, "OIDC_ISSUER must"),
        ({"OIDC_ROLE_MAP": {"portal": "candidate"}}, 'must be "hr" or "recruiter"'),
        ({"OIDC_ROLE_MAP": {"portal": "admin"}}, "not 'admin'"),
        ({"OIDC_ROLE_MAP": {" ": "hr"}}, "an empty claim value"),
        ({"OIDC_SCOPES": "email profile"}, "OIDC_SCOPES must include openid"),
    ],
)
def test_wrong_values_are_named(overrides, words):
    with pytest.raises(ConfigError) as stopped:
        _settings(**overrides)
    assert words in str(stopped.value)


def test_a_provider_on_this_machine_may_use_plain_http():
    for issuer in ("http://127.0.0.1:8080", "http://localhost:8080/realms/dev"):
        assert _settings(OIDC_ISSUER=issuer) is not None


def test_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("OIDC_ISSUER", " https://login.example.com ")
    monkeypatch.setenv("OIDC_ROLE_MAP", '{"staff-hr": "hr"}')
    monkeypatch.setenv("OIDC_ROLE_CLAIM", "roles")
    settings = from_environment()
    assert settings["OIDC_ISSUER"] == "https://login.example.com"
    assert settings["OIDC_ROLE_MAP"] == {"staff-hr": "hr"}
    assert (settings["OIDC_ROLE_CLAIM"], settings["OIDC_SCOPES"]) == (
        "roles",
        "openid email profile",
    )
    monkeypatch.setenv("OIDC_ROLE_MAP", '["hr"]')
    with pytest.raises(ConfigError, match='such as {"portal-hr": "hr"'):
        from_environment()


def test_the_app_does_not_start_half_configured(migrated):
    config = support.app_config(migrated, OIDC_ISSUER="https://login.example.com")
    with pytest.raises(ConfigError, match="half configured"):
        create_app(config)


def test_the_command_line_says_it_in_one_line(migrated, monkeypatch):
    """`flask …` prints the ConfigError as one line and exits 1, with no traceback."""
    from click.testing import CliRunner
    from flask.cli import FlaskGroup

    monkeypatch.setenv("OIDC_CLIENT_ID", "portal")
    cli = FlaskGroup(create_app=lambda: create_app(support.app_config(migrated)))
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 1
    assert "Error: Staff single sign-on is half configured" in result.output
    assert "Traceback" not in result.output
