"""CSRF, body limits, hosts, headers, error pages and the production configuration."""

from __future__ import annotations

import pytest

from portal import create_app
from tests.support import app_config, post_form, sign_in


def test_a_post_without_a_valid_csrf_token_gets_400_in_the_site_layout(client, people):
    sign_in(client, people["emails"]["hr"])
    user_id = people["ids"]["candidate_a"]
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(f"/hr/people/{user_id}/deactivate", data=data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "did not come from this site" in page
        assert 'class="site-header"' in page
    assert client.get("/candidate/").status_code == 404  # still signed in as HR, nothing changed
    person = client.get(f"/hr/people/{user_id}").get_data(as_text=True)
    assert "Deactivated" not in person


def test_sign_in_without_csrf_is_refused(client, people):
    response = client.post(
        "/sign-in", data={"email": people["emails"]["hr"], "password": "whatever"}
    )
    assert response.status_code == 400


def test_an_oversized_post_gets_413_not_a_crash(client, people):
    sign_in(client, people["emails"]["hr"])
    response = client.post(
        "/hr/candidates/new",
        data={"name": "x" * (2 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)


def test_overlong_fields_get_messages_not_errors(client, people):
    sign_in(client, people["emails"]["hr"])
    response = post_form(
        client,
        "/hr/staff/new",
        {"name": "n" * 500, "email": "a@example.com", "role": "recruiter", "time_zone": "UTC"},
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)


def test_404_and_405_pages_use_the_layout(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "Page not found" in missing.get_data(as_text=True)
    assert 'class="site-header"' in missing.get_data(as_text=True)
    wrong_method = client.put("/sign-in")
    assert wrong_method.status_code == 405


def test_500_page_uses_the_layout_and_shows_no_traceback(make_app):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_untrusted_host_header_is_refused(client):
    assert client.get("/sign-in", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/sign-in", headers={"Host": "localhost"}).status_code == 200


def test_security_headers_allow_a_strict_csp(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "<script>" not in page and " style=" not in page


def test_the_csp_lets_in_images_from_the_news_image_origins_only(make_app):
    """img-src lists NEWS_IMAGE_ORIGINS (normalised), on pages and error pages alike; the rest
    of the policy is unchanged. Unset, it is the https origins of the feeds in the database,
    read as the app starts."""
    app = make_app(NEWS_IMAGE_ORIGINS="https://Images.Example.com/, https://cdn.example.org:8443")
    for path in ("/sign-in", "/no-such-page"):
        csp = app.test_client().get(path).headers["Content-Security-Policy"]
        assert "img-src 'self' data: https://cdn.example.org:8443 https://images.example.com;" in (
            csp
        ), path
        assert "script-src 'self';" in csp and "default-src 'self';" in csp
    from portal.core.extensions import db
    from portal.news.models import Feed

    with app.app_context():
        for name, url in (
            ("A", "https://news.example.com/feed.xml"),
            ("B", "https://blog.example.com:8443/atom"),
            ("C", "http://plain.example.com/rss"),
        ):
            db.session.add(Feed(name=name, url=url))
        db.session.commit()
    default = make_app(NEWS_IMAGE_ORIGINS=None)
    csp = default.test_client().get("/sign-in").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://blog.example.com:8443 https://news.example.com;" in csp
    no_images = make_app(NEWS_IMAGE_ORIGINS="").test_client().get("/sign-in")
    assert "img-src 'self' data:;" in no_images.headers["Content-Security-Policy"]
    for wrong in ("http://images.example.com", "https://images.example.com/path", "*"):
        with pytest.raises(RuntimeError, match="NEWS_IMAGE_ORIGINS"):
            make_app(NEWS_IMAGE_ORIGINS=wrong)


def test_production_requires_a_secret_key_and_base_url(monkeypatch, migrated):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("BASE_URL", "https://portal.example.com")
    monkeypatch.setenv("DATABASE_URL", migrated)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("BASE_URL")
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app()


def test_production_cookies_are_secure_httponly_lax(monkeypatch, migrated, people):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("BASE_URL", "https://portal.example.com")
    monkeypatch.setenv("DATABASE_URL", migrated)
    monkeypatch.setenv("TRUSTED_HOSTS", "localhost")
    app = create_app({"PASSWORD_HASH_PARAMS": app_config(migrated)["PASSWORD_HASH_PARAMS"]})
    assert app.config["DEV_MAILBOX"] is False
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in response.headers
    with app.app_context():
        from portal.core.extensions import db

        db.engine.dispose()


def test_the_dev_mailbox_can_never_be_on_in_production(migrated):
    with pytest.raises(RuntimeError, match="DEV_MAILBOX"):
        create_app(app_config(migrated, PORTAL_ENV="production", DEV_MAILBOX=True))


def test_a_nul_byte_in_any_field_or_query_is_refused_clearly(client, people):
    sign_in(client, people["emails"]["candidate_a"])
    search = client.get("/faq/?q=%00")
    assert search.status_code == 400
    assert "cannot be stored" in search.get_data(as_text=True)
    page = client.get("/candidate/questions").get_data(as_text=True)
    from tests.support import csrf_token

    asked = client.post(
        "/candidate/questions",
        data={"csrf_token": csrf_token(page), "body": "hello\x00world", "client_key": "k"},
    )
    assert asked.status_code == 400
    assert "cannot be stored" in asked.get_data(as_text=True)
