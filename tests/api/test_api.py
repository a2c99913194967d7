"""The JSON API at /api/v1: tokens made and revoked through the real pages, who sees what,
paging events with a cursor, and problem details for every error.

Every API response these tests receive is checked against the app's own /api/v1/openapi.json:
the status must be documented for the operation and the body must match its schema (through
schemathesis' response validation); errors must be problem details, never HTML.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from sqlalchemy import event, select

from portal.accounts import operations as accounts
from portal.api import tokens as api_tokens
from portal.api.models import ApiToken
from portal.core.extensions import db
from portal.engagement import status as engagement
from portal.events import log as events
from portal.events.models import EngagementEvent, EventKind
from portal.people.models import AuditEntry, Role, User
from tests import support

API = "/api/v1"
MISSING_ID = 999_999_999
TOKEN_SHAPE = re.compile(r"pp_[A-Za-z0-9_-]{43}")


@pytest.fixture
def app(make_app):
    """Events are listed as soon as they are written (the settling delay has its own test)."""
    return make_app(API_EVENTS_SETTLE_SECONDS=0)


class ApiClient:
    """A test client for the API that checks each response against the OpenAPI document."""

    def __init__(self, flask_app) -> None:
        self.client = flask_app.test_client()
        document = self.client.get(f"{API}/openapi.json")
        assert document.status_code == 200
        self.schema = schemathesis.openapi.from_dict(document.get_json())
        # Its "default" response is the Problem schema: errors of undocumented routes use it.
        self.fallback = self.schema.find_operation_by_path("GET", "/openapi.json")
        self.seen = 0

    def call(self, path: str, token: str | None = None, *, method: str = "GET", **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(API + path, method=method, headers=headers, **kwargs)
        self.check(response, method, path.split("?")[0])
        return response

    def check(self, response, method: str, path: str) -> None:
        where = f"{method} {API}{path} → {response.status_code}"
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", f"{where}: {response.mimetype}"
            problem = response.get_json()
            assert problem["status"] == response.status_code, where
            assert problem["instance"] == API + path, where
        else:
            assert response.mimetype == "application/json", f"{where}: {response.mimetype}"
        assert "Set-Cookie" not in response.headers, f"{where}: the API set a cookie"
        operation = self.schema.find_operation_by_path(method, path)
        if operation is None:
            assert response.status_code >= 400, f"{where}: an undocumented address answered"
            operation = self.fallback
        if method != "HEAD":
            documented = operation.responses.find_by_status_code(response.status_code)
            assert documented is not None, f"{where}: status not documented"
            operation.validate_response(response)  # raises on any mismatch with the schema
        self.seen += 1


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def tokens(app, people):
    """A live token for each staff member of the cast (the pages are tested on their own)."""
    made = {}
    with app.app_context():
        for persona in ("recruiter_a", "recruiter_b", "hr"):
            user = db.session.get(User, people["ids"][persona])
            _row, made[persona] = api_tokens.create(user, f"{persona} sync")
        db.session.commit()
    return made


def _record(app, candidate_id: int, kind: EventKind, *, seconds_ago: int = 60, **extra) -> int:
    with app.app_context():
        at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
        row = events.record(candidate_id, kind, at=at, **extra)
        db.session.commit()
        return row.id


def _page_token(html: str) -> str:
    found = TOKEN_SHAPE.findall(html)
    assert len(found) == 1, f"expected the new token once on the page, found {len(found)}"
    return found[0]


# --- Tokens through the pages ------------------------------------------------------------


def test_a_token_is_shown_once_stored_hashed_used_and_revoked(app, client, people, api):
    support.sign_in(client, people["emails"]["recruiter_a"])
    home = client.get("/recruiter/").get_data(as_text=True)
    assert 'href="/account/api-tokens"' in home, "recruiters find the page in the menu"
    page = client.get("/account/api-tokens")
    assert page.status_code == 200
    assert "You have no API tokens yet." in page.get_data(as_text=True)

    created = support.post_form(
        client, "/account/api-tokens", {"name": "ATS sync"}, form_url="/account/api-tokens"
    )
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    plaintext = _page_token(html)
    assert "It will not be shown again" in html
    assert created.headers["Cache-Control"] == "no-store"

    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert row.prefix == plaintext[:10] and row.name == "ATS sync"
        assert row.last_used_at is None and row.revoked_at is None
        stored = [str(v) for v in db.session.execute(select(ApiToken.__table__)).one()]
        stored += [str(v) for r in db.session.execute(select(AuditEntry.__table__)) for v in r]
        assert not any(plaintext in value for value in stored), "the token itself was stored"
        actions = list(db.session.scalars(select(AuditEntry.action)))
        assert actions.count("api_token.created") == 1

    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "ATS sync" in listing and f"{plaintext[:10]}…" in listing
    assert plaintext not in listing, "the list shows the token again"
    assert "Never" in listing  # not used yet

    answer = api.call("/candidates", plaintext)
    assert answer.status_code == 200
    assert [c["name"] for c in answer.get_json()["data"]] == ["Alice Candidate"]
    with app.app_context():
        first_use = db.session.scalars(select(ApiToken.last_used_at)).one()
    assert first_use is not None
    assert api.call("/candidates", plaintext).status_code == 200
    with app.app_context():  # noted at most once a minute: not a write per request
        assert db.session.scalars(select(ApiToken.last_used_at)).one() == first_use

    revoked = support.post_form(
        client,
        f"/account/api-tokens/{row.id}/revoke",
        {"confirmed": "1"},
        form_url="/account/api-tokens",
    )
    assert revoked.status_code == 302 and revoked.headers["Location"] == "/account/api-tokens"
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "is revoked: it no longer works" in listing
    assert "Revoked" in listing and "Revoke<span" not in listing

    refused = api.call("/candidates", plaintext)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="portal", error="invalid_token"'
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action)))
        assert actions.count("api_token.revoked") == 1


def test_a_token_needs_a_name_of_reasonable_length(client, people):
    support.sign_in(client, people["emails"]["hr"])
    for name, message in (
        ("   ", "Give the token a name"),
        ("x" * 81, "at most 80 characters"),
    ):
        answer = support.post_form(
            client, "/account/api-tokens", {"name": name}, form_url="/account/api-tokens"
        )
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert message in html and 'class="error-message"' in html
        assert not TOKEN_SHAPE.search(html)


def test_candidates_have_no_tokens_and_no_one_revokes_anothers(app, client, people, tokens):
    support.sign_in(client, people["emails"]["candidate_a"])
    assert "API tokens" not in client.get("/candidate/").get_data(as_text=True)
    assert client.get("/account/api-tokens").status_code == 404
    token = support.csrf_token(client.get("/candidate/").get_data(as_text=True))
    assert (
        client.post("/account/api-tokens", data={"csrf_token": token, "name": "x"}).status_code
        == 404
    )
    with app.app_context():
        candidate = db.session.get(User, people["ids"]["candidate_a"])
        with pytest.raises(ValueError, match="Only active recruiters and HR"):
            api_tokens.create(candidate, "sneaky")
        theirs = db.session.scalar(
            select(ApiToken.id).where(ApiToken.user_id == people["ids"]["recruiter_a"])
        )
        assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == candidate.id)) is None

    hr = app.test_client()
    support.sign_in(hr, people["emails"]["hr"])
    answer = support.post_form(
        hr, f"/account/api-tokens/{theirs}/revoke", {}, form_url="/account/api-tokens"
    )
    assert answer.status_code == 404, "HR revoked a recruiter's own token"
    with app.app_context():
        assert db.session.get(ApiToken, theirs).revoked_at is None


def test_a_closed_account_stops_its_tokens(app, api, people, tokens):
    assert api.call("/candidates", tokens["recruiter_b"]).status_code == 200
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        accounts.deactivate(db.session.get(User, people["ids"]["recruiter_b"]), hr)
        db.session.commit()
    assert api.call("/candidates", tokens["recruiter_b"]).status_code == 401
    assert api.call("/candidates", tokens["recruiter_a"]).status_code == 200


# --- Authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "challenge"),
    [
        (None, 'Bearer realm="portal"'),
        ("Basic dXNlcjpwYXNz", 'Bearer realm="portal"'),
        ("Bearer", 'Bearer realm="portal", error="invalid_token"'),
        ("Bearer not-a-token", 'Bearer realm="portal", error="invalid_token"'),
        ("Bearer pp_" + "A" * 43, 'Bearer realm="portal", error="invalid_token"'),
    ],
    ids=["none", "basic", "empty", "garbage", "unknown"],
)
def test_no_valid_token_is_401_problem_details(api, header, challenge):
    headers = {"Authorization": header} if header else {}
    for path in ("/candidates", "/candidates/1", "/events"):
        answer = api.call(path, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == challenge
        detail = answer.get_json()["detail"]
        assert ("not valid" if "error=" in challenge else "Bearer <token>") in detail


def test_a_signed_in_browser_session_grants_nothing(app, api, people):
    browser = api.client
    assert support.sign_in(browser, people["emails"]["hr"]).status_code == 302
    assert browser.get("/hr/").status_code == 200  # the session works for pages
    for path in ("/candidates", f"/candidates/{people['ids']['candidate_a']}", "/events"):
        assert api.call(path).status_code == 401


def test_the_openapi_document_is_public_valid_and_covers_every_route(app, api):
    api.schema.validate()  # against the OpenAPI 3.1 meta-schema
    answer = api.call("/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["servers"] == [{"url": f"{support.BASE_URL}/api/v1"}]
    routes = {
        (re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API)), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


# --- Scope ------------------------------------------------------------------------------------


def test_each_token_sees_only_its_owners_candidates(api, people, tokens):
    ids = people["ids"]

    def names(token, query=""):
        answer = api.call(f"/candidates{query}", token)
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["count"] == len(body["data"])
        return sorted(c["name"] for c in body["data"])

    assert names(tokens["recruiter_a"]) == ["Alice Candidate"]
    assert names(tokens["recruiter_b"]) == ["Ben Candidate"]
    assert names(tokens["hr"]) == ["Alice Candidate", "Ben Candidate"]
    assert names(tokens["hr"], f"?recruiter_id={ids['recruiter_b']}") == ["Ben Candidate"]
    assert names(tokens["recruiter_b"], f"?recruiter_id={ids['recruiter_a']}") == []
    assert names(tokens["recruiter_a"], f"?recruiter_id={ids['recruiter_a']}") == [
        "Alice Candidate"
    ]

    own = api.call(f"/candidates/{ids['candidate_a']}", tokens["recruiter_a"])
    assert own.status_code == 200
    alice = own.get_json()
    assert alice["recruiter"] == {"id": ids["recruiter_a"], "name": "Rita Recruiter"}
    assert alice["email"] == "cand.a@example.com"
    assert alice["status"] in ("engaged", "quiet", "at_risk")
    joining = datetime.fromisoformat(alice["joining_at"])
    assert joining.utcoffset() is not None and alice["joining_at"].endswith(("+01:00", "+02:00"))
    assert api.call(f"/candidates/{ids['candidate_a']}", tokens["hr"]).status_code == 200

    # Another recruiter's candidate answers exactly like an id that does not exist.
    theirs = api.call(f"/candidates/{ids['candidate_a']}", tokens["recruiter_b"])
    missing = api.call(f"/candidates/{MISSING_ID}", tokens["recruiter_b"])
    assert theirs.status_code == missing.status_code == 404

    def anonymised(answer, candidate_id: int) -> dict:
        problem = answer.get_json()
        for key in ("detail", "instance"):
            problem[key] = problem[key].replace(str(candidate_id), "N")
        return problem

    assert anonymised(theirs, ids["candidate_a"]) == anonymised(missing, MISSING_ID)
    # Staff are not candidates, and an id past any column's range is simply not there.
    assert api.call(f"/candidates/{ids['recruiter_a']}", tokens["hr"]).status_code == 404
    assert api.call("/candidates/99999999999999999999", tokens["hr"]).status_code == 404


def test_a_candidate_who_never_signed_in_is_invited_in_the_api(app, api, people, tokens):
    with app.app_context():
        rita = db.session.get(User, people["ids"]["recruiter_a"])
        ivy = support.make_candidate("ivy@example.com", rita, name="Ivy Invited", password=None)
        ivy_id = ivy.id
    listed = api.call("/candidates?status=invited", tokens["recruiter_a"]).get_json()
    assert [c["id"] for c in listed["data"]] == [ivy_id]
    (ivy_data,) = listed["data"]
    assert (ivy_data["status"], ivy_data["signed_up"], ivy_data["last_seen_at"]) == (
        "invited",
        False,
        None,
    )
    assert ivy_data["reasons"] == [
        {
            "code": "invitation_pending",
            "status": "invited",
            "text": "has not accepted the invitation sent today",
        }
    ]
    one = api.call(f"/candidates/{ivy_id}", tokens["recruiter_a"]).get_json()
    assert one["status"] == "invited"
    # Riskiest first: the invited come after the quiet and before the engaged.
    everyone = api.call("/candidates", tokens["recruiter_a"]).get_json()["data"]
    assert [c["status"] for c in everyone] == ["invited", "engaged"]
    refused = api.call("/candidates?status=sleepy", tokens["recruiter_a"])
    assert refused.status_code == 400
    assert "engaged, invited, quiet, at_risk" in refused.get_json()["detail"]


def test_events_follow_the_same_scope(app, api, people, tokens):
    ids = people["ids"]
    a = _record(app, ids["candidate_a"], EventKind.NEWS_OPENED, subject="news:1")
    b = _record(app, ids["candidate_b"], EventKind.FAQ_SEARCHED)

    def seen(token, query=""):
        answer = api.call(f"/events{query}", token)
        assert answer.status_code == 200
        return [int(e["id"]) for e in answer.get_json()["data"]]

    assert a in seen(tokens["recruiter_a"]) and b not in seen(tokens["recruiter_a"])
    assert b in seen(tokens["recruiter_b"]) and a not in seen(tokens["recruiter_b"])
    assert {a, b} <= set(seen(tokens["hr"]))
    only_b = seen(tokens["hr"], f"?candidate_id={ids['candidate_b']}")
    assert b in only_b and a not in only_b

    for candidate in (ids["candidate_b"], MISSING_ID, ids["recruiter_a"]):
        refused = api.call(f"/events?candidate_id={candidate}", tokens["recruiter_a"])
        assert refused.status_code == 404, candidate
    only_a = api.call(f"/events?candidate_id={ids['candidate_a']}", tokens["recruiter_a"])
    assert {e["candidate_id"] for e in only_a.get_json()["data"]} == {ids["candidate_a"]}


# --- Paging events -------------------------------------------------------------------------


def test_paging_events_sees_each_once_then_polls_for_new_ones(app, api, people, tokens):
    ids = people["ids"]
    kinds = [EventKind.NEWS_OPENED, EventKind.FAQ_SEARCHED, EventKind.TIMELINE_VIEWED]
    with app.app_context():  # sign-ins and the like recorded while the cast was made
        before = set(db.session.scalars(select(EngagementEvent.id)))
    for number in range(23):
        who = ids["candidate_a"] if number % 3 else ids["candidate_b"]
        _record(app, who, kinds[number % 3], subject=f"news:{number}", data={"n": number})
    with app.app_context():
        expected = list(db.session.scalars(select(EngagementEvent.id).order_by("id")))
    assert len(expected) == len(before) + 23

    got: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=5" + (f"&after={cursor}" if cursor is not None else "")
        body = api.call(f"/events{query}", tokens["hr"]).get_json()
        pages += 1
        got += [int(e["id"]) for e in body["data"]]
        assert len(body["data"]) <= 5
        if body["data"]:
            assert body["next_cursor"] == body["data"][-1]["id"]
        if not body["has_more"]:
            break
        cursor = body["next_cursor"]
        assert pages < 20, "paging does not end"
    assert got == expected, "an event was missed, repeated or out of order"
    cursor = body["next_cursor"]
    assert cursor == str(expected[-1])

    # Nothing new: an empty page and the same cursor, to poll with.
    quiet = api.call(f"/events?after={cursor}", tokens["hr"]).get_json()
    assert quiet == {"data": [], "next_cursor": cursor, "has_more": False}

    new = [
        _record(app, ids["candidate_a"], EventKind.PULSE_ANSWERED, data={"score": 2}),
        _record(app, ids["candidate_b"], EventKind.CALENDAR_DOWNLOADED),
    ]
    fresh = api.call(f"/events?after={cursor}", tokens["hr"]).get_json()
    assert [int(e["id"]) for e in fresh["data"]] == new
    assert fresh["data"][0]["data"] == {"score": 2} and fresh["data"][0]["kind"] == "pulse_answered"
    assert fresh["next_cursor"] == str(new[-1])

    # Filters page the same way.
    pulses = api.call(f"/events?kind=pulse_answered&after={cursor}", tokens["hr"]).get_json()
    assert [e["kind"] for e in pulses["data"]] == ["pulse_answered"]
    recruiter_view = api.call(f"/events?after={cursor}", tokens["recruiter_b"]).get_json()
    assert [int(e["id"]) for e in recruiter_view["data"]] == new[1:]


def test_events_are_listed_once_settled(make_app, people):
    """An event younger than API_EVENTS_SETTLE_SECONDS waits, and so does every later one: a
    lower id may still be committing elsewhere, and a cursor must never pass over it."""
    settled_app = make_app(API_EVENTS_SETTLE_SECONDS=300)
    ids = people["ids"]
    with settled_app.app_context():
        hr = db.session.get(User, ids["hr"])
        _row, token = api_tokens.create(hr, "poller")
        db.session.commit()
        start = db.session.scalar(select(EngagementEvent.id).order_by(EngagementEvent.id.desc()))
    settled_api = ApiClient(settled_app)
    old = _record(settled_app, ids["candidate_a"], EventKind.NEWS_OPENED, seconds_ago=600)
    young = _record(settled_app, ids["candidate_a"], EventKind.NEWS_OPENED, seconds_ago=0)
    later_but_backdated = _record(
        settled_app, ids["candidate_b"], EventKind.FAQ_SEARCHED, seconds_ago=600
    )
    body = settled_api.call(f"/events?after={start or 0}", token).get_json()
    assert [int(e["id"]) for e in body["data"]] == [old]
    assert body["next_cursor"] == str(old) and body["has_more"] is False
    assert young < later_but_backdated

    # Ten minutes on (the same database, the portal's clock moved on), both follow in order.
    later = make_app(
        API_EVENTS_SETTLE_SECONDS=300, PORTAL_CLOCK=datetime.now(UTC) + timedelta(minutes=10)
    )
    body = ApiClient(later).call(f"/events?after={body['next_cursor']}", token).get_json()
    assert [int(e["id"]) for e in body["data"]] == [young, later_but_backdated]


# --- Problem details -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("/events?limit=0", "limit"),
        ("/events?limit=501", "limit"),
        ("/events?limit=ten", "limit"),
        ("/events?limit=007", "limit"),
        ("/events?limit=" + "9" * 5000, "limit"),
        ("/events?after=-1", "after"),
        ("/events?after=abc", "after"),
        ("/events?after=1234567890123456789", "after"),
        ("/events?kind=teleported", "kind"),
        ("/events?candidate_id=0", "candidate_id"),
        ("/candidates?status=happy", "status"),
        ("/candidates?recruiter_id=x", "recruiter_id"),
        ("/candidates?recruiter_id=2147483648", "recruiter_id"),
        ("/candidates?after=2026-01-01", "after"),
        ("/candidates?after=7.1.1", "after"),
        ("/candidates?limit=0", "limit"),
        ("/candidates?limit=201", "limit"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(api, tokens, query, parameter):
    answer = api.call(query, tokens["hr"])
    assert answer.status_code == 400
    problem = answer.get_json()
    assert problem["title"] == "Bad Request" and problem["type"] == "about:blank"
    assert f"'{parameter}'" in problem["detail"]


def test_a_nul_byte_is_refused_as_problem_details(api, tokens):
    answer = api.call("/events?kind=a%00b", tokens["hr"])
    assert answer.status_code == 400
    assert "NUL" in answer.get_json()["detail"]


@pytest.mark.parametrize("path", ["/nothing-here", "", "/candidates/abc", "/candidates/-1"])
def test_unknown_addresses_under_the_api_are_404_problem_details(api, tokens, path):
    answer = api.call(path, tokens["hr"])
    assert answer.status_code == 404
    assert answer.get_json()["title"] == "Not Found"


def test_other_versions_and_the_rest_of_the_site_keep_their_own_errors(client):
    other = client.get("/api/v2/candidates")
    assert other.status_code == 404 and other.mimetype == "application/problem+json"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<h1>Page not found</h1>" in page.get_data(as_text=True)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_405_with_allow(api, tokens, method):
    answer = api.call("/candidates", tokens["hr"], method=method)
    assert answer.status_code == 405
    assert {"GET", "POST"} <= set(answer.headers["Allow"].split(", "))
    assert answer.get_json()["title"] == "Method Not Allowed"
    events = api.call("/events", tokens["hr"], method="POST")
    assert events.status_code == 405 and "POST" not in events.headers["Allow"]


def test_a_request_body_too_large_is_413(api, tokens):
    answer = api.call("/candidates", tokens["hr"], data=b"x" * (1024 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.get_json()["title"] == "Request Entity Too Large"


def test_too_many_calls_are_429_with_retry_after(make_app, people):
    limited = make_app(API_RATE_LIMIT="3 per minute")
    with limited.app_context():
        user = db.session.get(User, people["ids"]["recruiter_a"])
        _row, token = api_tokens.create(user, "busy")
        db.session.commit()
    api = ApiClient(limited)
    statuses = [api.call("/candidates", token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    answer = api.call("/events", token)
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert "Too many requests" in answer.get_json()["detail"]


def test_a_crash_is_500_problem_details_without_internals(make_app, people):
    crashing = make_app(PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("secret internals")

    crashing.add_url_rule(f"{API}/boom", "api_boom", boom)
    answer = crashing.test_client().get(f"{API}/boom")
    assert answer.status_code == 500
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["title"] == "Internal Server Error" and "secret" not in answer.get_data(
        as_text=True
    )


# --- Cost ----------------------------------------------------------------------------------


def _statements(flask_app, client, path: str, token: str) -> int:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with flask_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = client.get(API + path, headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert answer.status_code == 200, path
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_rows(app, people, tokens):
    client = app.test_client()
    paths = ("/candidates", "/events?limit=500", f"/candidates/{people['ids']['candidate_a']}")
    for path in paths:  # the first use of the token is noted: warm up past it
        _statements(app, client, path, tokens["hr"])
    few = {path: _statements(app, client, path, tokens["hr"]) for path in paths}

    with app.app_context():
        recruiter = db.session.get(User, people["ids"]["recruiter_a"])
        for number in range(15):
            support.make_candidate(f"more{number}@example.com", recruiter, joins_in=number + 2)
        for candidate_id in db.session.scalars(select(User.id).where(User.role == Role.CANDIDATE)):
            for kind in (EventKind.NEWS_OPENED, EventKind.FAQ_SEARCHED, EventKind.ANSWER_READ):
                events.record(candidate_id, kind, at=datetime.now(UTC) - timedelta(minutes=5))
        db.session.commit()
    many = {path: _statements(app, client, path, tokens["hr"]) for path in paths}
    assert many == few
    assert max(few.values()) <= 6, few


# --- The pages in a real browser -------------------------------------------------------------


@pytest.mark.browser
def test_creating_and_revoking_a_token_in_a_browser(browser, make_app, tmp_path):
    """By the menu, the form and the buttons, on a phone-sized screen; axe-core and the Nu HTML
    checker on the page that shows the token and on the list that holds it."""
    from playwright.sync_api import expect

    from portal.demo import load as demo
    from tests import browser as tools

    tools.require_axe()
    server = tools.start_live_server(make_app())
    context = browser.new_context(
        base_url=server.url, viewport={"width": 375, "height": 812}, bypass_csp=True
    )
    try:
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Email").fill("rosa.recruiter@example.com")
        page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Menu").click()  # a phone: the menu is folded
        page.get_by_role("link", name="API tokens").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")

        page.get_by_label("Name", exact=True).fill("ATS sync")
        expect(page.get_by_label("Read only")).to_be_checked()
        page.get_by_label("Read and write").check()
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            page.get_by_role("button", name="Create token").click()
        created_html = sent.value.text()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
        plaintext = page.get_by_label("Token “ATS sync”").input_value()
        assert TOKEN_SHAPE.fullmatch(plaintext)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        violations = tools.run_axe(page)
        assert not violations, tools.describe_violations(violations)
        answer = server.app.test_client().get(
            f"{API}/candidates", headers={"Authorization": f"Bearer {plaintext}"}
        )
        assert answer.status_code == 200 and answer.get_json()["count"] >= 1

        page.get_by_role("link", name="Back to your tokens").click()
        row = page.get_by_role("row", name=re.compile("ATS sync"))
        expect(row).to_contain_text(plaintext[:10])
        expect(row).to_contain_text("Active")
        expect(row).to_contain_text("Read and write")
        assert plaintext not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        violations = tools.run_axe(page)
        assert not violations, tools.describe_violations(violations)
        listing = server.app.test_client()
        support.sign_in(listing, "rosa.recruiter@example.com", demo.DEMO_PASSWORD)
        list_html = listing.get("/account/api-tokens").get_data(as_text=True)

        page.get_by_role("button", name="Revoke the token ATS sync").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the token “ATS sync”?")
        page.get_by_role("button", name="Yes, revoke it").click()  # asked first
        expect(page.get_by_role("status")).to_contain_text("is revoked: it no longer works")
        expect(row).to_contain_text("Revoked")
        answer = server.app.test_client().get(
            f"{API}/candidates", headers={"Authorization": f"Bearer {plaintext}"}
        )
        assert answer.status_code == 401
    finally:
        context.close()
        server.stop()

    report = tools.validate_html({"token-created": created_html, "tokens": list_html}, tmp_path)
    assert not report.errors, report.errors_text()


def test_the_candidate_list_comes_a_page_at_a_time_each_candidate_once(app, api, people, tokens):
    """1,000 candidates more for recruiter A: pages of 50 by default, the same queries each
    page, every candidate once in the order the dashboard shows, then has_more false."""
    with app.app_context():
        recruiter = db.session.get(User, people["ids"]["recruiter_a"])
        support.insert_cohort(recruiter, 1000, 5, datetime.now(UTC))
        live = engagement.signals(datetime.now(UTC), recruiter_id=recruiter.id)
        expected = [s.candidate_id for s in live]
        severity = {s.candidate_id: s.severity for s in live}
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    seen: list[int] = []
    per_page: list[int] = []
    query = "/candidates"
    while True:
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            answer = api.call(query, tokens["recruiter_a"])
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["count"] == len(body["data"]) <= 50
        seen.extend(candidate["id"] for candidate in body["data"])
        per_page.append(len(statements))
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        query = f"/candidates?after={body['next_cursor']}"
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    risk = [severity[candidate_id] for candidate_id in seen]
    assert risk == sorted(risk, reverse=True)  # riskiest first, across pages
    assert len(per_page) == -(-len(expected) // 50)
    # The same queries on every page (the first also notes the token's use, once a minute).
    assert len(set(per_page[1:])) == 1 and max(per_page) <= 8, per_page
    everyone = api.call("/candidates?limit=200", tokens["hr"]).get_json()
    assert everyone["count"] == 200 and everyone["has_more"]
