"""The layout every page shares, in Chromium: one content width for every page (the .wrap
container), and styles that do not block rendering without moving what is above the fold
(static/portal.css draws the first screen; static/portal-rest.css arrives later, by
static/styles.js, or by its <noscript> link without JavaScript)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from portal.demo import load as demo
from tests import browser as tools
from tests.cross.test_browser import CHLOE, RECRUITER, demo_path

pytestmark = pytest.mark.browser

LATER_STYLES = re.compile(r"/static/portal-rest\.[0-9a-f]{10}\.css$")

# (who, page): the candidate's home and news, staff lists, a person's record and timeline,
# the candidate's profile and a confirmation.
WIDTH_PAGES = [
    (CHLOE.email, "/candidate/"),
    (CHLOE.email, "/candidate/news"),
    (CHLOE.email, "/candidate/profile"),
    (RECRUITER, "/recruiter/"),
    (demo.HR_EMAIL, "/hr/"),
    (demo.HR_EMAIL, "/hr/engagement"),
    (demo.HR_EMAIL, "/hr/team"),
    (demo.HR_EMAIL, "/hr/news/entries"),
    (demo.HR_EMAIL, "/hr/people/{arjun}"),
    (demo.HR_EMAIL, "/hr/people/{arjun}/timeline"),
    (demo.HR_EMAIL, "/hr/reports"),
    (None, "/what-we-record"),
]

# The first screens worth keeping still: each audience's home, the news and the sign-in page.
FIRST_SCREENS = [
    (None, "/sign-in"),
    (CHLOE.email, "/candidate/"),
    (CHLOE.email, "/candidate/news"),
    (RECRUITER, "/recruiter/"),
    (demo.HR_EMAIL, "/hr/"),
]

# Where every element of the header and main content is, for those (partly) in the first
# screen: [index in document order, what it is, x, y, width, visible height], in whole pixels.
BOXES = """() => {
  const fold = window.innerHeight;
  const found = [];
  document.querySelectorAll("header *, main *").forEach((element, index) => {
    const box = element.getBoundingClientRect();
    if (box.top < fold && (box.width || box.height)) {
      const visible = Math.min(box.bottom, fold) - box.top;
      found.push([index, element.tagName + "." + element.className,
                  ...[box.x, box.y, box.width, visible].map(Math.round)]);
    }
  });
  return found;
}"""


def _open(new_page, live_server, email: str | None, viewport: dict) -> Page:
    if email:
        return tools.signed_in(new_page, email, viewport=viewport)
    return new_page(viewport=viewport)


def test_every_page_has_the_same_content_width(new_page, live_server):
    """At 1280 px every page's main column is the one .wrap width, whatever it holds."""
    widths: dict[str, float] = {}
    pages: dict[str | None, Page] = {}
    for email, path in WIDTH_PAGES:
        if email not in pages:
            pages[email] = _open(new_page, live_server, email, tools.DESKTOP)
        page = pages[email]
        page.goto(demo_path(live_server, path))
        box = page.locator("main").bounding_box()
        header = page.locator(".header-row").bounding_box()
        assert box is not None and header is not None, path
        assert (round(header["x"]), round(header["width"])) == (
            round(box["x"]),
            round(box["width"]),
        ), f"{path}: the header and the content are not aligned"
        widths[f"{path} ({email})"] = round(box["width"])
    assert len(set(widths.values())) == 1, widths
    assert next(iter(widths.values())) < tools.DESKTOP["width"]  # a column, not the window


@pytest.mark.parametrize("viewport", [tools.PHONE, tools.DESKTOP], ids=["phone", "desktop"])
def test_the_first_screen_does_not_move_when_the_rest_of_the_styles_arrive(
    new_page, live_server, viewport
):
    """Each page drawn with portal.css alone (portal-rest.css held back) and then whole: every
    element above the fold is where it was. A failure names the elements that moved: their
    rules belong in portal.css."""
    problems = []
    for email, path in FIRST_SCREENS:
        first = _open(new_page, live_server, email, viewport)

        held: list[str] = []
        first.route(LATER_STYLES, _holding_back(held))
        first.goto(demo_path(live_server, path))
        assert held, f"{path}: portal-rest.css was not asked for"
        before = {box[0]: box for box in first.evaluate(BOXES)}

        whole = _open(new_page, live_server, email, viewport)
        whole.goto(demo_path(live_server, path))
        expect(whole.locator("link[data-later-styles]")).to_have_attribute("media", "all")
        after = {box[0]: box for box in whole.evaluate(BOXES)}
        moved = [
            f"{after[index][1]} {before[index][2:]} -> {after[index][2:]}"
            for index in sorted(set(before) & set(after))
            if _apart(before[index], after[index])
        ] + [
            f"{(before.get(index) or after[index])[1]} only "
            + ("without" if index in before else "with")
            + " portal-rest.css"
            for index in sorted(set(before) ^ set(after))
        ]
        if moved:
            where = f"{path} ({email}) at {viewport['width']} px"
            problems.append(f"{where}:\n  " + "\n  ".join(moved[:12]))
    assert problems == [], "\n".join(problems)


def _holding_back(held: list[str]) -> Callable[[Route], None]:
    """A route handler that never lets portal-rest.css arrive, noting that it was asked for."""

    def hold_back(route: Route) -> None:
        held.append(route.request.url)
        route.abort()

    return hold_back


def _apart(one: list, other: list) -> bool:
    return any(abs(a - b) > 2 for a, b in zip(one[2:], other[2:], strict=True))


def test_without_javascript_the_rest_of_the_styles_still_apply(new_page, live_server):
    page = new_page(viewport=tools.PHONE, java_script=False)
    page.goto("/what-we-record")
    # .record-item is styled only by portal-rest.css: a line under each item.
    border = page.locator(".record-item").first.evaluate(
        "element => getComputedStyle(element).borderBottomStyle"
    )
    assert border == "solid"
    with_script = new_page(viewport=tools.PHONE)
    with_script.goto("/what-we-record")
    expect(with_script.locator("link[data-later-styles]")).to_have_attribute("media", "all")
    assert (
        with_script.locator(".record-item").first.evaluate(
            "element => getComputedStyle(element).borderBottomStyle"
        )
        == "solid"
    )
