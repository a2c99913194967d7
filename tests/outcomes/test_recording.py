"""Recording what became of an offer: by HR and the candidate's recruiter on the outcome page
(errors beside their field, audited, the account closed when HR asks), and by the worker, which
marks a candidate joined once their joining moment has passed unless someone said otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.outcomes import recording
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.outcomes.recording import OutcomeError, record_outcome
from portal.people.models import AuditEntry, Role, User
from portal.worker.loop import JOBS, Worker
from tests import support

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app):
    """HR and two recruiters. Pages are asked outside any app context (a shared one would
    keep one request's signed-in user for the next); the database is read inside `app_ctx`."""
    with app.app_context():
        hr = support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        bob = support.make_staff(Role.RECRUITER, "bob@example.com", "Bob Recruiter")
        return {"hr": hr.id, "rita": rita.id, "bob": bob.id}


def candidate(app, name: str, recruiter_id: int, joining: date, **options) -> int:
    with app.app_context():
        user = support.make_candidate(
            f"{name.lower()}@example.com",
            db.session.get(User, recruiter_id),
            name=name,
            zone="UTC",
            joining_date=joining,
            **options,
        )
        user.created_at = NOW - timedelta(days=40)
        db.session.commit()
        return user.id


def outcome_page(client, path: str, data: dict):
    return support.post_form(client, path, data)


def signed_in(app, email: str):
    client = app.test_client()
    assert support.sign_in(client, email).status_code == 302
    return client


def test_hr_records_a_renege_with_a_reason_and_it_is_audited_and_shown(app, cast):
    nora = candidate(app, "Nora", cast["rita"], TODAY + timedelta(days=20))
    client = signed_in(app, "helen@example.com")
    path = f"/hr/people/{nora}/outcome"
    assert f'href="{path}"' in client.get(f"/hr/people/{nora}").get_data(as_text=True)

    page = client.get(path).get_data(as_text=True)
    assert "Record the outcome" in page and "None yet." in page
    answer = outcome_page(
        client, path, {"outcome": "reneged", "reason": "  Accepted a\ncounter-offer  "}
    )
    assert answer.status_code == 302 and answer.location.endswith(path)

    page = client.get(path).get_data(as_text=True)
    assert "Saved: Reneged before start." in page
    assert "<strong>Reneged before start</strong>, recorded by Helen HR" in page
    assert "Accepted a counter-offer" in page  # the history, from the audit log
    with app.app_context():
        row = db.session.scalars(select(CandidateOutcome)).one()
        assert (row.candidate_id, row.outcome, row.automatic) == (nora, "reneged", False)
        assert row.facts_until == NOW  # recorded before the joining moment: facts until now
        entries = db.session.execute(
            select(AuditEntry.action, AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value)
            .where(AuditEntry.action.like("outcome.%"))
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(entry) for entry in entries] == [
        ("outcome.recorded", "outcome", None, "Reneged before start"),
        ("outcome.recorded", "reason", None, "Accepted a counter-offer"),
    ]
    # The same again changes nothing.
    assert outcome_page(client, path, {"outcome": "reneged"}).status_code == 302
    assert "Nothing changed." in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "outcome", "Choose what became of the offer."),
        ({"outcome": "maybe"}, "outcome", "Choose what became of the offer."),
        ({"outcome": "joined"}, "outcome", "“Joined” can be recorded from that day."),
        ({"outcome": "no_show"}, "outcome", "“No-show” can be recorded from that day."),
        ({"outcome": "reneged", "reason": "x" * 201}, "reason", "at most 200 characters"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    app, cast, data, field, message
):
    nora = candidate(app, "Nora", cast["rita"], TODAY + timedelta(days=20))
    client = signed_in(app, "helen@example.com")
    answer = outcome_page(client, f"/hr/people/{nora}/outcome", data)

    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    error = page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    with app.app_context():
        assert db.session.scalar(select(CandidateOutcome.id)) is None
        outcome_entries = select(AuditEntry.id).where(AuditEntry.action.like("outcome.%"))
        assert db.session.scalar(outcome_entries) is None


