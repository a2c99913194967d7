"""Staff single sign-on against a real OpenID Connect provider (tests/oidc_provider.py): who gets
in, linked by what, with which role, and who is refused with what message.

Every flow goes over real HTTP: the portal's redirect to the provider's authorization endpoint,
its sign-in form, the provider's redirect back to the portal's callback, and the portal's own
requests for discovery, keys, the token and userinfo.
"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from portal.accounts import operations as accounts
from portal.accounts.models import AuthSession, StaffIdentity
from portal.api import tokens as api_tokens
from portal.core.extensions import db
from portal.people.models import AuditEntry, Role, User
from tests import support
from tests.oidc_provider import PROVIDER_NAME, Person, running_provider, sso_sign_in


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def sso_app(make_app, provider):
    provider.reset()
    return make_app(**provider.portal_config())


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_sign_in_page_offers_the_provider_only_when_configured(sso_app, make_app):
    page = _page(sso_app.test_client().get("/sign-in?next=/hr/people"))
    assert f"Sign in with {PROVIDER_NAME}" in page
    assert 'href="/sign-in/sso?next=/hr/people"' in page
    assert "Recruiters and HR: use your company account." in page
    plain = make_app()
    assert "Sign in with" not in _page(plain.test_client().get("/sign-in"))
    assert plain.test_client().get("/sign-in/sso").status_code == 404
    assert plain.test_client().get("/sign-in/sso/callback?code=x&state=y").status_code == 404


def test_first_sign_in_links_the_staff_account_with_the_verified_email(sso_app, provider):
    with sso_app.app_context():
        hr_id = support.make_staff(Role.HR, "helen@example.com", "Helen HR").id
    provider.add(Person("helen", "sub-helen", "Helen@Example.com", groups=["portal-hr"]))
    client = sso_app.test_client()

    answer = sso_sign_in(client, "helen")

    assert answer.status_code == 302 and answer.headers["Location"] == "/hr/"
    assert "Helen HR" in _page(client.get("/hr/"))
    # The flow was the authorization code flow with PKCE (S256), state and nonce.
    (asked,) = provider.authorizations
    assert asked["code_challenge_method"] == "S256" and asked["state"] and asked["nonce"]
    assert asked["redirect_uri"] == "http://portal.test/sign-in/sso/callback"
    (token_request,) = provider.token_requests
    assert token_request["code_verifier"] and "client_secret" not in token_request  # Basic
    with sso_app.app_context():
        (link,) = db.session.scalars(select(StaffIdentity)).all()
        assert (link.issuer, link.subject, link.user_id) == (provider.issuer, "sub-helen", hr_id)
        assert link.last_signed_in_at is not None
        user = db.session.get(User, hr_id)
        assert user.sign_in_count == 1 and user.last_sign_in_at is not None
        (session_row,) = db.session.scalars(select(AuthSession)).all()
        assert session_row.user_id == hr_id and not session_row.remember
        assert [e.subject for e in _audit("sso_linked")] == [f"{PROVIDER_NAME}: sub-helen"]
        assert [e.subject for e in _audit("signed_in")] == [f"with {PROVIDER_NAME}"]
    # Later sign-ins find the account by the subject, whatever the email says by then.
    provider.people["helen"].email = "helen.renamed@example.com"
    provider.people["helen"].email_verified = False
    again = sso_app.test_client()
    assert sso_sign_in(again, "helen").headers["Location"] == "/hr/"
    with sso_app.app_context():
        assert _count(StaffIdentity) == 1 and db.session.get(User, hr_id).sign_in_count == 2


def test_a_new_person_with_a_staff_role_gets_an_account_just_in_time(sso_app, provider):
    provider.add(
        Person(
            "zoe",
            "sub-zoe",
            "zoe.nouvelle@example.com",
            # Control and bidi characters are cleaned as in every name typed into the portal.
            name="Zoë\u202e  Nouvelle\n",
            groups=["sales", "portal-recruiters"],
            extra={"zoneinfo": "Europe/Paris"},
        )
    )
    client = sso_app.test_client()

    answer = sso_sign_in(client, "zoe", next_path="/recruiter/")

    assert answer.status_code == 302 and answer.headers["Location"] == "/recruiter/"
    assert client.get("/recruiter/").status_code == 200
    with sso_app.app_context():
        user = accounts.find_by_email("zoe.nouvelle@example.com")
        assert (user.name, user.role, user.time_zone) == (
            "Zoë Nouvelle",
            "recruiter",
            "Europe/Paris",
        )
        assert user.password_hash is None and user.is_active
        assert [e.target_user_id for e in _audit("recruiter.created")] == [user.id]
        assert db.session.scalar(select(StaffIdentity.user_id)) == user.id


def test_the_role_follows_the_claim_at_each_sign_in(sso_app, provider):
    with sso_app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")  # another HR stays
    provider.add(Person("rita", "sub-rita", "rita@example.com", groups=["portal-recruiters"]))
    first = sso_app.test_client()
    assert sso_sign_in(first, "rita").headers["Location"] == "/recruiter/"
    with sso_app.app_context():
        rita = accounts.find_by_email("rita@example.com")
        _row, api_token = api_tokens.create(rita, "sync")
        db.session.commit()

    provider.people["rita"].groups = ["portal-hr", "portal-recruiters"]  # both: HR wins
    second = sso_app.test_client()
    assert sso_sign_in(second, "rita").headers["Location"] == "/hr/"

    with sso_app.app_context():
        rita = accounts.find_by_email("rita@example.com")
        assert rita.role == Role.HR
        (change,) = _audit("role_changed")
        assert (change.actor_id, change.old_value, change.new_value) == (None, "recruiter", "hr")
        assert change.subject == f"from {PROVIDER_NAME}"
        # Everything granted under the old role ended: the other browser, the API token.
        assert api_tokens.authenticate(api_token) is None
    assert first.get("/recruiter/").status_code == 302  # signed out: to the sign-in page
    assert second.get("/hr/").status_code == 200

    provider.people["rita"].groups = ["portal-recruiters"]
    assert sso_sign_in(sso_app.test_client(), "rita").headers["Location"] == "/recruiter/"


def test_a_role_change_the_portal_cannot_make_refuses_the_sign_in(sso_app, provider):
    with sso_app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        support.make_candidate("cand@example.com", rita)
    provider.add(Person("rita", "sub-rita", "rita@example.com", groups=["portal-hr"]))
    client = sso_app.test_client()

    answer = sso_sign_in(client, "rita")

    assert answer.status_code == 403
    page = _page(answer)
    assert "now gives you the role “HR”" in page and "looks after 1 candidate" in page
    with sso_app.app_context():
        assert accounts.find_by_email("rita@example.com").role == Role.RECRUITER
        assert _count(StaffIdentity) == 0 and _count(AuthSession) == 0  # nothing half-written
        (failed,) = _audit("sign_in_failed")
        assert failed.subject.startswith(f"{PROVIDER_NAME}: role hr from the provider refused")


@pytest.mark.parametrize(
    ("person", "message", "reason"),
    [
        (
            Person("sam", "sub-sam", "sam@example.com", groups=["sales", "engineering"]),
            f"{PROVIDER_NAME} does not give you a role in this portal",
            "no portal role in the groups claim",
        ),
        (
            Person("una", "sub-una", "una@example.com", email_verified=False, groups=["portal-hr"]),
            f"{PROVIDER_NAME} has not confirmed your email address",
            "email address not verified by the provider",
        ),
    ],
    ids=["unmapped role", "unverified email"],
)
def test_nobody_gets_in_without_a_mapped_role_and_a_verified_email(
    sso_app, provider, person, message, reason
):
    with sso_app.app_context():
        support.make_staff(Role.HR, person.email, "Already Here")
        users_before = _count(User)
    provider.add(person)
    client = sso_app.test_client()

    answer = sso_sign_in(client, person.username)

    assert answer.status_code == 403
    assert message in _page(answer)
    assert client.get("/hr/").status_code == 302  # not signed in
    with sso_app.app_context():
        assert _count(User) == users_before
        assert _count(StaffIdentity) == 0 and _count(AuthSession) == 0
        (failed,) = _audit("sign_in_failed")
        assert failed.subject == f"{PROVIDER_NAME}: {reason}"


def test_an_unmapped_stranger_gets_no_account(sso_app, provider):
    provider.add(Person("stranger", "sub-x", "stranger@example.com", groups=["sales"]))
    answer = sso_sign_in(sso_app.test_client(), "stranger")
    assert answer.status_code == 403
    with sso_app.app_context():
        assert accounts.find_by_email("stranger@example.com") is None


def test_a_closed_account_is_refused_linked_or_not(sso_app, provider):
    with sso_app.app_context():
        hr_id = support.make_staff(Role.HR, "helen@example.com", "Helen HR").id
        rita_id = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter").id
    provider.add(Person("rita", "sub-rita", "rita@example.com", groups=["portal-recruiters"]))
    assert sso_sign_in(sso_app.test_client(), "rita").status_code == 302  # linked now
    with sso_app.app_context():
        accounts.deactivate(db.session.get(User, rita_id), db.session.get(User, hr_id))
        db.session.commit()

    answer = sso_sign_in(sso_app.test_client(), "rita")

    assert answer.status_code == 403
    assert "This account has been closed." in _page(answer)
    with sso_app.app_context():
        assert _audit("sign_in_failed")[0].subject == f"{PROVIDER_NAME}: account closed"


def test_a_candidate_can_never_sign_in_with_the_provider(sso_app, provider):
    with sso_app.app_context():
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        candidate_id = support.make_candidate("cand@example.com", rita).id
    # Even a provider that vouches for the address and maps it to HR.
    provider.add(Person("cand", "sub-cand", "cand@example.com", groups=["portal-hr"]))
    client = sso_app.test_client()

    answer = sso_sign_in(client, "cand")

    assert answer.status_code == 403
    assert "belongs to a candidate's account" in _page(answer)
    assert client.get("/candidate/").status_code == 302
    with sso_app.app_context():
        assert db.session.get(User, candidate_id).role == Role.CANDIDATE
        assert _count(StaffIdentity) == 0


def test_an_account_linked_to_one_identity_is_not_taken_by_another(sso_app, provider):
    with sso_app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")
    provider.add(Person("helen", "sub-helen", "helen@example.com", groups=["portal-hr"]))
    assert sso_sign_in(sso_app.test_client(), "helen").status_code == 302
    # The mailbox went to someone else at the provider, with a new subject.
    provider.add(Person("newcomer", "sub-newcomer", "helen@example.com", groups=["portal-hr"]))

    answer = sso_sign_in(sso_app.test_client(), "newcomer")

    assert answer.status_code == 403
    assert f"already linked to another {PROVIDER_NAME} identity" in _page(answer)


def test_claims_missing_from_the_id_token_come_from_userinfo(sso_app, provider):
    provider.only_in_userinfo = {"groups", "email_verified"}
    provider.add(Person("ursula", "sub-u", "ursula@example.com", groups=["portal-hr"]))

    answer = sso_sign_in(sso_app.test_client(), "ursula")

    assert answer.headers["Location"] == "/hr/"
    assert provider.userinfo_calls == 1


def test_a_nested_role_claim_and_no_userinfo_call_when_the_id_token_has_all(make_app, provider):
    provider.reset()
    app = make_app(**provider.portal_config(OIDC_ROLE_CLAIM="realm_access.roles"))
    provider.add(
        Person(
            "kim",
            "sub-kim",
            "kim@example.com",
            extra={"realm_access": {"roles": ["offline_access", "portal-recruiters"]}},
        )
    )
    assert sso_sign_in(app.test_client(), "kim").headers["Location"] == "/recruiter/"
    assert provider.userinfo_calls == 0


def test_only_a_path_on_the_portal_is_kept_for_after_signing_in(sso_app, provider):
    with sso_app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")
    provider.add(Person("helen", "sub-helen", "helen@example.com", groups=["portal-hr"]))
    kept = sso_sign_in(sso_app.test_client(), "helen", next_path="/hr/people?page=2")
    assert kept.headers["Location"] == "/hr/people?page=2"
    dropped = sso_sign_in(sso_app.test_client(), "helen", next_path="//evil.example/x")
    assert dropped.headers["Location"] == "/hr/"


def test_a_signed_in_person_choosing_the_button_goes_home(sso_app):
    with sso_app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR")
    client = sso_app.test_client()
    support.sign_in(client, "helen@example.com")
    answer = client.get("/sign-in/sso")
    assert answer.status_code == 302 and answer.headers["Location"] == "/hr/"
