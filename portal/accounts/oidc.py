"""Staff single sign-on with OpenID Connect: the settings, and the authorization code flow with
the company's provider (PKCE, state and nonce), through Authlib's Flask client.

Off unless OIDC_ISSUER is set; the issuer, client id and secret and the role map go together
(`read_config` stops the start on half a configuration). The provider is found by discovery
(`<issuer>/.well-known/openid-configuration`); its ID token is verified: signature against its
published keys (JWKS), issuer, audience (our client id), expiry and the nonce of this browser's
sign-in. Claims missing from the ID token (often the groups) are asked of its userinfo endpoint.

How the portal reaches the provider: Authlib's own client (requests), not `core/http`. The issuer
is chosen by whoever runs the portal, like DATABASE_URL or SMTP_URL, never by a user or a feed,
and a company's provider often lives on its own network, at the private addresses the SSRF guard
of `core/http` refuses by design. What is checked instead: the issuer is https (plain http only
on this machine's loopback, for tests and local development); the discovery document must name
exactly that issuer (OpenID Connect Discovery 1.0, section 4.3) and https endpoints under the
same rule; every request to the provider has a deadline (OIDC_TIMEOUT_SECONDS).

This module knows the request: Authlib keeps the state, nonce and PKCE verifier in the signed
session cookie between the redirect and the callback. It writes nothing to the database: who may
sign in, and as what, is `accounts.staff_sso`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, session
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from portal.accounts.staff_sso import ProviderIdentity
from portal.core.config import ConfigError
from portal.core.http.client import user_agent
from portal.core.i18n import _
from portal.people.models import Role

log = logging.getLogger("portal.accounts.oidc")

# Every setting that, once one is given, needs the others (the provider's name is optional).
REQUIRED = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_MAP")
DEFAULT_PROVIDER_NAME = "single sign-on"
ROLE_MAP_EXAMPLE = '{"portal-hr": "hr", "portal-recruiters": "recruiter"}'
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
STAFF_ROLES = {Role.HR.value: Role.HR, Role.RECRUITER.value: Role.RECRUITER}
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
# Clock difference tolerated between the provider and the portal, for exp and iat.
LEEWAY_SECONDS = 60
CLIENT_NAME = "staff_sso"
_SETTINGS = "staff_oidc"
_CLIENT = "staff_oidc_client"
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    provider_name: str
    scopes: str
    role_claim: str
    role_map: Mapping[str, Role]
    timeout: float

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def secure_address(url: str) -> bool:
    """https, or plain http to this machine's loopback; no user name, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None or parts.fragment:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS)


def _role_map(value: Any) -> dict[str, Role]:
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(
            f"OIDC_ROLE_MAP must map claim values to portal roles: {ROLE_MAP_EXAMPLE}"
        )
    mapped = {}
    for claim_value, role in value.items():
        if not str(claim_value).strip():
            raise ConfigError(f"OIDC_ROLE_MAP has an empty claim value: {ROLE_MAP_EXAMPLE}")
        if role not in STAFF_ROLES:
            raise ConfigError(
                f'OIDC_ROLE_MAP[{claim_value!r}] must be "hr" or "recruiter", not {role!r} '
                "(candidates never sign in with single sign-on)"
            )
        mapped[str(claim_value)] = STAFF_ROLES[role]
    return mapped


def read_config(config: Mapping[str, Any]) -> OidcSettings | None:
    """The single sign-on settings, None when it is off, or ConfigError saying what is wrong."""
    given = [name for name in (*REQUIRED, "OIDC_PROVIDER_NAME") if config.get(name)]
    if not given:
        return None
    missing = [name for name in REQUIRED if not config.get(name)]
    if missing:
        raise ConfigError(
            f"Staff single sign-on is half configured: {', '.join(given)} set but "
            f"{', '.join(missing)} not. Set all of {', '.join(REQUIRED)}, or none of them."
        )
    issuer = str(config["OIDC_ISSUER"]).strip()
    if not secure_address(issuer) or urlsplit(issuer).query:
        raise ConfigError(
            "OIDC_ISSUER must be the provider's https address with no query, such as "
            f"https://login.example.com/realms/staff, not {issuer!r} (plain http only for a "
            "provider on this machine: localhost or 127.0.0.1)"
        )
    scopes = " ".join(str(config.get("OIDC_SCOPES") or "openid email profile").split())
    if "openid" not in scopes.split():
        raise ConfigError(
            f"OIDC_SCOPES must include openid, such as 'openid email profile', not {scopes!r}"
        )
    role_claim = str(config.get("OIDC_ROLE_CLAIM") or "groups").strip()
    return OidcSettings(
        issuer=issuer,
        client_id=str(config["OIDC_CLIENT_ID"]),
        client_secret=str(config["OIDC_CLIENT_SECRET"]),
        provider_name=str(config.get("OIDC_PROVIDER_NAME") or DEFAULT_PROVIDER_NAME).strip(),
        scopes=scopes,
        role_claim=role_claim,
        role_map=_role_map(config["OIDC_ROLE_MAP"]),
        timeout=float(config.get("OIDC_TIMEOUT_SECONDS") or 10),
    )