def test_the_recruiter_records_for_their_own_candidate_only(app, cast):
    mine = candidate(app, "Mine", cast["rita"], TODAY - timedelta(days=1))
    theirs = candidate(app, "Theirs", cast["bob"], TODAY - timedelta(days=1))
    client = signed_in(app, "rita@example.com")

    page = client.get(f"/recruiter/candidates/{mine}").get_data(as_text=True)
    assert f'href="/recruiter/candidates/{mine}/outcome"' in page
    path = f"/recruiter/candidates/{mine}/outcome"
    answer = outcome_page(client, path, {"outcome": "no_show", "close_account": "y"})
    assert answer.status_code == 302
    assert client.get(f"/recruiter/candidates/{theirs}/outcome").status_code == 404
    with app.app_context():
        row = recording.outcome_of(mine)
        assert row is not None and row.kind is Outcome.NO_SHOW
        assert row.recorded_by_id == cast["rita"]
        # Only HR may close an account: the recruiter's form has no such field.
        assert db.session.get(User, mine).is_active


def test_hr_may_close_the_account_as_they_record_a_renege(app, cast):
    nora = candidate(app, "Nora", cast["rita"], TODAY + timedelta(days=20))
    client = signed_in(app, "helen@example.com")
    path = f"/hr/people/{nora}/outcome"
    assert "Also close their account" in client.get(path).get_data(as_text=True)

    answer = outcome_page(client, path, {"outcome": "reneged", "close_account": "y"})
    assert answer.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Nora’s account is closed: they can no longer sign in." in page
    assert "Also close their account" not in page  # already closed
    with app.app_context():
        assert not db.session.get(User, nora).is_active
        assert recording.outcome_of(nora).kind is Outcome.RENEGED


