"""A real OpenID Connect provider on 127.0.0.1 for the single sign-on tests.

A small Flask app served over HTTP in a thread: discovery, its signing keys (JWKS, an RSA key
made at start), an authorization endpoint with a sign-in form (a user name, or Cancel), a token
endpoint that checks the client's secret, the redirect URI and the PKCE verifier, and userinfo.
Codes are single use. Switches make it misbehave as real providers can: sign with another key,
send another nonce, audience or issuer, an expired token, leave claims to userinfo only, name
another issuer in discovery. `reset()` between tests; `stop()` takes it down ("provider down").

    with running_provider() as provider:
        provider.add(Person("helen", "sub-helen", "hr@example.com", groups=["portal-hr"]))
        answer = sso_sign_in(client, "helen")  # the portal's answer to the callback
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from flask import Flask, Response, abort, jsonify, render_template_string, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import BaseWSGIServer, make_server

CLIENT_ID = "preboarding-portal"
CLIENT_SECRET = "provider-issued-secret-0123456789"
PROVIDER_NAME = "Test SSO"
KEY_ID = "test-signing-key"
ROLE_MAP = {"portal-hr": "hr", "portal-recruiters": "recruiter"}

SIGN_IN_FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to Test SSO</title></head>
<body><main><h1>Sign in to Test SSO</h1>
<form method="post">
<label for="username">User name</label> <input id="username" name="username">
<button type="submit" name="choice" value="approve">Sign in</button>
<button type="submit" name="choice" value="cancel">Cancel</button>
</form></main></body></html>"""


@dataclass
class Person:
    """Someone the provider knows: `claims` go into the ID token and userinfo as they are."""

    username: str
    sub: str
    email: str
    email_verified: bool = True
    name: str = "Test Person"
    groups: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def claims(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
            "groups": list(self.groups),
            **self.extra,
        }


@dataclass
class Grant:
    """One authorization: what the portal asked for and who signed in."""

    person: Person
    query: dict[str, str]


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig"})
        # Another key with the same id: a token it signs fails the signature check.
        self.impostor_key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig"})
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None
        self.redirect_uris = {"http://portal.test/sign-in/sso/callback"}
        self.reset()

    def reset(self) -> None:
        self.people: dict[str, Person] = {}
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, Person] = {}
        self.authorizations: list[dict[str, str]] = []  # every authorization request's query
        self.token_requests: list[dict[str, str]] = []  # every token request's form
        self.userinfo_calls = 0
        # Misbehaviour, off by default.
        self.sign_with_impostor_key = False
        self.nonce: str | None = None  # send this nonce instead of the one asked for
        self.audience: str | None = None
        self.issuer_claim: str | None = None
        self.discovery_issuer: str | None = None
        self.expired = False
        self.discovery_body: bytes | None = None  # served instead of the discovery document
        self.only_in_userinfo: set[str] = set()  # claims left out of the ID token

    @property
    def url(self) -> str:
        assert self.server is not None, "the provider is not running"
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def issuer(self) -> str:
        return self.url

    def add(self, *people: Person) -> None:
        for person in people:
            self.people[person.username] = person

    def portal_config(self, **overrides: object) -> dict[str, object]:
        """The portal's settings for this provider (make_app(**provider.portal_config()))."""
        config: dict[str, object] = {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": PROVIDER_NAME,
            "OIDC_ROLE_MAP": dict(ROLE_MAP),
            "OIDC_TIMEOUT_SECONDS": 5,
        }
        config.update(overrides)
        return config

    # --- Serving ---------------------------------------------------------------------------

    def start(self) -> None:
        self.server = make_server("127.0.0.1", 0, build_app(self), threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="oidc-provider",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        assert self.thread is not None
        self.thread.join(timeout=10)

    # --- Tokens ----------------------------------------------------------------------------

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        issued = now - 900 if self.expired else now
        claims = {
            "iss": self.issuer_claim or self.issuer,
            "sub": grant.person.sub,
            "aud": self.audience or CLIENT_ID,
            "iat": issued,
            "exp": issued + 300,
            "auth_time": issued,
            "nonce": self.nonce or grant.query.get("nonce"),
        }
        if self.audience:  # a token for another client that names the portal as its party
            claims["azp"] = CLIENT_ID
        claims.update(
            {k: v for k, v in grant.person.claims().items() if k not in self.only_in_userinfo}
        )
        key = self.impostor_key if self.sign_with_impostor_key else self.key
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)


