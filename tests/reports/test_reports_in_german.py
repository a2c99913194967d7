"""HR's reports in German (issue 14): the words, the charts' summaries and labels, the tables
and the CSV file in the reader's language; counts ("1.003"), shares ("67 %") and months ("Juli
2026") written as a German reader writes them. The CSV file's numbers stay the same in every
language ("66.7%"), so that a file reads the same whoever downloaded it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from portal.core.extensions import db
from portal.outcomes.models import Outcome
from portal.people.models import Role
from tests import support
from tests.reports.test_report_pages import outcome

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
JULY, AUGUST = date(2026, 7, 15), date(2026, 8, 10)
NBSP = "\xa0"  # Babel writes "67 %" with a no-break space in German


@pytest.fixture
def client(make_app):
    """Helen (HR, reading German) and 1,003 outcomes: 1,001 joined, a renege, a no-show."""
    app = make_app(PORTAL_CLOCK=NOW)
    with app.app_context():
        support.make_staff(Role.HR, "helen@example.com", "Helen HR").language = "de"
        rows = [
            outcome(Outcome.JOINED, JULY, department="Engineering", active_weeks=0b1)
            for _ in range(1001)
        ]
        rows += [
            outcome(Outcome.RENEGED, AUGUST, at_risk=True, answers=(1, 1, 0, 1, 0)),
            outcome(Outcome.NO_SHOW, AUGUST, quiet=True),
        ]
        db.session.add_all(rows)
        db.session.commit()
    signed_in = app.test_client()
    assert support.sign_in(signed_in, "helen@example.com").status_code == 302
    return signed_in


def test_the_list_of_reports_counts_in_german(client):
    page = client.get("/hr/reports").get_data(as_text=True)
    assert '<html lang="de"' in page and "<h1>Berichte</h1>" in page
    assert (
        "Bisher 1.003 Angebote mit Ergebnis: 1.001 angetreten, 1 vor Antritt abgesagt, "
        "1 nicht erschienen."
    ) in page
    assert "Absagen und Nichterscheinen" in page and "Kalibrierung der Warnungen" in page


def test_a_report_reads_german_with_german_numbers_and_months(client):
    page = client.get("/hr/reports/reneges?joined_from=2026-07-01").get_data(as_text=True)
    assert "Gezählt werden Angebote mit Eintritt ab 1. Juli 2026." in page
    assert (
        "1.003 Angebote: 1.001 angetreten, 1 vor Antritt abgesagt, 1 nicht erschienen "
        f"(0{NBSP}% verloren, 2 von 1.003)."
    ) in page
    assert '<h2 id="by-department">Nach Abteilung</h2>' in page
    assert (
        'aria-label="Anteil verlorener Angebote nach Abteilung, über 2 Abteilungen; '
        'die Tabelle unten nennt jede Zahl."'
    ) in page
    # The Sales row: both lost, with their counts and the "few" warning in German.
    assert f'100{NBSP}% <span class="muted share-counts">2 von 2, wenige</span>' in page
    assert "Angebote nach Abteilung: Tabelle" in page

    engagement = client.get("/hr/reports/engagement?joined_from=2026-07-01").get_data(as_text=True)
    assert '<th scope="row">Juli 2026</th>' in engagement
    assert ">Jul 26</text>" in engagement and ">Aug 26</text>" in engagement  # the axis
    assert ">8 Wo.</text>" in engagement
    assert "Woche 1 (Tage 1 bis 7 davor)" in engagement
    for english in ("Month by month", "Joined", "offers", "Counting"):
        assert english not in engagement, english


def test_the_csv_file_has_german_words_and_the_same_numbers(client):
    answer = client.get("/hr/reports/reneges.csv?joined_from=2026-07-01")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["Absagen und Nichterscheinen"]
    assert rows[1] == ["Gezählt: Angebote mit Eintritt ab 1. Juli 2026"]
    header = rows.index(
        [
            "Abteilung",
            "Angebote",
            "Angetreten",
            "Vor Antritt abgesagt",
            "Nicht erschienen",
            "Verloren",
        ]
    )
    assert rows[header + 1] == ["Sales", "2", "0", "1", "1", "100.0%"]
    assert rows[header + 2] == ["Engineering", "1001", "1001", "0", "0", "0.0%"]


def test_a_filter_that_cannot_be_read_is_refused_in_german(client):
    answer = client.get("/hr/reports/calibration?joined_from=2026-08-01&joined_until=2026-07-01")
    assert answer.status_code == 422
    error = answer.get_data(as_text=True).split('id="joined_until-error"', 1)[1].split("</p>")[0]
    assert "Der letzte Tag kann nicht vor dem ersten liegen." in error
    calibration = client.get("/hr/reports/calibration?joined_from=2026-07-01").get_data(
        as_text=True
    )
    assert "Ab 7 Tagen nicht gesehen" in calibration
    assert "Präzision und Trefferquote für 7 Regeln; gezählt: 1.003 Angebote" in calibration