def init_app(app: Flask) -> None:
    """Read and check the settings now (a bad one stops the start) and register the client."""
    settings = read_config(app.config)
    app.extensions[_SETTINGS] = settings
    if settings is None:
        return
    oauth = OAuth(app)
    app.extensions[_CLIENT] = oauth.register(
        CLIENT_NAME,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        user_agent=user_agent("staff single sign-on", app.config.get("BASE_URL", "")),
        client_kwargs={
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "default_timeout": settings.timeout,
        },
    )


def settings() -> OidcSettings | None:
    """The app's single sign-on settings, or None when it is off."""
    return current_app.extensions.get(_SETTINGS)


def provider_name() -> str | None:
    """The provider's name for the sign-in button, or None when single sign-on is off."""
    configured = settings()
    return configured.provider_name if configured else None


class ProviderError(Exception):
    """Signing in with the provider did not work: `message` for the person, `status` for the
    page, `detail` for the log (never shown)."""

    def __init__(self, message: str, status: int, detail: str) -> None:
        super().__init__(detail)
        self.message = message
        self.status = status
        self.detail = detail


def _unreachable(name: str, detail: str) -> ProviderError:
    return ProviderError(
        _(
            "%(name)s cannot be reached just now, so you could not be signed in. Try again in a "
            "few minutes, or sign in with your email address and password if you have one.",
            name=name,
        ),
        502,
        detail,
    )


def _unverified(name: str, detail: str) -> ProviderError:
    return ProviderError(
        _(
            "The answer from %(name)s could not be verified, so you were not signed in. Try "
            "again; if it keeps happening, tell your IT team.",
            name=name,
        ),
        502,
        detail,
    )


def _client() -> Any:
    """Authlib's client for the provider (untyped), registered by init_app."""
    return current_app.extensions[_CLIENT]


def _metadata(configured: OidcSettings) -> Mapping[str, Any]:
    """The provider's discovery document, fetched once per process, and checked."""
    client = _client()
    name = configured.provider_name
    try:
        metadata = client.load_server_metadata()
    except requests.JSONDecodeError as error:
        raise _unverified(name, f"discovery document is not JSON: {error}") from None
    except requests.RequestException as error:
        raise _unreachable(name, f"discovery at {configured.discovery_url}: {error}") from None
    except (TypeError, ValueError, AttributeError) as error:  # JSON, but not an object
        client.server_metadata.clear()
        raise _unverified(name, f"discovery document: {type(error).__name__}: {error}") from None
    problem = None
    if metadata.get("issuer") != configured.issuer:
        problem = (
            f"discovery names the issuer {metadata.get('issuer')!r}, not {configured.issuer!r}"
        )
    for endpoint in ENDPOINTS:
        url = metadata.get(endpoint)
        if (url or endpoint != "userinfo_endpoint") and not secure_address(str(url or "")):
            problem = problem or f"discovery's {endpoint} is missing or not https: {url!r}"
    if problem:
        client.server_metadata.clear()  # asked again next time: the provider may be mended
        raise ProviderError(
            _(
                "%(name)s is not set up as the portal expects, so you could not be signed in. "
                "Tell your IT team.",
                name=name,
            ),
            502,
            problem,
        )
    return metadata


