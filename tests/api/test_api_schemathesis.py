"""Property-based: schemathesis reads /api/v1/openapi.json from the portal served on loopback
and throws generated requests, valid and invalid, at every operation, the writes included, with
a real HR token that may read and write and seeded candidates and events, as `schemathesis run`
would.

Every default check must pass on every response: no server error; a documented status,
content type and headers; a body that fits its schema; 4xx for invalid input and 2xx for valid
input; 401 when the token is left out; 405 for other methods. The run is derandomised (a fixed
seed, no example database) so that a failure reproduces.

It goes over HTTP rather than schemathesis' in-process WSGI transport because, with the
Werkzeug in use, some of schemathesis' checks cannot re-send a request through that transport.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from schemathesis.engine import events as engine_events
from schemathesis.engine import from_schema
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal.api import tokens as api_tokens
from portal.api.models import InboundOffer, TokenScope
from portal.core.extensions import db
from portal.events import log as events
from portal.events.models import EventKind
from portal.people.models import User
from portal.webhooks import outbox
from tests import support

CONFIG = """
seed = 20260501

[generation]
mode = "all"
max-examples = 15
deterministic = true
database = "none"

# A write's body may fit the document and still name what cannot be used: an address that
# has an account already, a recruiter who does not exist, a joining date that has passed, an
# outcome of "joined" before the joining day.
# The portal says so with a 422 and each value at fault; those are expected answers here.
[[operations]]
include-operation-id = [
    "createCandidate", "importCandidates", "changeJoining", "changeRecruiter", "recordOutcome"
]
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "401", "403", "404", "409", "422", "429"
]
"""
READS = {"GET /candidates", "GET /candidates/{candidate_id}", "GET /events"}
WRITES = {
    "POST /candidates",
    "POST /candidates/import",
    "PATCH /candidates/{candidate_id}/joining",
    "PUT /candidates/{candidate_id}/recruiter",
    "PUT /candidates/{candidate_id}/outcome",
}
INBOUND = "POST /inbound/offer-accepted"
OPERATIONS = READS | WRITES | {INBOUND}

pytestmark = pytest.mark.slow


@pytest.fixture
def app(make_app):
    """No rate limit to speak of (the run makes hundreds of calls); events listed at once;
    inbound offers switched on (the run cannot sign them: it checks they are refused)."""
    return make_app(
        API_RATE_LIMIT="100000 per minute",
        API_EVENTS_SETTLE_SECONDS=0,
        INBOUND_OFFERS_SECRET=outbox.generate_secret(),
    )


@pytest.fixture
def served_api(app, people) -> Iterator[tuple[str, str]]:
    """The portal on 127.0.0.1 with a few more candidates, events of every kind, and HR's
    token; yields the API's base URL and the token."""
    ids = people["ids"]
    kinds = list(EventKind)
    with app.app_context():
        recruiter = db.session.get(User, ids["recruiter_a"])
        for number in range(4):
            support.make_candidate(f"extra{number}@example.com", recruiter, joins_in=number * 9)
        candidates = [ids["candidate_a"], ids["candidate_b"]]
        start = datetime.now(UTC) - timedelta(days=3)
        for number in range(36):
            events.record(
                candidates[number % 2],
                kinds[number % len(kinds)],
                subject=f"news:{number}",
                data={"number": number},
                at=start + timedelta(hours=number),
            )
        _row, token = api_tokens.create(
            db.session.get(User, ids["hr"]), "schemathesis", TokenScope.WRITE
        )
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1", token
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_schemathesis_finds_no_server_error_and_no_departure_from_the_document(app, served_api):
    base_url, token = served_api
    config = schemathesis.Config.from_str(CONFIG)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    schema.config.update(base_url=base_url, headers={"Authorization": f"Bearer {token}"})

    failures: list[str] = []
    errors: list[str] = []
    statuses: Counter[tuple[str, int]] = Counter()
    checks_run: set[str] = set()
    finished = None
    for event in from_schema(schema).execute():
        if isinstance(event, engine_events.ScenarioFinished):
            label = event.label or "stateful"
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    statuses[(label, interaction.response.status_code)] += 1
            for checks in event.recorder.checks.values():
                for check in checks:
                    checks_run.add(check.name)
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(
                            f"{label} [{check.name}] {failure.title}: {failure.message}\n"
                            f"{check.failure_info.code_sample}"
                        )
        elif isinstance(event, engine_events.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, engine_events.FatalError):
            errors.append(repr(event.exception))
        elif isinstance(event, engine_events.EngineFinished):
            finished = event

    assert not errors, "\n\n".join(errors)
    assert not failures, "\n\n".join(failures[:10])
    assert finished is not None and finished.stop_reason == "completed"

    # The run did reach every operation, with answers both good and refused.
    tested = {label for label, _status in statuses}
    assert tested >= OPERATIONS, tested
    for operation in READS:
        codes = {status for label, status in statuses if label == operation}
        assert 200 in codes and 401 in codes, (operation, codes)
    for path in {operation.split(" ")[1] for operation in READS}:  # a method of none of them
        codes = {status for label, status in statuses if label.endswith(f" {path}")}
        assert 405 in codes, (path, codes)
    for operation in WRITES:
        codes = {status for label, status in statuses if label == operation}
        assert 401 in codes and 422 in codes and codes & {200, 201}, (operation, codes)
    inbound = {status for label, status in statuses if label == INBOUND}
    assert 401 in inbound and 201 not in inbound, inbound  # nothing unsigned gets in
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InboundOffer)) == 0
    assert {status for _label, status in statuses} >= {200, 400, 401, 404, 405}
    assert not any(status >= 500 for _label, status in statuses)
    assert sum(statuses.values()) >= 200, sum(statuses.values())
    assert checks_run >= {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "ignored_auth",
        "unsupported_method",
    }, checks_run
