"""HR's news entries at any size (issue 11): newest first, 50 a page with an "older" link,
filtered by feed, state and words of the title; bad filter values are explained on the page;
the curation buttons come back to the same page; a fixed number of SQL statements and a light
page with more than a thousand entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, insert, select

from portal.core.extensions import db
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role
from tests import list_pages
from tests.list_pages import BUDGET, MAX_BYTES, queries
from tests.support import make_staff, post_form, sign_in

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PAGE = 50
_ROW = re.compile(r'<tr id="entry-(\d+)">')


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def feeds(app):
    with app.app_context():
        make_staff(Role.HR, "helen@example.com", "Helen HR")
        made = [
            Feed(name=name, url=f"https://news.example.com/{name}.xml")
            for name in ("Company", "Engineering", "Sales")
        ]
        db.session.add_all(made)
        db.session.commit()
        return [feed.id for feed in made]


@pytest.fixture
def hr(app, feeds):
    client = app.test_client()
    assert sign_in(client, "helen@example.com").status_code == 302
    return client


def insert_entries(app, feeds: list[int], count: int) -> None:
    """`count` more entries in one bulk insert, spread over the feeds. Three in a row share a
    publication time (so the id decides between them) and times do not follow the order of
    insertion; one in seven is hidden, one in 11 pinned, one in 13 featured."""
    with app.app_context():
        first = (db.session.scalar(select(func.count(FeedEntry.id))) or 0) + 1
        rows = [
            {
                "feed_id": feeds[n % len(feeds)],
                "key": f"key-{n}",
                "link": f"https://news.example.com/item/{n}",
                "title": f"Item {n:05d}: the company news of the week, with a longer title",
                "published_at": NOW - timedelta(minutes=n // 3 * 7919 % 20011),
                "first_seen_at": NOW - timedelta(days=1),
                "last_seen_at": NOW,
                "hidden": n % 7 == 0,
                "pinned": n % 11 == 0,
                "featured": n % 13 == 0,
            }
            for n in range(first, first + count)
        ]
        db.session.execute(insert(FeedEntry), rows)
        db.session.commit()


def expected(app, keep=lambda entry: True) -> list[int]:
    """Every entry's id that `keep` accepts, newest first, then the highest id first."""
    with app.app_context():
        entries = [e for e in db.session.scalars(select(FeedEntry)) if keep(e)]
    return [e.id for e in sorted(entries, key=lambda e: (e.published_at, e.id), reverse=True)]


def listed(page: str) -> list[int]:
    return [int(found) for found in _ROW.findall(page)]


def older_link(page: str) -> str | None:
    return list_pages.next_link(page, "Older")


def every_page(client, path: str) -> list[list[int]]:
    return list_pages.every_page(client, path, listed, "Older")


def ids_of(client, path: str) -> list[int]:
    return [i for ids in every_page(client, path) for i in ids]


def test_fifty_a_page_newest_first_and_older_pages_without_overlap_or_gap(app, feeds, hr):
    insert_entries(app, feeds, 1020)
    first = hr.get("/hr/news/entries").get_data(as_text=True)
    assert len(listed(first)) == PAGE
    link = older_link(first)
    assert link is not None and link.startswith("/hr/news/entries?before=")
    second = hr.get(link).get_data(as_text=True)
    assert len(listed(second)) == PAGE and 'href="/hr/news/entries">Newest</a>' in second

    pages = every_page(hr, "/hr/news/entries")
    assert [len(ids) for ids in pages] == [PAGE] * 20 + [20]
    assert [i for ids in pages for i in ids] == expected(app)  # no overlap, no gap, in order


def test_filters_and_search_narrow_the_entries(app, feeds, hr):
    insert_entries(app, feeds, 1000)
    with app.app_context():
        for title in ("Up 50% this year", "snake_case names", "Plain news"):
            db.session.add(FeedEntry(feed_id=feeds[0], key=title, title=title, published_at=NOW))
        db.session.commit()
    sales = feeds[2]
    assert ids_of(hr, f"/hr/news/entries?feed={sales}") == expected(
        app, lambda e: e.feed_id == sales
    )
    assert ids_of(hr, "/hr/news/entries?state=hidden") == expected(app, lambda e: e.hidden)
    assert ids_of(hr, "/hr/news/entries?state=shown") == expected(app, lambda e: not e.hidden)
    assert ids_of(hr, "/hr/news/entries?state=pinned") == expected(app, lambda e: e.pinned)
    featured_sales = expected(app, lambda e: e.featured and e.feed_id == sales)
    assert ids_of(hr, f"/hr/news/entries?feed={sales}&state=featured") == featured_sales
    assert 0 < len(featured_sales) < 50
    # The filters stay on the older page's link.
    link = older_link(hr.get(f"/hr/news/entries?feed={sales}&state=shown").get_data(as_text=True))
    assert f"feed={sales}" in link and "state=shown" in link

    # Search: part of the title, any case, wildcards taken literally.
    some = ids_of(hr, "/hr/news/entries?q=ITEM+001")
    assert some == expected(app, lambda e: "item 001" in e.title.lower())
    assert 50 < len(some) < 1000
    assert _titles(hr, "/hr/news/entries?q=%25") == ["Up 50% this year"]
    assert _titles(hr, "/hr/news/entries?q=_") == ["snake_case names"]
    nothing = hr.get("/hr/news/entries?q=no+such+title").get_data(as_text=True)
    assert listed(nothing) == [] and "No entries match these filters." in nothing