def _pkce_matches(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") == challenge


def _client_authenticated() -> bool:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return (auth.username, auth.password) == (CLIENT_ID, CLIENT_SECRET)
    form = request.form
    return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)


def _token_error(error: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": error}), status


def build_app(provider: Provider) -> Flask:
    app = Flask("oidc_provider")

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        if provider.discovery_body is not None:
            return Response(provider.discovery_body, content_type="application/json")
        base = provider.url
        return jsonify(
            {
                "issuer": provider.discovery_issuer or provider.issuer,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks",
                "userinfo_endpoint": f"{base}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    @app.get("/jwks")
    def jwks() -> Response:
        return jsonify({"keys": [provider.key.as_dict(private=False)]})

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize() -> Any:
        query = request.args.to_dict()
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            abort(400, "unknown client or response type")
        if query.get("redirect_uri") not in provider.redirect_uris:
            abort(400, "redirect_uri is not registered")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            abort(400, "PKCE with S256 is required")
        if "openid" not in query.get("scope", "").split():
            abort(400, "not an OpenID Connect request")
        if request.method == "GET":
            provider.authorizations.append(query)
            return render_template_string(SIGN_IN_FORM)
        back = {"state": query.get("state", "")}
        if request.form.get("choice") == "cancel":
            back["error"] = "access_denied"
        else:
            person = provider.people.get(request.form.get("username", ""))
            if person is None:
                return render_template_string(SIGN_IN_FORM), 401
            code = secrets.token_urlsafe(24)
            provider.codes[code] = Grant(person, query)
            back["code"] = code
        response = Response(status=302)
        response.headers["Location"] = f"{query['redirect_uri']}?{urlencode(back)}"
        return response

    @app.post("/token")
    def token() -> Any:
        form = request.form.to_dict()
        provider.token_requests.append(form)
        if not _client_authenticated():
            return _token_error("invalid_client", 401)
        grant = provider.codes.pop(form.get("code", ""), None)  # single use
        if form.get("grant_type") != "authorization_code" or grant is None:
            return _token_error("invalid_grant")
        if form.get("redirect_uri") != grant.query.get("redirect_uri"):
            return _token_error("invalid_grant")
        if not _pkce_matches(form.get("code_verifier", ""), grant.query["code_challenge"]):
            return _token_error("invalid_grant")
        access = secrets.token_urlsafe(24)
        provider.access_tokens[access] = grant.person
        return jsonify(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": provider.id_token(grant),
            }
        )

    @app.get("/userinfo")
    def userinfo() -> Any:
        provider.userinfo_calls += 1
        header = request.headers.get("Authorization", "")
        person = provider.access_tokens.get(header.removeprefix("Bearer "))
        if person is None:
            return _token_error("invalid_token", 401)
        return jsonify({"sub": person.sub, **person.claims()})

    return app


@contextmanager
def running_provider() -> Iterator[Provider]:
    provider = Provider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def start_at_portal(client, next_path: str | None = None) -> str:
    """Choose "Sign in with …" at the portal; the provider's authorization URL it sends to."""
    answer = client.get("/sign-in/sso", query_string={"next": next_path} if next_path else {})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"]


def approve_at_provider(authorize_url: str, username: str, choice: str = "approve") -> str:
    """Sign in at the provider over HTTP, as a browser would; the callback URL it sends back to."""
    form = requests.get(authorize_url, timeout=10)
    assert form.status_code == 200 and "Sign in to Test SSO" in form.text, form.text
    answer = requests.post(
        authorize_url,
        data={"username": username, "choice": choice},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def back_at_portal(client, callback_url: str):
    """Follow the provider's redirect to the portal's callback; the portal's answer."""
    parts = urlsplit(callback_url)
    assert parts.path == "/sign-in/sso/callback", callback_url
    return client.get(f"{parts.path}?{parts.query}")


def sso_sign_in(client, username: str, *, next_path: str | None = None):
    """The whole flow: portal → provider (signing in as `username`) → portal's callback."""
    callback = approve_at_provider(start_at_portal(client, next_path), username)
    return back_at_portal(client, callback)
