"""HR's reports and a candidate's outcome page in Chromium, over the demo (a year of past
outcomes): readable at 375 px without sideways scrolling and at 1280 px, no axe-core finding,
valid HTML, the charts drawn under the real Content-Security-Policy.

With PORTAL_SCREENSHOTS set to a folder, the report pages are also saved there as PNG files
(docs/screenshots/ holds the ones the README shows):

    PORTAL_SCREENSHOTS=docs/screenshots pytest tests/reports/test_reports_browser.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from tests import browser as tools
from tests.support import post_form, sign_in

pytestmark = pytest.mark.browser

REPORTS = {
    "engagement": "Engagement over time",
    "answer-times": "Answer time against the promise",
    "reneges": "Reneges and no-shows",
    "calibration": "Calibration of the warnings",
}
SOFIA = "sofia@example.com"  # joins in five weeks: a renege can be recorded


def _screenshot(page, name: str) -> None:
    """Save the whole page when PORTAL_SCREENSHOTS names a folder: 256 colours, a third of
    the size, still sharp (pages are flat colours and text)."""
    folder = os.environ.get("PORTAL_SCREENSHOTS")
    if not folder:
        return
    from PIL import Image

    Path(folder).mkdir(parents=True, exist_ok=True)
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    flat = shot.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    flat.save(Path(folder) / f"{name}.png", optimize=True)


@pytest.mark.parametrize(("width", "viewport"), [(375, tools.PHONE), (1280, tools.DESKTOP)])
def test_every_report_reads_well_at_phone_and_desktop_widths(new_page, width, viewport):
    # The real CSP: the charts are drawn by markup and the stylesheet alone.
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=viewport)
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto("/hr/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_text("offers with an outcome so far")).to_be_visible()
    for slug, title in REPORTS.items():
        page.get_by_role("link", name=title, exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        charts = page.locator("svg.chart-svg")
        expect(charts.first).to_be_visible()
        box = charts.first.bounding_box()
        assert box is not None and box["width"] >= min(300, width - 60), (slug, box)
        # Bars or lines were drawn, styled from the stylesheet (not black by default).
        mark = page.locator("svg.chart-svg .chart-bar, svg.chart-svg .chart-line").first
        colour = mark.evaluate("node => getComputedStyle(node).stroke")
        assert colour not in ("none", "rgb(0, 0, 0)"), (slug, colour)
        if width == 375:
            tools.assert_fits(page, f"{slug} at 375 px")
        _screenshot(page, f"report-{slug}-{width}")
        page.goto("/hr/reports")
    assert not [text for text in refused if "Content Security Policy" in text], refused


@pytest.mark.parametrize("viewport", [tools.PHONE, tools.DESKTOP], ids=["375", "1280"])
def test_axe_finds_nothing_on_the_reports_and_the_outcome_page(new_page, live_server, viewport):
    with live_server.app.app_context():
        sofia = db.session.scalars(select(User).where(User.email == SOFIA)).one().id
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=viewport, bypass_csp=True)
    for path in [
        "/hr/reports",
        *(f"/hr/reports/{slug}" for slug in REPORTS),
        "/hr/reports/calibration?joined_from=2026-02-01&joined_until=2026-01-01",  # an error
        f"/hr/people/{sofia}/outcome",
    ]:
        page.goto(path)
        tools.assert_no_axe_violations(page, path)
        if viewport is tools.PHONE:
            tools.assert_fits(page, path)


def test_hr_records_a_renege_on_a_phone(new_page, live_server):
    with live_server.app.app_context():
        sofia = db.session.scalars(select(User).where(User.email == SOFIA)).one().id
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=tools.PHONE)
    page.goto(f"/hr/people/{sofia}")
    page.get_by_role("link", name="Outcome", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What became of Sofia Rossi’s offer")
    page.get_by_role("button", name="Save").click()  # nothing chosen
    expect(page.locator("#outcome-error")).to_contain_text("Choose what became of the offer.")
    page.get_by_label("Reneged before start").check()
    page.get_by_label("Reason (optional)").fill("Accepted a counter-offer")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: Reneged before start.")
    expect(page.locator(".details")).to_contain_text("Reneged before start, recorded by")
    expect(page.get_by_role("table")).to_contain_text("Accepted a counter-offer")
    tools.assert_fits(page, "the outcome page")
    _screenshot(page, "outcome-page-375")


def test_report_and_outcome_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()
    client = live_server.app.test_client()
    assert sign_in(client, demo.HR_EMAIL, demo.DEMO_PASSWORD).status_code == 302
    with live_server.app.app_context():
        sofia = db.session.scalars(select(User).where(User.email == SOFIA)).one().id
    documents = {}
    for slug in ["", *(f"/{slug}" for slug in REPORTS)]:
        answer = client.get(f"/hr/reports{slug}")
        assert answer.status_code == 200, slug
        documents[f"reports{slug.replace('/', '-')}"] = answer.get_data(as_text=True)
    wrong = client.get("/hr/reports/reneges?department=Nowhere&joined_from=soon")
    assert wrong.status_code == 422
    documents["reports-with-errors"] = wrong.get_data(as_text=True)
    path = f"/hr/people/{sofia}/outcome"
    documents["outcome"] = client.get(path).get_data(as_text=True)
    refused = post_form(client, path, {"outcome": "joined", "reason": "x" * 300})
    assert refused.status_code == 422
    documents["outcome-with-errors"] = refused.get_data(as_text=True)
    tools.assert_valid_html(documents, tmp_path)
