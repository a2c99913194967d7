"""Invitations end to end over a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.accounts.models import TokenPurpose, UserToken
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.people.models import User
from tests.support import (
    BASE_URL,
    PASSWORD,
    free_port,
    link_in,
    post_form,
    sign_in,
    text_body,
)

NEW_PASSWORD = "a brand new passphrase"


def _candidate_form(recruiter_id: int, **overrides) -> dict:
    data = {
        "name": "Nina Newhire",
        "email": "nina@example.com",
        "time_zone": "Asia/Kolkata",
        "job_title": "Data Engineer",
        "department": "Analytics",
        "location": "Pune",
        "joining_date": (utcnow().date() + timedelta(days=30)).isoformat(),
        "joining_time": "09:30",
        "joining_time_zone": "Asia/Kolkata",
        "recruiter_id": str(recruiter_id),
        "send_invitation": "y",
    }
    data.update(overrides)
    return data


def test_invited_candidate_follows_the_emailed_link_sets_a_password_and_lands_home(
    make_app, smtp_server
):
    app = make_app(SMTP_URL=smtp_server.url)
    with app.app_context():
        from portal.people.models import Role
        from tests.support import make_staff

        make_staff(Role.HR, "hr@example.com")
        recruiter = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        recruiter_id = recruiter.id
    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    response = post_form(hr, "/hr/candidates/new", _candidate_form(recruiter_id))
    assert response.status_code == 302

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "nina@example.com"
    assert message.get_body(preferencelist=("html",)) is not None, "multipart: an HTML part too"
    link = link_in(message)
    assert link.startswith(BASE_URL + "/invitation/"), "links come from BASE_URL, not the Host"
    path = urlsplit(link).path
    assert "72 hours" in text_body(message)

    candidate = app.test_client()
    # Mail scanners open links with GET and HEAD: neither may use the invitation up.
    assert candidate.head(path).status_code == 200
    first = candidate.get(path)
    assert first.status_code == 200
    assert "Nina Newhire" in first.get_data(as_text=True)
    assert candidate.get(path).status_code == 200

    done = post_form(candidate, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/candidate/"
    home = candidate.get("/candidate/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "Hello, Nina" in page
    assert "Rita Recruiter" in page

    # The link is single use, and the new password works from another browser.
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert sign_in(app.test_client(), "nina@example.com", NEW_PASSWORD).status_code == 302


def test_only_a_hash_of_the_link_is_stored(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url)
    with app.app_context():
        from portal.people.models import Role
        from tests.support import make_staff

        hr = make_staff(Role.HR, "hr@example.com")
        user = accounts.create_user(
            actor=hr, email="rex@example.com", name="Rex", role=Role.RECRUITER, time_zone="UTC"
        )
        email = accounts.invite(user, hr)
        db.session.commit()
        from portal.mail import jobs as mail_jobs

        assert mail_jobs.deliver([email.id]) == 1
        raw = urlsplit(link_in(smtp_server.wait_for(1)[0])).path.rsplit("/", 1)[1]
        assert len(raw) >= 43, "32 random bytes, URL-safe base64"
        stored = db.session.scalars(select(UserToken)).all()
        assert [t.purpose for t in stored] == [TokenPurpose.INVITATION]
        assert raw not in stored[0].token_hash
        assert stored[0].expires_at - stored[0].created_at == timedelta(hours=72)
        # Delivered mail keeps no body that could replay the link.
        db.session.refresh(email)
        assert email.body_text is None and email.body_html is None


def test_reinviting_revokes_the_earlier_link(app_ctx, client):
    from portal.people.models import Role
    from tests.support import make_staff

    hr = make_staff(Role.HR, "hr@example.com")
    user = accounts.create_user(
        actor=hr, email="rex@example.com", name="Rex", role=Role.RECRUITER, time_zone="UTC"
    )
    first = link_in_body(accounts.invite(user, hr))
    second = link_in_body(accounts.invite(user, hr))
    db.session.commit()
    assert client.get(first).status_code == 410
    assert "newer link" in client.get(first).get_data(as_text=True)
    assert client.get(second).status_code == 200


def test_an_expired_link_is_refused_with_a_clear_message(app_ctx, client):
    from portal.people.models import Role
    from tests.support import make_staff

    hr = make_staff(Role.HR, "hr@example.com")
    user = accounts.create_user(
        actor=hr, email="rex@example.com", name="Rex", role=Role.RECRUITER, time_zone="UTC"
    )
    path = link_in_body(accounts.invite(user, hr))
    token = db.session.scalars(select(UserToken)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    posted = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code in {400, 410}
    assert db.session.get(User, user.id).password_hash is None


def test_unknown_link_is_404_and_bad_passwords_get_messages_beside_the_field(app_ctx, client):
    from portal.people.models import Role
    from tests.support import make_staff

    assert client.get("/invitation/not-a-real-token").status_code == 404
    hr = make_staff(Role.HR, "hr@example.com")
    user = accounts.create_user(
        actor=hr, email="rex@example.com", name="Rex", role=Role.RECRUITER, time_zone="UTC"
    )
    path = link_in_body(accounts.invite(user, hr))
    db.session.commit()
    short = post_form(client, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "at least 8 characters" in short.get_data(as_text=True)
    mismatch = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "not the same" in mismatch.get_data(as_text=True)
    too_long = "x" * 300
    assert "at most" in post_form(
        client, path, {"password": too_long, "confirm": too_long}
    ).get_data(as_text=True)
    # 128 characters is accepted; no composition rules (only not easy to guess).
    long_ok = ("a long passphrase nobody guesses " * 4)[:128]
    assert post_form(client, path, {"password": long_ok, "confirm": long_ok}).status_code == 302
    assert client.get(path).status_code == 410


def test_smtp_down_keeps_the_invitation_and_a_later_run_sends_it(make_app, smtp_server):
    """A down SMTP server: HR is told, nothing is lost, `flask mail send` delivers it later."""
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{free_port()}", SMTP_TIMEOUT_SECONDS=2)
    with app.app_context():
        from portal.people.models import Role
        from tests.support import make_staff

        make_staff(Role.HR, "hr@example.com")
        recruiter_id = make_staff(Role.RECRUITER, "rita@example.com").id
    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    response = post_form(
        hr, "/hr/candidates/new", _candidate_form(recruiter_id), follow_redirects=True
    )
    assert response.status_code == 200
    assert "could not be sent yet" in response.get_data(as_text=True)

    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        from portal.mail.models import OutgoingEmail

        queued = db.session.scalars(select(OutgoingEmail)).one()
        assert queued.status == "pending" and queued.last_error
        queued.next_attempt_at = utcnow()
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "Sent 1 message" in result.output
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "nina@example.com"
    # A second run sends nothing twice.
    assert "Sent 0 message" in app.test_cli_runner().invoke(args=["mail", "send"]).output


def link_in_body(email) -> str:
    body = email.body_text or ""
    start = body.index(BASE_URL)
    return urlsplit(body[start:].split()[0]).path


def test_password_is_never_in_argv_sign_in_uses_it(app, runner):
    result = runner.invoke(
        args=["users", "create", "--role", "hr", "--email", "Boss@Example.com"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "boss@example.com" in result.output
    assert sign_in(app.test_client(), "boss@example.com").status_code == 302