def authorization_redirect(redirect_uri: str) -> Response:
    """The redirect to the provider's sign-in page; the state, nonce and PKCE verifier stay in
    this browser's session for the callback. ProviderError when the provider cannot be used."""
    configured = settings()
    assert configured is not None  # noqa: S101 - the views answer 404 when it is off
    _metadata(configured)
    # One sign-in under way per browser: an older one's state goes (each would otherwise stay
    # in the session cookie for an hour, and a few dozen clicks would outgrow a cookie).
    for key in [key for key in session if key.startswith(f"_state_{CLIENT_NAME}_")]:
        session.pop(key)
    try:
        return _client().authorize_redirect(redirect_uri)
    except (RuntimeError, ValueError, TypeError) as error:
        raise _unverified(configured.provider_name, f"authorization URL: {error}") from None


def _refused_by_provider(configured: OidcSettings, error: str) -> ProviderError:
    name = configured.provider_name
    state = request.args.get("state")
    if state:  # forget this sign-in's state: it cannot be used again
        _client().framework.clear_state_data(session, state)
    if error == "access_denied":
        return ProviderError(
            _(
                "Signing in with %(name)s was cancelled. Choose “Sign in with %(name)s” to try "
                "again.",
                name=name,
            ),
            403,
            "the provider answered access_denied",
        )
    code = error if _ERROR_CODE.fullmatch(error) else "an error"
    return ProviderError(
        _(
            "%(name)s could not sign you in (%(code)s). Try again; if it keeps happening, tell "
            "your IT team.",
            name=name,
            code=code if code != "an error" else _("an error"),
        ),
        502,
        f"the provider answered {error!r}: {request.args.get('error_description', '')!r}",
    )


def _claims_options(configured: OidcSettings) -> dict[str, dict[str, Any]]:
    return {
        "iss": {"essential": True, "value": configured.issuer},
        "aud": {"essential": True, "value": configured.client_id},
        "sub": {"essential": True},
    }


def _with_userinfo(configured: OidcSettings, token: dict, claims: dict) -> dict:
    """The ID token's claims, completed from the userinfo endpoint when the ID token lacks some
    that sign-in reads (the role claim, the email address). The ID token's own claims win."""
    metadata = _client().server_metadata
    wanted = {configured.role_claim.split(".")[0], "email", "email_verified"}
    if wanted <= claims.keys() or not metadata.get("userinfo_endpoint"):
        return claims
    userinfo = dict(_client().userinfo(token=token))
    if userinfo.get("sub") != claims["sub"]:
        raise _unverified(configured.provider_name, "userinfo names another subject")
    return {**userinfo, **claims}


def finish_sign_in() -> ProviderIdentity:
    """The person the provider's callback names, once everything about it is verified.

    ProviderError for a cancelled sign-in, a state this browser did not start (or already
    used), an unreachable provider, or an answer that fails verification."""
    configured = settings()
    assert configured is not None  # noqa: S101 - the views answer 404 when it is off
    name = configured.provider_name
    error = request.args.get("error")
    if error:
        raise _refused_by_provider(configured, error)
    try:
        _metadata(configured)
        token = _client().authorize_access_token(
            claims_options=_claims_options(configured), leeway=LEEWAY_SECONDS
        )
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise _unverified(name, "the token answer holds no ID token")
        claims = _with_userinfo(configured, token, claims)
    except MismatchingStateError:
        raise ProviderError(
            _(
                "This sign-in has expired or was already used. Choose “Sign in with %(name)s” "
                "to start again.",
                name=name,
            ),
            400,
            "the callback's state is not one this browser started",
        ) from None
    except OAuthError as refused:
        code = refused.error if _ERROR_CODE.fullmatch(str(refused.error)) else "an error"
        raise ProviderError(
            f"{name} did not accept this sign-in ({code}). Choose “Sign in with "
            f"{name}” to start again.",
            502,
            f"the token endpoint refused: {refused.error} {refused.description or ''}",
        ) from None
    except JoseError as invalid:
        raise _unverified(name, f"ID token: {type(invalid).__name__}: {invalid}") from None
    except requests.JSONDecodeError as error:
        raise _unverified(name, f"an answer that is not JSON: {error}") from None
    except requests.RequestException as error:
        raise _unreachable(name, f"{type(error).__name__}: {error}") from None
    except (ValueError, TypeError, KeyError, AttributeError, RuntimeError) as error:
        raise _unverified(name, f"a malformed answer: {type(error).__name__}: {error}") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise _unverified(name, f"the subject {subject!r} is not a string of 1 to 255 characters")
    return ProviderIdentity(issuer=configured.issuer, subject=subject, claims=claims)
