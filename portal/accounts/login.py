"""How a request finds its signed-in user, and the role checks every blueprint applies."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.accounts import sessions as auth_sessions
from portal.core.extensions import login_manager
from portal.core.i18n import _
from portal.people.models import User

SESSION_KEY = "sid"


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    # The server-side AuthSession row is the protection; Flask-Login's own would only add noise.
    login_manager.session_protection = None
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."  # see _sign_in_first
    login_manager.login_message_category = "info"
    login_manager.request_loader(_user_from_session)
    login_manager.unauthorized_handler(_sign_in_first)
    proxies = int(app.config.get("PROXY_COUNT", 0))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _user_from_session(_request: object) -> User | None:
    key = session.get(SESSION_KEY)
    if not key:
        return None
    user = auth_sessions.user_for_key(key)
    if user is None:
        # Revoked, expired or deactivated: forget the key so the browser is plainly signed out.
        session.pop(SESSION_KEY, None)
    return user


def _sign_in_first() -> ResponseReturnValue:
    """Send an anonymous visitor to sign in, and back to the page afterwards if it is one."""
    flash(_("Please sign in to see that page."), login_manager.login_message_category)
    if request.method not in ("GET", "HEAD"):
        # A POST-only address is no place to come back to: start from home after signing in.
        return redirect(url_for("auth.sign_in"))
    query = request.query_string.decode("utf-8", "replace")
    return redirect(url_for("auth.sign_in", next=request.path + (f"?{query}" if query else "")))