def test_an_outcome_is_taken_back_before_the_joining_moment_only(app, cast):
    early = candidate(app, "Early", cast["rita"], TODAY + timedelta(days=3))
    late = candidate(app, "Late", cast["rita"], TODAY - timedelta(days=3))
    with app.app_context():
        hr = db.session.get(User, cast["hr"])
        record_outcome(db.session.get(User, early), Outcome.RENEGED, hr)
        record_outcome(db.session.get(User, late), Outcome.NO_SHOW, hr)
        db.session.commit()
    client = signed_in(app, "helen@example.com")

    answer = outcome_page(client, f"/hr/people/{early}/outcome", {"outcome": "none"})
    assert answer.status_code == 302
    answer = outcome_page(client, f"/hr/people/{late}/outcome", {"outcome": "none"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "joining moment has passed: choose what happened instead" in page
    with app.app_context():
        assert recording.outcome_of(early) is None
        assert recording.outcome_of(late).kind is Outcome.NO_SHOW
        cleared = db.session.scalars(
            select(AuditEntry.old_value).where(AuditEntry.action == "outcome.cleared")
        ).all()
    assert cleared == ["Reneged before start"]


def test_the_operation_checks_what_the_api_will_send_it(app, cast):
    nora_id = candidate(app, "Nora", cast["rita"], TODAY + timedelta(days=2))
    with app.app_context():
        staff = db.session.get(User, cast["rita"])
        nora = db.session.get(User, nora_id)
        with pytest.raises(OutcomeError) as refused:
            record_outcome(staff, Outcome.RENEGED, staff)
        assert refused.value.field == "outcome"
        with pytest.raises(OutcomeError) as refused:
            record_outcome(nora, Outcome.JOINED, staff)
        assert refused.value.field == "outcome"
        with pytest.raises(OutcomeError) as refused:
            record_outcome(nora, Outcome.RENEGED, staff, reason="y" * 300)
        assert (refused.value.field, refused.value.message) == (
            "reason",
            "The reason has at most 200 characters (300 now).",
        )
        done = record_outcome(nora, Outcome.RENEGED, staff, reason="   ")  # blank: no reason
        assert done.changed and done.row.kind is Outcome.RENEGED


def _run_outcomes_job(app):
    (ran,) = Worker(app, tuple(job for job in JOBS if job.name == "outcomes")).run_pass()
    assert ran.ran and ran.error is None, ran
    return ran


def test_the_worker_marks_joined_once_the_joining_moment_has_passed_unless_told(app, cast):
    # Joined at 00:00 UTC (09:00 in Tokyo).
    joined = candidate(
        app, "Joined", cast["rita"], TODAY, joining_time=time(9, 0), joining_zone="Asia/Tokyo"
    )
    # Their day, but 09:00 in New York is 13:00 UTC: not yet.
    later = candidate(
        app,
        "Later",
        cast["rita"],
        TODAY,
        joining_time=time(9, 0),
        joining_zone="America/New_York",
    )
    reneged = candidate(app, "Reneged", cast["rita"], TODAY - timedelta(days=2))
    closed = candidate(app, "Closed", cast["rita"], TODAY - timedelta(days=2))
    with app.app_context():
        record_outcome(
            db.session.get(User, reneged), Outcome.RENEGED, db.session.get(User, cast["hr"])
        )
        db.session.get(User, closed).is_active = False
        db.session.commit()

    ran = _run_outcomes_job(app)
    assert ran.summary == "1 candidate(s) marked joined"
    with app.app_context():
        rows = {row.candidate_id: row for row in db.session.scalars(select(CandidateOutcome))}
        assert set(rows) == {joined, reneged}  # not `later`, nor the closed account
        auto = rows[joined]
        assert (auto.outcome, auto.automatic, auto.recorded_by_id) == ("joined", True, None)
        assert auto.facts_until == datetime(2026, 9, 1, 0, 0, tzinfo=UTC)  # the moment
        assert rows[reneged].kind is Outcome.RENEGED  # what HR said stays
    assert later not in rows

    with app.app_context():
        assert recording.mark_joined(NOW) == recording.Marked(0, False, 0)  # once only
    client = signed_in(app, "helen@example.com")
    path = f"/hr/people/{joined}/outcome"
    page = client.get(path).get_data(as_text=True)
    assert "marked by the portal when their joining moment passed" in page
    # Corrected: a no-show after all; the portal's mark is no longer automatic.
    assert outcome_page(client, path, {"outcome": "no_show"}).status_code == 302
    with app.app_context():
        row = recording.outcome_of(joined)
        assert (row.outcome, row.automatic, row.recorded_by_id) == ("no_show", False, cast["hr"])
        changed = db.session.execute(
            select(AuditEntry.old_value, AuditEntry.new_value).where(
                AuditEntry.action == "outcome.changed"
            )
        ).one()
    assert tuple(changed) == ("Joined (marked by the portal)", "No-show")


def test_an_automatic_joined_is_taken_back_when_the_joining_moves_later(app, cast):
    moved = candidate(app, "Moved", cast["rita"], TODAY - timedelta(days=1))
    _run_outcomes_job(app)
    with app.app_context():
        assert recording.outcome_of(moved) is not None
        db.session.get(User, moved).profile.joining_date = TODAY + timedelta(days=7)
        db.session.commit()
    with app.app_context():
        marked = recording.mark_joined(NOW)  # the worker's next run
        db.session.commit()
        assert marked.line() == "1 taken back (joining moved later)"
        assert recording.outcome_of(moved) is None


def test_the_job_works_in_batches_and_says_when_more_are_due(app, cast):
    for n in range(5):
        candidate(app, f"Past{n}", cast["rita"], TODAY - timedelta(days=n + 1))
    with app.app_context():
        marked = recording.mark_joined(NOW, batch=2)
        db.session.commit()
        assert (marked.joined, marked.more) == (2, True)
        assert marked.line() == "2 candidate(s) marked joined, more next run"
        # The soonest-joined first: the two that joined longest ago.
        first = db.session.scalars(select(CandidateOutcome.joining_date)).all()
        assert sorted(first) == [TODAY - timedelta(days=5), TODAY - timedelta(days=4)]
        assert recording.mark_joined(NOW, batch=2).more is True
        assert recording.mark_joined(NOW, batch=2) == recording.Marked(1, False, 0)


def test_the_command_marks_every_candidate_due_at_once(app, cast):
    for n in range(3):
        candidate(app, f"Past{n}", cast["rita"], TODAY - timedelta(days=n + 1))
    candidate(app, "Future", cast["rita"], TODAY + timedelta(days=3))
    done = app.test_cli_runner().invoke(args=["outcomes", "mark-joined"])
    assert done.exit_code == 0, done.output
    assert done.output == "Marked 3 candidate(s) joined.\n"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CandidateOutcome)) == 3
