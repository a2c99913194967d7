"""HR's reports in German (issue 14), in Chromium over the demo (a year of past outcomes), at
375 and 1280 pixels: the words, the charts' labels and summaries, the shares ("17 %") and
months ("Dez 25") as a German reader writes them; the charts drawn under the real CSP; no
axe-core finding, no sideways scrolling; and valid HTML by the Nu checker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from tests import browser as tools

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize(
    ("width", "viewport"), [(375, tools.PHONE), (1280, tools.DESKTOP)]
)
SOFIA = "sofia@example.com"  # joins in five weeks: her outcome page has its form


def _hr_in_german(live_server) -> int:
    """HR reads German from now on; Sofia's id."""
    with live_server.app.app_context():
        db.session.scalars(select(User).where(User.email == demo.HR_EMAIL)).one().language = "de"
        db.session.commit()
        return db.session.scalars(select(User.id).where(User.email == SOFIA)).one()


def _signed_in(open_page, **options) -> Page:
    page = open_page(**options)
    tools.sign_in_with_the_form(page, demo.HR_EMAIL)
    expect(page.get_by_role("button", name=re.compile(r"^Abmelden"))).to_be_visible()
    return page


@VIEWPORTS
def test_the_reneges_report_reads_german_with_its_charts(new_page, live_server, width, viewport):
    _hr_in_german(live_server)
    page = _signed_in(new_page, viewport=viewport)  # the real CSP: charts by markup and CSS
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto("/hr/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Berichte")
    expect(page.get_by_text(re.compile(r"^Bisher \d+ Angebote mit Ergebnis:"))).to_be_visible()
    page.get_by_role("link", name="Absagen und Nichterscheinen", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Absagen und Nichterscheinen")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=2, name="Nach Abteilung")).to_be_visible()
    chart = page.get_by_role(
        "img", name=re.compile(r"^Anteil verlorener Angebote nach Abteilung, über \d+ Abteilungen")
    )
    expect(chart.first).to_be_visible()
    # The scale and the shares in German: "0 %", "17 %" (a no-break space before the sign).
    expect(page.locator("svg.chart-svg .chart-tick").first).to_have_text("0\u00a0%")
    expect(page.locator("svg.chart-svg .chart-value").first).to_have_text(
        re.compile(r"^\d+\u00a0% \(\d+ von \d+\)$")
    )
    expect(page.get_by_role("region", name="Angebote nach Abteilung: Tabelle")).to_be_visible()
    body = page.locator("main").inner_text()
    for english in ("Reneged before start", "Share of offers", "Offers by", " of "):
        assert english not in body, english
    tools.assert_fits(page, f"the German reneges report at {width} px", width)
    assert not [text for text in refused if "Content Security Policy" in text], refused


@VIEWPORTS
def test_axe_finds_nothing_on_the_german_reports(new_page, live_server, width, viewport):
    tools.require_axe()
    sofia = _hr_in_german(live_server)
    page = _signed_in(new_page, viewport=viewport, bypass_csp=True)
    for path in (
        "/hr/reports",
        "/hr/reports/reneges",
        "/hr/reports/engagement",
        "/hr/reports/calibration?joined_from=2026-02-01&joined_until=2026-01-01",  # an error
        f"/hr/people/{sofia}/outcome",
    ):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        tools.assert_no_axe_violations(page, f"{path} in German at {width} px")
        tools.assert_fits(page, f"{path} in German", width)


def test_the_german_report_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    sofia = _hr_in_german(live_server)
    client = live_server.client_signed_in(demo.HR_EMAIL)
    documents = {}
    for slug in ("", "/engagement", "/answer-times", "/reneges", "/calibration"):
        answer = client.get(f"/hr/reports{slug}")
        assert answer.status_code == 200, slug
        documents[f"de-reports{slug.replace('/', '-')}"] = answer.get_data(as_text=True)
    wrong = client.get("/hr/reports/reneges?department=Nirgendwo&joined_from=bald")
    assert wrong.status_code == 422
    documents["de-reports-with-errors"] = wrong.get_data(as_text=True)
    documents["de-outcome"] = client.get(f"/hr/people/{sofia}/outcome").get_data(as_text=True)
    assert "Gezählt werden Angebote" in documents["de-reports-reneges"]
    assert "Was aus dem Angebot an Sofia Rossi geworden ist" in documents["de-outcome"]
    tools.assert_valid_html(documents, tmp_path)
