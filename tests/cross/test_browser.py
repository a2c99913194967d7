"""End to end in a real browser: Playwright for Python drives Debian's chromium against the
portal served over HTTP with the demo data, plus axe-core and the Nu HTML checker on its pages.

Needs /usr/bin/chromium, `npm ci --ignore-scripts` (axe-core, vnu-jar) and Java for vnu.jar;
see tests/browser.py for what happens when one is missing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from portal.timeline.models import MilestoneTemplate
from tests import browser as tools
from tests.support import post_form, sign_in

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # joins in 2 days, in Paris, where she lives
ARJUN = demo.CANDIDATES[1]  # joins in 21 days, in London; lives in Kolkata
RECRUITER = "rosa.recruiter@example.com"  # Chloé's recruiter


def joining_instants(spec: demo.DemoCandidate, loaded_between) -> set[datetime]:
    """The joining moment worked out here, not by the portal: the demo counts `joins_in_days`
    from today in the joining zone when it loads (two answers if that straddled midnight)."""
    zone = ZoneInfo(spec.joining_time_zone)
    days: set[date] = {moment.astimezone(zone).date() for moment in loaded_between}
    return {
        datetime.combine(day + timedelta(days=spec.joins_in_days), spec.joining_time, tzinfo=zone)
        for day in days
    }


def acceptable_countdowns(targets, seen_from: datetime, seen_until: datetime) -> set[tuple]:
    """(days, hours) left, floored, for any moment the page may have been rendered at:
    an hour boundary passing while the test runs gives two right answers."""
    answers = set()
    for target in targets:
        most = int((target - seen_from).total_seconds()) // 3600
        fewest = int((target - seen_until).total_seconds()) // 3600
        answers |= {divmod(hours, 24) for hours in range(fewest, most + 1)}
    return answers


def wall_clock(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M %Z}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@pytest.mark.parametrize("spec", [CHLOE, ARJUN], ids=["chloe-2-days", "arjun-21-days"])
def test_candidate_signs_in_reads_the_countdown_and_signs_out(new_page, live_server, spec):
    page = new_page()
    seen_from = datetime.now(UTC)
    tools.sign_in_with_the_form(page, spec.email)

    expect(page).to_have_url(f"{live_server.url}/candidate/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {spec.name.split()[0]}")
    countdown = page.locator("#countdown")
    expect(countdown).to_be_visible()
    values = countdown.locator(".countdown-value").all_inner_texts()
    seen_until = datetime.now(UTC)
    assert len(values) == 3 and all(v.isdigit() for v in values), f"countdown reads {values}"
    days, hours, minutes = map(int, values)
    targets = joining_instants(spec, live_server.loaded_between)
    expected = acceptable_countdowns(targets, seen_from, seen_until)
    assert (days, hours) in expected, (
        f"the page counts {days} days {hours} hours to {sorted(targets)}; expected one of "
        f"{sorted(expected)}"
    )
    shown = " ".join(countdown.locator(".countdown-running").inner_text().split())
    assert (
        shown == f"{plural(days, 'day')} {plural(hours, 'hour')} {plural(minutes, 'minute')} to go"
    )

    # The moment itself, in the candidate's own zone (and the workplace's if different).
    when = " ".join(page.locator(".joining-when").inner_text().split())
    assert any(wall_clock(t, spec.time_zone) in when for t in targets), when
    if spec.time_zone != spec.joining_time_zone:
        at_work = (f"{wall_clock(t, spec.joining_time_zone)} at the workplace" for t in targets)
        assert any(text in when for text in at_work), when

    page.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page).to_have_url(f"{live_server.url}/sign-in")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    expect(page.get_by_role("button", name=re.compile(r"^Sign out"))).to_have_count(0)

    page.goto("/candidate/")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/sign-in") + r"(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#countdown")).to_have_count(0)


def test_pages_fit_a_375px_wide_phone(new_page):
    page = new_page(viewport=tools.PHONE)
    page.goto("/sign-in")
    tools.assert_fits(page, "the sign-in page")

    tools.sign_in_with_the_form(page, CHLOE.email)
    countdown = page.locator("#countdown")
    expect(countdown).to_be_visible()
    expect(countdown.locator(".countdown-value")).to_have_count(3)
    tools.assert_fits(page, "the candidate home")
    box = countdown.bounding_box()
    edge = tools.PHONE["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= edge, box


@pytest.mark.parametrize(
    "screen",
    ["recruiter-home", "recruiter-candidate", "hr-engagement", "hr-candidate-activity"],
)
def test_engagement_pages_fit_a_375px_wide_phone(new_page, live_server, screen):
    """The dashboards turn into one card per candidate; nothing scrolls sideways."""
    page = tools.signed_in(new_page, PAGES[screen].email, viewport=tools.PHONE)
    page.goto(demo_path(live_server, PAGES[screen].path))
    expect(page.get_by_role("heading", level=1)).to_have_text(PAGES[screen].heading)
    tools.assert_fits(page, screen)
    for locator in (page.locator(".dashboard-row"), page.locator(".activity-item")):
        for index in range(locator.count()):
            box = locator.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0, box
            assert box["x"] + box["width"] <= tools.PHONE["width"], f"{screen}: {box}"


def test_sign_in_by_keyboard_alone(new_page, live_server):
    page = new_page()
    page.goto("/sign-in")
    skip_link = page.get_by_role("link", name="Skip to main content")
    in_order = [
        skip_link,
        page.get_by_role("link", name="Pre-boarding portal"),  # the site's name, in the header
        page.get_by_label("Email"),
        page.get_by_label("Password", exact=True),
        page.get_by_role("checkbox", name="Keep me signed in on this device for 30 days"),
        page.get_by_role("button", name="Sign in"),
    ]
    for step, target in enumerate(in_order, start=1):
        page.keyboard.press("Tab")
        expect(target, f"Tab number {step}").to_be_focused()
        if target is skip_link:  # off-screen until focused, then it must show
            box = skip_link.bounding_box()
            assert box is not None and box["x"] >= 0 and box["y"] >= 0, box

    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(CHLOE.email)
    page.keyboard.press("Tab")
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/candidate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Chloé")

    # The skip link works: it moves the focus to the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_content_security_policy_blocks_injected_scripts(new_page):
    """Why the axe tests need bypass_csp: an inline script never runs under script-src 'self'."""
    page = new_page()
    response = page.goto("/sign-in")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true;")
    assert page.evaluate("() => window.injected === undefined")


def test_axe_reports_what_it_finds(new_page):
    """The accessibility tests can fail: a field stripped of its label is caught."""
    page = new_page(bypass_csp=True)
    page.goto("/sign-in")
    page.locator("label[for=email]").evaluate("label => label.remove()")
    violations = tools.run_axe(page)
    assert "label" in {violation["id"] for violation in violations}, violations
    assert "#email" in tools.describe_violations(violations)


class Screen(NamedTuple):
    """A page to check: who signs in first (None: nobody), where, its main heading, and
    whether its form is sent empty first so that the error messages are on the page."""

    email: str | None
    path: str
    heading: str
    send_empty: bool = False
    status: int = 200
    button: str = "Add candidate"  # what sends the form, when send_empty


PAGES = {
    "sign-in": Screen(None, "/sign-in", "Sign in"),
    "candidate-home": Screen(CHLOE.email, "/candidate/", "Hello, Chloé"),
    "recruiter-home": Screen(RECRUITER, "/recruiter/", "My candidates"),
    "hr-people": Screen(demo.HR_EMAIL, "/hr/", "People"),
    "hr-add-candidate": Screen(demo.HR_EMAIL, "/hr/candidates/new", "Add a candidate"),
    "hr-add-candidate-errors": Screen(
        demo.HR_EMAIL, "/hr/candidates/new", "Add a candidate", send_empty=True, status=422
    ),
    "hr-add-staff": Screen(demo.HR_EMAIL, "/hr/staff/new", "Add a recruiter or HR colleague"),
    "hr-timeline": Screen(demo.HR_EMAIL, "/hr/timeline", "Timeline"),
    "hr-timeline-add": Screen(demo.HR_EMAIL, "/hr/timeline/new", "Add a milestone or a task"),
    "candidate-news": Screen(CHLOE.email, "/candidate/news", "News"),
    # The checklist (the demo's tasks) for the candidate, her recruiter and HR; announcements.
    "candidate-checklist": Screen(CHLOE.email, "/candidate/checklist", "Things to do"),
    "recruiter-checklist": Screen(
        RECRUITER, "/recruiter/candidates/{chloe}/checklist", "Chloé Dubois's checklist"
    ),
    "hr-checklist": Screen(
        demo.HR_EMAIL, "/hr/people/{chloe}/checklist", "Chloé Dubois's checklist"
    ),
    "hr-announcements": Screen(demo.HR_EMAIL, "/hr/news/announcements", "Announcements"),
    "hr-announcement-new": Screen(
        demo.HR_EMAIL, "/hr/news/announcements/new", "Write an announcement"
    ),
    "candidate-emails": Screen(CHLOE.email, "/candidate/email-preferences", "Email settings"),
    "hr-news-feeds": Screen(demo.HR_EMAIL, "/hr/news", "News feeds"),
    "hr-news-entries": Screen(demo.HR_EMAIL, "/hr/news/entries", "News entries"),
    "hr-news-preview": Screen(demo.HR_EMAIL, "/hr/news/preview", "News preview"),
    "hr-unsent-mail": Screen(demo.HR_EMAIL, "/hr/mail/parked", "Mail that could not be sent"),
    # Webhooks (with endpoints, a secret and a delivery log: tests/webhooks/test_webhooks.py).
    "hr-webhooks": Screen(demo.HR_EMAIL, "/hr/webhooks", "Webhooks"),
    "hr-webhooks-new": Screen(demo.HR_EMAIL, "/hr/webhooks/new", "Register a webhook endpoint"),
    "hr-webhooks-new-errors": Screen(
        demo.HR_EMAIL,
        "/hr/webhooks/new",
        "Register a webhook endpoint",
        send_empty=True,
        status=422,
        button="Register endpoint",
    ),
    "api-tokens": Screen(RECRUITER, "/account/api-tokens", "API tokens"),
    # Engagement: "{arjun}" is filled in with his id (see demo_path).
    "recruiter-candidate": Screen(
        "ravi.recruiter@example.com", "/recruiter/candidates/{arjun}", ARJUN.name
    ),
    "hr-engagement": Screen(demo.HR_EMAIL, "/hr/engagement", "Engagement"),
    "hr-candidate-activity": Screen(
        demo.HR_EMAIL, "/hr/people/{arjun}/activity", f"{ARJUN.name}’s activity"
    ),
    # A milestone's own page ("{milestone}": the demo's first template milestone, see demo_path),
    # and the public "What we record and why" (the pulse form: tests/engagement/test_pulse.py).
    "candidate-milestone": Screen(
        CHLOE.email, "/candidate/timeline/{milestone}", demo.TIMELINE[0].title
    ),
    "what-we-record": Screen(None, "/what-we-record", "What we record and why"),
    "not-found": Screen(None, "/no-such-page", "Page not found", status=404),
}


def demo_path(live_server, path: str) -> str:
    """The path with "{arjun}" (any demo candidate's first name) replaced by their id."""
    with live_server.app.app_context():
        ids = {
            spec.email.split("@")[0]: db.session.scalars(
                select(User.id).where(User.email == spec.email)
            ).one()
            for spec in demo.CANDIDATES
        }
        ids["milestone"] = db.session.scalars(
            select(MilestoneTemplate.id).where(MilestoneTemplate.title == demo.TIMELINE[0].title)
        ).one()
    return path.format(**ids)


@pytest.mark.parametrize("name", PAGES)
def test_no_accessibility_violations(new_page, live_server, name):
    screen = PAGES[name]
    tools.require_axe()
    page = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    if screen.email:
        tools.sign_in_with_the_form(page, screen.email)
        expect(page.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()
    response = page.goto(demo_path(live_server, screen.path))
    assert response is not None
    assert response.status == (200 if screen.send_empty else screen.status)
    if screen.send_empty:
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            page.get_by_role("button", name=screen.button, exact=True).click()
        assert sent.value.status == screen.status
        expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
        expect(page.locator(".error-message").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(screen.heading)

    tools.assert_no_axe_violations(page, f"{name} ({screen.path})")


def test_pages_are_valid_html(live_server, tmp_path):
    tools.require_vnu()  # before building anything: skip (or fail on CI) early
    documents = {}
    for name, screen in PAGES.items():
        client = live_server.app.test_client()
        if screen.email:
            assert sign_in(client, screen.email, demo.DEMO_PASSWORD).status_code == 302
        if screen.send_empty:
            response = post_form(client, screen.path, {})
        else:
            response = client.get(demo_path(live_server, screen.path))
        assert response.status_code == screen.status, name
        html = response.get_data(as_text=True)
        assert f">{screen.heading}</h1>" in html, f"{name}: no <h1>{screen.heading}</h1>"
        if screen.send_empty:
            assert 'class="error-message"' in html, f"{name}: no error messages"
        documents[name] = html

    tools.assert_valid_html(documents, tmp_path)


# --- The countdown, kept ticking by static/countdown.js ------------------------------------------

# The browser's clock is set years off: the page must trust the server's data-server-now instead.
WRONG_CLIENT_CLOCK = datetime(2001, 1, 1, 12, 0, tzinfo=UTC)


def countdown_parts(milliseconds: int) -> tuple[int, int, int]:
    """(days, hours, minutes) left, floored, as the server and the script both count them."""
    days, rest = divmod(milliseconds // 1000, 86_400)
    return days, rest // 3_600, rest % 3_600 // 60


def countdown_sentence(parts: tuple[int, int, int]) -> str:
    days, hours, minutes = parts
    return (
        f"{plural(days, 'day')}, {plural(hours, 'hour')} and {plural(minutes, 'minute')} "
        "until your first day"
    )


def listen_to_console(page: Page) -> list[str]:
    """Errors, and any message about the Content-Security-Policy, seen while the page runs."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def open_home_with_a_paused_wrong_clock(page: Page, live_server, email: str) -> int:
    """Sign in with Playwright's fake clock installed and paused (only run_for and
    fast_forward move it); return the milliseconds left according to the page's attributes."""
    page.clock.install(time=WRONG_CLIENT_CLOCK)
    page.clock.pause_at(WRONG_CLIENT_CLOCK + timedelta(seconds=1))
    tools.sign_in_with_the_form(page, email)
    expect(page).to_have_url(f"{live_server.url}/candidate/")
    page.wait_for_load_state("load")
    countdown = page.locator("#countdown")
    # The deferred script has read the clock: only then may the test move it.
    expect(page.locator("#countdown[data-countdown-live]")).to_have_count(1)
    joins_at = datetime.fromisoformat(countdown.get_attribute("data-joins-at") or "")
    server_now = datetime.fromisoformat(countdown.get_attribute("data-server-now") or "")
    return int((joins_at - server_now).total_seconds() * 1000)


def test_the_countdown_ticks_while_the_page_is_open(new_page, live_server):
    page = new_page()  # the real CSP stays on
    problems = listen_to_console(page)
    left = open_home_with_a_paused_wrong_clock(page, live_server, CHLOE.email)
    countdown = page.locator("#countdown")
    joins_at = datetime.fromisoformat(countdown.get_attribute("data-joins-at") or "")
    assert joins_at in joining_instants(CHLOE, live_server.loaded_between)
    assert joins_at.utcoffset() in {timedelta(hours=1), timedelta(hours=2)}  # Paris, CET/CEST
    values = countdown.locator(".countdown-value")
    sentence = countdown.locator("[data-countdown-sentence]")

    def shows(milliseconds_left: int) -> None:
        parts = countdown_parts(milliseconds_left)
        expect(values).to_have_text([str(number) for number in parts])
        expect(sentence).to_have_text(countdown_sentence(parts))
        expect(countdown.locator("time.countdown-parts")).to_have_attribute(
            "datetime", "P{}DT{}H{}M".format(*parts)
        )

    # On load the script agrees with the server, though the browser thinks it is 2001.
    shows(left)
    before = countdown_parts(left)

    # Just past the next whole minute: one minute less, without a reload.
    step = left % 60_000 + 100
    page.clock.run_for(step)
    left -= step
    shows(left)
    days, hours, minutes = countdown_parts(left)
    assert (days * 24 + hours) * 60 + minutes == (before[0] * 24 + before[1]) * 60 + before[2] - 1

    # A long jump, like a laptop lid closed for two days: 90 seconds left, "1 minute".
    page.clock.fast_forward(left - 90_000)
    left = 90_000
    shows(left)
    expect(countdown.locator(".countdown-running")).to_contain_text("1 minute to go")

    # Across the moment: the "begun" line replaces the numbers, and never negative time.
    page.clock.run_for(91_000)
    done = countdown.locator(".countdown-done")
    expect(done).to_be_visible()
    expect(done).to_have_text("Your first day has begun. Welcome aboard!")
    expect(countdown.locator(".countdown-running")).to_be_hidden()
    expect(sentence).to_be_hidden()
    expect(countdown.locator(".countdown-note")).to_be_hidden()
    page.clock.run_for("02:00:00")
    assert "-" not in countdown.inner_text()
    assert all(int(number) >= 0 for number in values.all_text_contents())
    expect(done).to_be_visible()
    assert problems == [], problems


def test_without_javascript_the_server_countdown_is_shown_and_right(new_page, live_server):
    page = new_page(java_script=False)
    seen_from = datetime.now(UTC).replace(microsecond=0)
    tools.sign_in_with_the_form(page, ARJUN.email)
    expect(page).to_have_url(f"{live_server.url}/candidate/")
    seen_until = datetime.now(UTC)
    countdown = page.locator("#countdown")
    expect(countdown.locator(".countdown-running")).to_be_visible()
    joins_at = datetime.fromisoformat(countdown.get_attribute("data-joins-at") or "")
    server_now = datetime.fromisoformat(countdown.get_attribute("data-server-now") or "")
    assert joins_at in joining_instants(ARJUN, live_server.loaded_between)
    assert seen_from <= server_now <= seen_until
    parts = countdown_parts(int((joins_at - server_now).total_seconds() * 1000))
    assert parts[0] in {ARJUN.joins_in_days - 1, ARJUN.joins_in_days}
    expect(countdown.locator(".countdown-value")).to_have_text([str(n) for n in parts])
    running = " ".join(countdown.locator(".countdown-running").inner_text().split())
    days, hours, minutes = parts
    assert running == (
        f"{plural(days, 'day')} {plural(hours, 'hour')} {plural(minutes, 'minute')} to go"
    )
    expect(countdown.locator("[data-countdown-sentence]")).to_have_text(countdown_sentence(parts))
    expect(countdown.locator(".countdown-done")).to_be_hidden()


def test_no_accessibility_violations_once_the_first_day_has_begun(new_page, live_server):
    tools.require_axe()
    page = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    left = open_home_with_a_paused_wrong_clock(page, live_server, CHLOE.email)
    page.clock.fast_forward(left + 1_000)
    expect(page.locator("#countdown .countdown-done")).to_be_visible()
    page.clock.resume()  # axe.run waits on timers: a paused clock would hang it
    tools.assert_no_axe_violations(page)


@pytest.mark.parametrize("width", [640, 320], ids=["200%-zoom", "400%-zoom"])
def test_the_countdown_reflows_when_zoomed(new_page, width):
    """A 1280px-wide window zoomed to 200% lays pages out 640 CSS px wide (400%: 320)."""
    page = new_page(viewport={"width": width, "height": 480})
    tools.sign_in_with_the_form(page, CHLOE.email)
    parts = page.locator("#countdown .countdown-part")
    expect(parts).to_have_count(3)
    for box in (parts.nth(i).bounding_box() for i in range(3)):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    tools.assert_fits(page, "the candidate home", width)
