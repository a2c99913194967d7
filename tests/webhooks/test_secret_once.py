"""A webhook's signing secret is shown once (issue 13, class 8): not again on reload, not in
another tab, and not by replaying the session cookie the page was first seen with."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import Role
from portal.webhooks.models import WebhookEndpoint
from tests.support import make_staff, post_form, sign_in


def _secret(app) -> str:
    with app.app_context():
        return db.session.scalars(select(WebhookEndpoint.secret)).one()


def _cookie(client) -> str:
    cookie = client.get_cookie("portal_session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie: str, path: str) -> str:
    """A fresh browser holding an old copy of the session cookie."""
    other = app.test_client()
    other.set_cookie("portal_session", cookie)
    return other.get(path).get_data(as_text=True)


def test_the_secret_is_shown_once_even_to_a_replayed_cookie(make_app):
    app = make_app()
    with app.app_context():
        make_staff(Role.HR, "helen@example.com", "Helen HR")
        db.session.commit()
    hr = app.test_client()
    assert sign_in(hr, "helen@example.com").status_code == 302
    created = post_form(
        hr,
        "/hr/webhooks/new",
        {
            "url": "https://ats.example.com/hooks",
            "description": "ATS",
            "recruiter_id": "0",
            "event_types": "question.asked",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    page_path = created.headers["Location"]
    before_view = _cookie(hr)  # the cookie that asks for the secret to be shown
    secret = _secret(app)

    first = hr.get(page_path).get_data(as_text=True)
    assert secret in first and "it is not shown again" in first
    assert secret not in hr.get(page_path).get_data(as_text=True)  # reload
    assert secret not in _replay(app, before_view, page_path)  # the old cookie, replayed

    # Rotating makes a new one, shown once in the same way; the old one is gone for good.
    asked = post_form(hr, f"{page_path}/rotate", {}, form_url=page_path)
    assert asked.status_code == 200 and "Replace the signing secret" in asked.text
    assert _secret(app) == secret  # nothing changes until HR says yes
    rotate = post_form(hr, f"{page_path}/rotate", {"confirmed": "1"}, form_url=page_path)
    assert rotate.status_code == 302
    replayable = _cookie(hr)
    new_secret = _secret(app)
    assert new_secret != secret
    assert new_secret in _replay(app, replayable, page_path)  # whoever asks first sees it...
    shown = hr.get(page_path).get_data(as_text=True)
    assert new_secret not in shown  # ...and nobody after
    assert secret not in shown