def _titles(client, path: str) -> list[str]:
    page = client.get(path).get_data(as_text=True)
    rows = re.findall(r'<tr id="entry-\d+">\s*<th scope="row">(.*?)\n', page)
    return [unescape(re.sub(r"<[^>]+>", "", row)) for row in rows]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("feed=not-a-number", "Choose a feed from the list."),
        ("state=archived", "Choose shown, hidden, pinned or featured, or any."),
        ("q=" + "x" * 101, "Search for at most 100 characters."),
    ],
)
def test_a_bad_filter_is_explained_and_left_out_while_the_others_apply(
    app, feeds, hr, bad, message
):
    insert_entries(app, feeds, 60)
    good, keep = "state=hidden", lambda e: e.hidden
    if bad.startswith("state"):
        good, keep = f"feed={feeds[1]}", lambda e: e.feed_id == feeds[1]
    answer = hr.get(f"/hr/news/entries?{bad}&{good}")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Some filters could not be used and were left out" in page and message in page
    assert listed(page) == expected(app, keep)
    assert 0 < len(listed(page)) < 60


def test_unknown_feeds_are_404_and_cursors_past_the_end_find_nothing(app, feeds, hr):
    insert_entries(app, feeds, 60)
    assert hr.get("/hr/news/entries?feed=999999").status_code == 404
    for cursor in ("99999999999999999999", "999999"):
        past = hr.get(f"/hr/news/entries?before={cursor}")
        assert past.status_code == 200 and listed(past.get_data(as_text=True)) == []
        assert "No older entries" in past.get_data(as_text=True)
    assert (
        listed(hr.get("/hr/news/entries?before=abc").get_data(as_text=True))
        == (expected(app)[:PAGE])
    )


def test_a_curation_button_comes_back_to_the_same_page_of_the_same_list(app, feeds, hr):
    insert_entries(app, feeds, 200)
    path = f"/hr/news/entries?feed={feeds[0]}&state=shown"
    second_path = older_link(hr.get(path).get_data(as_text=True))
    second = hr.get(second_path).get_data(as_text=True)
    entry_id = listed(second)[3]
    row = second.split(f'id="entry-{entry_id}"')[1].split("</tr>")[0]
    hide = re.search(r'<button type="submit" form="curation" formaction="([^"]+)"[^>]*>Hide', row)
    action = unescape(hide.group(1))
    assert f"flag=hidden&value=1&feed={feeds[0]}" in action
    answer = post_form(hr, action, {}, form_url=second_path)
    assert answer.status_code == 302
    back = answer.headers["Location"]
    assert back.startswith("/hr/news/entries?") and back.endswith(f"#entry-{entry_id}")
    assert f"feed={feeds[0]}" in back and "state=shown" in back
    assert re.search(r"before=\d+", back).group(0) in second_path
    with app.app_context():
        assert db.session.get(FeedEntry, entry_id).hidden is True


def test_a_fixed_number_of_queries_and_a_light_page_at_a_thousand_entries(app, feeds, hr):
    insert_entries(app, feeds, 60)
    paths = [
        "/hr/news/entries",
        f"/hr/news/entries?feed={feeds[1]}&state=shown&q=item",
        "/hr/news/entries?state=hidden",
    ]
    hr.get("/hr/news/entries")
    small = {}
    for path in paths:
        small[path], page = queries(app, hr, path)
        link = older_link(page)
        small[path + " older"] = queries(app, hr, link)[0] if link else None
    insert_entries(app, feeds, 1000)
    for path in paths:
        count, page = queries(app, hr, path)
        assert count == small[path], path
        assert count <= BUDGET, (path, count)
        assert len(page.encode()) < MAX_BYTES, (path, len(page.encode()))
        if small[path + " older"] is not None:
            later, later_page = queries(app, hr, older_link(page))
            assert later == small[path + " older"] and len(later_page.encode()) < MAX_BYTES


@pytest.mark.browser
def test_the_list_passes_axe_and_the_html_checker_with_filters_errors_and_pages(
    make_app, browser, tmp_path
):
    def seed(app) -> list[str]:
        with app.app_context():
            feed = Feed(name="Bulk", url="https://news.example.com/bulk.xml")
            db.session.add(feed)
            db.session.commit()
            feed_id = feed.id
        insert_entries(app, [feed_id], 120)
        newest = expected(app)
        return [
            "/hr/news/entries?feed=x&state=archived&q=" + "x" * 101,
            "/hr/news/entries?q=no+such+title",
            f"/hr/news/entries?before={newest[PAGE - 1]}",
            f"/hr/news/entries?feed={feed_id}&state=shown&q=item",
        ]

    def hide_one(page) -> None:
        """A curation button (outside the one form it submits) works in a real browser."""
        from playwright.sync_api import expect

        second = page.locator("tbody tr").nth(1)
        # The link's own text (its hidden "(opens in a new tab)" follows in a span).
        title = second.locator("th a").evaluate("link => link.firstChild.textContent")
        second.get_by_role("button", name=re.compile(r"^Hide")).click()
        expect(page.get_by_text(f"“{title}” is hidden from candidates.")).to_be_visible()
        assert "state=shown" in page.url and "#entry-" in page.url
        expect(page.locator("tbody tr th a", has_text=title)).to_have_count(0)  # not shown now

    list_pages.check_in_a_browser(make_app, browser, tmp_path, seed, hide_one)
