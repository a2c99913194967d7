"""A candidate's outcome page in German (issue 14): the form, its refusals and what is said
after saving in the reader's language, while the audit log keeps the outcome in English (a
record, read by HR in every language) and the page's history says it in the reader's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import AuditEntry, Role, User
from tests import support

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def nora(app):
    """Helen (HR, reading German) and Nora, who joins in 20 days."""
    with app.app_context():
        helen = support.make_staff(Role.HR, "helen@example.com", "Helen HR")
        helen.language = "de"
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        user = support.make_candidate(
            "nora@example.com", rita, name="Nora Nowak", zone="UTC", joining_date=NOW.date()
        )
        user.candidate_profile.joining_date = NOW.date() + timedelta(days=20)
        db.session.commit()
        return user.id


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_hr_records_a_renege_in_german_and_the_log_keeps_english(app, nora):
    client = app.test_client()
    assert support.sign_in(client, "helen@example.com").status_code == 302
    path = f"/hr/people/{nora}/outcome"
    page = client.get(path).get_data(as_text=True)
    assert "Was aus dem Angebot an Nora Nowak geworden ist" in page
    assert "Noch keines." in page and "Was ist aus dem Angebot geworden?" in page
    assert "Vor Antritt abgesagt" in page and "Die Person hat vor dem ersten Arbeitstag" in page

    refused = support.post_form(client, path, {"outcome": "joined"})
    assert refused.status_code == 422
    said = _text(refused.get_data(as_text=True))
    assert "„Angetreten“ kann ab diesem Tag erfasst werden." in said
    # The joining day in the sentence is a German date.
    assert "Nora Nowak fängt am Montag, 21. September 2026 an" in said

    saved = support.post_form(client, path, {"outcome": "reneged", "reason": "Gegenangebot"})
    assert saved.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Gespeichert: Vor Antritt abgesagt." in page
    text = _text(page)
    assert "Vor Antritt abgesagt , erfasst von Helen HR am" in text
    assert "Nie als gefährdet markiert." in text
    history = page.split('id="history-heading"', 1)[1]
    assert "erfasst, was aus einem Angebot geworden ist · Ergebnis" in history
    assert "<td>Vor Antritt abgesagt</td>" in history and "Reneged" not in history
    with app.app_context():
        recorded = db.session.scalars(
            select(AuditEntry.new_value).where(
                AuditEntry.action == "outcome.recorded", AuditEntry.field == "outcome"
            )
        ).one()
        assert recorded == "Reneged before start"


def test_the_same_outcome_reads_english_for_an_english_reader(app, nora):
    with app.app_context():
        helen = db.session.scalars(select(User).where(User.email == "helen@example.com")).one()
        helen.language = "en"
        db.session.commit()
    client = app.test_client()
    assert support.sign_in(client, "helen@example.com").status_code == 302
    path = f"/hr/people/{nora}/outcome"
    assert support.post_form(client, path, {"outcome": "reneged"}).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Saved: Reneged before start." in page
    assert "<td>Reneged before start</td>" in page.split('id="history-heading"', 1)[1]
