"""Nothing outlives what it was for (issue 13, class 3): a change of email address, password or
role, and a closed account, end every emailed link, every other signed-in browser and every API
token issued before it. Each change is made the way people make it (HR's pages, the account
page, a reset link, the CLI) and each effect is checked the way a user would meet it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.accounts import signing_in
from portal.accounts.models import AuthSession
from portal.api import tokens as api_tokens
from portal.api.models import ApiToken
from portal.core.extensions import db
from portal.people.models import AuditEntry, Role, User
from tests.support import PASSWORD, link_in, make_candidate, make_staff, post_form, sign_in

REX = "rex@example.com"
NEW_EMAIL = "rex.corrected@example.com"
NEW_PASSWORD = "a fresh passphrase for rex"
NO_LONGER_WORKS = "This link no longer works"


@dataclass
class World:
    """HR, and Rex the recruiter: signed in on two browsers, with an API token and a reset
    link he has not used."""

    app: object
    hr: object  # HR's signed-in test client
    rex_id: int
    reset_path: str
    api_token: str
    browser_a: object
    browser_b: object


def _reset_path(app, email: str) -> str:
    with app.app_context():
        queued = signing_in.request_password_reset(email)
        db.session.commit()
        found = re.search(r"https?://\S+", queued.body_text)
        assert found
        return urlsplit(found.group(0)).path


def _api_status(app, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return app.test_client().get("/api/v1/candidates", headers=headers).status_code


def _signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


@pytest.fixture
def world(app) -> World:
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        rex = make_staff(Role.RECRUITER, REX, "Rex Recruiter")
        _row, token = api_tokens.create(rex, "ATS sync")
        db.session.commit()
        rex_id = rex.id
    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    browser_a, browser_b = app.test_client(), app.test_client()
    assert sign_in(browser_a, REX).status_code == 302
    assert sign_in(browser_b, REX).status_code == 302
    reset_path = _reset_path(app, REX)
    found = World(app, hr, rex_id, reset_path, token, browser_a, browser_b)
    assert app.test_client().get(reset_path).status_code == 200
    assert _api_status(app, token) == 200
    return found


# Each change returns how Rex signs in afterwards (None: he cannot), and whether browser A,
# the one that made the change, stays signed in.
Change = Callable[[World], tuple[tuple[str, str] | None, bool]]
# A reset signs in the browser that used the link, on a new session.
NEW_SESSIONS = {"rex_changes_his_password": 1, "rex_resets_his_password": 1}


def hr_corrects_the_email(w: World):
    data = {"name": "Rex Recruiter", "email": NEW_EMAIL, "time_zone": "UTC", "phone": ""}
    done = post_form(w.hr, f"/hr/people/{w.rex_id}/edit", data, follow_redirects=True)
    assert "Links emailed to the old address and API tokens no longer work" in done.get_data(
        as_text=True
    )
    return (NEW_EMAIL, PASSWORD), False


def rex_changes_his_password(w: World):
    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(w.browser_a, "/account/password", data).status_code == 302
    return (REX, NEW_PASSWORD), True


def rex_resets_his_password(w: World):
    anon = w.app.test_client()
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(anon, w.reset_path, data).status_code == 302
    return (REX, NEW_PASSWORD), False


def rex_becomes_hr(w: World):
    result = w.app.test_cli_runner().invoke(
        args=["users", "set-role", "--email", REX, "--role", "hr"]
    )
    assert result.exit_code == 0, result.output
    assert "now hr" in result.output
    return (REX, PASSWORD), False


def hr_deactivates_rex(w: World):
    path = f"/hr/people/{w.rex_id}"
    assert (
        post_form(w.hr, f"{path}/deactivate", {"confirmed": "1"}, form_url=path).status_code == 302
    )
    return None, False


CHANGES = [
    hr_corrects_the_email,
    rex_changes_his_password,
    rex_resets_his_password,
    rex_becomes_hr,
    hr_deactivates_rex,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_a_change_ends_links_other_sessions_and_api_tokens(world: World, change: Change):
    signs_in_with, keeps_browser_a = change(world)
    app = world.app

    # The reset link from before: gone (used, in the reset case).
    page = app.test_client().get(world.reset_path)
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert ("already been used" if change is rex_resets_his_password else NO_LONGER_WORKS) in text

    # Other browsers are signed out; the one that made the change stays, on a new session.
    assert not _signed_in(world.browser_b)
    assert _signed_in(world.browser_a) is keeps_browser_a

    # The API token is refused, and its page says it is revoked.
    assert _api_status(app, world.api_token) == 401
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.revoked_at is not None
        live = db.session.scalars(
            select(AuthSession).where(
                AuthSession.user_id == world.rex_id, AuthSession.revoked_at.is_(None)
            )
        ).all()
        assert len(live) == NEW_SESSIONS.get(change.__name__, 0)
        assert db.session.get(User, world.rex_id).credentials_changed_at is not None
    if signs_in_with is None:
        assert sign_in(app.test_client(), REX).status_code == 200
        return
    fresh = app.test_client()
    assert sign_in(fresh, *signs_in_with).status_code == 302
    tokens_page = fresh.get("/account/api-tokens").get_data(as_text=True)
    assert "ATS sync" in tokens_page and "Revoked" in tokens_page and "Active" not in tokens_page
    # A token made afterwards works.
    with app.app_context():
        _row, new_token = api_tokens.create(db.session.get(User, world.rex_id), "after")
        db.session.commit()
    assert _api_status(app, new_token) == 200


def test_the_old_password_and_a_new_reset_link_after_a_change(world: World):
    """After a reset, the old password fails and a link asked for afterwards works."""
    rex_resets_his_password(world)
    assert sign_in(world.app.test_client(), REX, PASSWORD).status_code == 200
    later = _reset_path(world.app, REX)
    assert world.app.test_client().get(later).status_code == 200


def test_role_and_password_changes_are_in_the_audit_log(world: World):
    rex_becomes_hr(world)
    browser = world.app.test_client()
    sign_in(browser, REX)
    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(browser, "/account/password", data).status_code == 302
    with world.app.app_context():
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_user_id == world.rex_id)
            .order_by(AuditEntry.id)
        ).all()
        role = next(e for e in entries if e.action == "role_changed")
        assert (role.field, role.old_value, role.new_value) == ("role", "recruiter", "hr")
        password = next(e for e in entries if e.action == "password_changed")
        assert password.actor_id == world.rex_id
        assert "account page" in password.subject
        revoked = [e for e in entries if e.action == "api_token.revoked"]
        assert len(revoked) == 1 and "ATS sync" in revoked[0].subject


def test_hr_correcting_their_own_email_stays_signed_in_here_only(app):
    with app.app_context():
        make_staff(Role.HR, "helen@exmaple.com", "Helen HR")
        make_staff(Role.HR, "other.hr@example.com", "Olga HR")
        helen_id = db.session.scalar(select(User.id).where(User.email == "helen@exmaple.com"))
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "helen@exmaple.com")
    sign_in(elsewhere, "helen@exmaple.com")
    data = {"name": "Helen HR", "email": "helen@example.com", "time_zone": "UTC", "phone": ""}
    done = post_form(here, f"/hr/people/{helen_id}/edit", data, follow_redirects=True)
    assert "your other devices are signed out" in done.get_data(as_text=True)
    assert here.get("/hr/").status_code == 200
    assert elsewhere.get("/hr/").status_code == 302


def test_a_token_made_alongside_the_change_is_refused_by_its_age(world: World):
    """A token that escaped the revocation (created in a transaction running alongside the
    change, so the revocation did not see it) is refused: it is older than the change."""
    rex_changes_his_password(world)
    with world.app.app_context():
        rex = db.session.get(User, world.rex_id)
        row, straggler = api_tokens.create(rex, "straggler")
        row.created_at = rex.credentials_changed_at - timedelta(milliseconds=5)
        db.session.commit()
    assert _api_status(world.app, straggler) == 401


# --- Invitations ------------------------------------------------------------------------------


def _candidate_form(recruiter_id: int, email: str, **extra: str) -> dict:
    return {
        "name": "Carla Candidate",
        "email": email,
        "time_zone": "Europe/Paris",
        "job_title": "Analyst",
        "department": "Finance",
        "location": "Paris",
        "joining_date": "2099-01-01",
        "joining_time": "09:00",
        "joining_time_zone": "Europe/Paris",
        "recruiter_id": str(recruiter_id),
        **extra,
    }


def test_an_invitation_to_a_mistyped_address_dies_and_a_new_one_goes_to_the_right_one(
    make_app, smtp_server
):
    app = make_app(SMTP_URL=smtp_server.url)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        rita_id = rita.id
    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    typo, right = "carla@exmaple.com", "carla@example.com"
    form = _candidate_form(rita_id, typo, send_invitation="y")
    form["joining_date"] = _near_date()
    added = post_form(hr, "/hr/candidates/new", form)
    assert added.status_code == 302, added.get_data(as_text=True)
    (first,) = smtp_server.wait_for(1)
    assert first["To"] == typo
    old_link = urlsplit(link_in(first)).path
    person = added.headers["Location"]

    corrected = _candidate_form(rita_id, right)
    corrected["joining_date"] = form["joining_date"]
    done = post_form(hr, f"{person}/edit", corrected, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert f"The invitation sent to {typo} no longer works; a new one goes to {right}." in page
    assert f"Invitation sent to {right}." in page

    stale = app.test_client().get(old_link)
    assert stale.status_code == 410 and NO_LONGER_WORKS in stale.get_data(as_text=True)
    messages = smtp_server.wait_for(2)
    assert [m["To"] for m in messages] == [typo, right]
    new_link = urlsplit(link_in(messages[1])).path
    carla = app.test_client()
    data = {"password": "carla chooses a passphrase", "confirm": "carla chooses a passphrase"}
    accepted = post_form(carla, new_link, data)
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/candidate/"
    assert app.test_client().get(old_link).status_code == 410


def _near_date() -> str:
    from datetime import date

    return (date.today() + timedelta(days=30)).isoformat()


def test_an_email_change_without_a_waiting_invitation_sends_nothing(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url)
    with app.app_context():
        make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        nina = make_candidate("nina@exmaple.com", rita, name="Carla Candidate", password=None)
        nina_id, rita_id = nina.id, rita.id
        joining_date = nina.profile.joining_date.isoformat()
    hr = app.test_client()
    sign_in(hr, "hr@example.com")
    corrected = _candidate_form(rita_id, "nina@example.com")
    corrected["joining_date"] = joining_date  # unchanged: no joining-day email either
    done = post_form(hr, f"/hr/people/{nina_id}/edit", corrected, follow_redirects=True)
    assert "Saved." in done.get_data(as_text=True)
    assert "Invitation sent" not in done.get_data(as_text=True)
    assert smtp_server.wait_for(1, timeout=0.5) == []


@pytest.mark.parametrize("how", ["deactivated", "role changed"])
def test_other_changes_end_a_waiting_invitation_too(app, how):
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        newbie = accounts.create_user(
            actor=hr, email="new@example.com", name="Nora New", role=Role.RECRUITER, time_zone="UTC"
        )
        invitation = accounts.invite(newbie, hr)
        db.session.commit()
        found = re.search(r"/invitation/\S+", invitation.body_text)
        assert found
        link, newbie_id = found.group(0), newbie.id
    assert app.test_client().get(link).status_code == 200
    if how == "deactivated":
        hr_client = app.test_client()
        sign_in(hr_client, "hr@example.com")
        path = f"/hr/people/{newbie_id}"
        post_form(hr_client, f"{path}/deactivate", {"confirmed": "1"}, form_url=path)
    else:
        result = app.test_cli_runner().invoke(
            args=["users", "set-role", "--email", "new@example.com", "--role", "hr"]
        )
        assert result.exit_code == 0, result.output
        assert "invitation" in result.output and "send a new one" in result.output
    assert app.test_client().get(link).status_code == 410


def test_role_changes_that_would_strand_someone_are_refused(app, people):
    runner = app.test_cli_runner()
    busy = runner.invoke(
        args=["users", "set-role", "--email", people["emails"]["recruiter_a"], "--role", "hr"]
    )
    assert busy.exit_code != 0
    assert "looks after 1 candidate: give them to another recruiter first" in busy.output
    last_hr = runner.invoke(
        args=["users", "set-role", "--email", people["emails"]["hr"], "--role", "recruiter"]
    )
    assert last_hr.exit_code != 0 and "at least one active HR person" in last_hr.output
    nobody = runner.invoke(args=["users", "set-role", "--email", "x@example.com", "--role", "hr"])
    assert nobody.exit_code != 0 and "No account has the email address" in nobody.output
    candidate = app.test_client()
    assert sign_in(candidate, people["emails"]["candidate_a"]).status_code == 302
    with app.app_context():
        user = db.session.get(User, people["ids"]["candidate_a"])
        with pytest.raises(accounts.AccountError, match="candidates stay candidates"):
            accounts.change_role(user, Role.HR, None)
    assert "Traceback" not in busy.output + last_hr.output + nobody.output
