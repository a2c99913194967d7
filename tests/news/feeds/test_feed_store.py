"""Storing entries: stable keys, edits updated in place, curation kept, sanitised on the way in,
one query for the existing entries; the demo samples through parse → sanitise → store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.core.extensions import db
from portal.news.feeds.store import entry_keys, store_entries
from portal.news.feeds.types import ParsedEntry, ParsedFeed
from portal.news.models import Feed, FeedEntry

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def entry(n: int, **fields) -> ParsedEntry:
    values = {
        "guid": f"guid-{n}",
        "link": f"https://news.example.com/{n}",
        "title": f"Item {n}",
        "author": "Comms",
        "summary": f"<p>Summary {n}</p>",
        "content": "",
        "published": NOW - timedelta(hours=n),
        "updated": None,
    }
    values.update(fields)
    return ParsedEntry(**values)


def document(*entries: ParsedEntry, title: str = "Company news") -> ParsedFeed:
    return ParsedFeed(title=title, link=None, ttl_minutes=None, entries=list(entries))


@pytest.fixture
def feed(app_ctx):
    feed = Feed(name="News", url="https://news.example.com/feed.xml", max_items=20)
    db.session.add(feed)
    db.session.commit()
    return feed


def stored(feed: Feed) -> list[FeedEntry]:
    query = select(FeedEntry).where(FeedEntry.feed_id == feed.id).order_by(FeedEntry.published_at)
    return list(db.session.scalars(query))


def test_keys_use_guid_then_link_then_title_and_date():
    by_guid, by_link, by_title = entry_keys(
        [entry(1), entry(2, guid=None), entry(3, guid=None, link=None)]
    )
    assert len({by_guid, by_link, by_title}) == 3 and len(by_guid) == 64
    # Stable from one document to the next, whatever else changed in the item.
    assert entry_keys([entry(1, title="Edited", summary="new")]) == [by_guid]
    assert entry_keys([entry(2, guid=None, title="Edited")]) == [by_link]


def test_a_repeated_guid_falls_back_so_distinct_items_are_not_merged():
    keys = entry_keys([entry(1, guid="same"), entry(2, guid="same"), entry(3, guid="same")])
    assert len(set(keys)) == 3
    no_guid_same_link = entry_keys(
        [entry(1, guid=None, link="https://x/"), entry(2, guid=None, link="https://x/")]
    )
    assert len(set(no_guid_same_link)) == 2
    # The very same item twice: one key, stored once.
    assert len(set(entry_keys([entry(1), entry(1)]))) == 1


def test_store_adds_then_leaves_unchanged_then_updates_an_edit_in_place(feed):
    report = store_entries(feed, document(entry(1), entry(2)), NOW)
    db.session.commit()
    assert (report.new, report.updated, report.unchanged) == (2, 0, 0)
    assert feed.title == "Company news"
    first_ids = {row.guid: row.id for row in stored(feed)}

    again = store_entries(feed, document(entry(1), entry(2)), NOW + timedelta(hours=1))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)

    later = NOW + timedelta(hours=2)
    edited = store_entries(feed, document(entry(1, title="Item 1, corrected"), entry(2)), later)
    db.session.commit()
    assert (edited.new, edited.updated, edited.unchanged) == (0, 1, 1)
    rows = {row.guid: row for row in stored(feed)}
    assert {guid: row.id for guid, row in rows.items()} == first_ids
    assert rows["guid-1"].title == "Item 1, corrected" and rows["guid-1"].updated_at == later
    assert rows["guid-2"].updated_at is None and rows["guid-2"].last_seen_at == later


def test_curation_is_never_touched_and_entries_never_dropped(feed):
    store_entries(feed, document(entry(1), entry(2)), NOW)
    row = next(r for r in stored(feed) if r.guid == "guid-1")
    row.hidden, row.pinned, row.featured, row.departments = True, True, True, ",sales,"
    db.session.commit()
    store_entries(feed, document(entry(1, summary="<p>Edited</p>")), NOW + timedelta(hours=1))
    db.session.commit()
    rows = {r.guid: r for r in stored(feed)}
    assert set(rows) == {"guid-1", "guid-2"}  # guid-2 left the document, and is kept
    kept = rows["guid-1"]
    assert (kept.hidden, kept.pinned, kept.featured, kept.departments) == (
        True,
        True,
        True,
        ",sales,",
    )
    assert kept.summary_html == "<p>Edited</p>"


def test_repeated_guids_are_stored_as_distinct_entries(feed):
    report = store_entries(
        feed, document(entry(1, guid="x"), entry(2, guid="x"), entry(2, guid="x")), NOW
    )
    assert report.new == 2
    assert [r.title for r in stored(feed)] == ["Item 2", "Item 1"]


def test_only_the_newest_max_items_are_stored(feed):
    feed.max_items = 2
    shuffled = document(entry(3), entry(1), entry(4), entry(2))
    assert store_entries(feed, shuffled, NOW).new == 2
    assert [r.title for r in stored(feed)] == ["Item 2", "Item 1"]


def test_entries_are_sanitised_and_the_raw_html_kept(feed):
    raw = '<p onclick="steal()">Hi<script>alert(1)</script> <a href="/more">more</a></p>'
    store_entries(
        feed,
        document(
            entry(
                1,
                title="<b>Bold</b> &amp; title",
                summary=raw,
                content="<iframe src='https://evil.example'></iframe><p>Body</p>",
                link="javascript:alert(1)",
                published=NOW + timedelta(days=30),
            )
        ),
        NOW,
    )
    row = stored(feed)[0]
    assert row.title == "Bold & title"
    assert "script" not in row.summary_html and "onclick" not in row.summary_html
    assert "https://news.example.com/more" in row.summary_html  # relative links resolved
    assert "iframe" not in row.content_html and "Body" in row.content_html
    assert row.raw_summary == raw
    assert row.link is None  # not http(s)
    assert row.published_at == NOW  # a future date counts from now


def test_existing_entries_are_read_in_one_query(feed, app_ctx):
    store_entries(feed, document(*(entry(n) for n in range(15))), NOW)
    db.session.commit()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        edited = [replace(entry(n), title=f"Edited {n}") for n in range(15)]
        report = store_entries(feed, document(*edited, entry(99)), NOW + timedelta(hours=1))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert (report.new, report.updated) == (1, 15)
    assert len([s for s in statements if "feed_entries" in s]) == 1


def test_samples_are_ingested_through_parse_sanitise_and_store(app_ctx):
    from portal.news.feeds.samples import SAMPLES, load_samples

    reports = load_samples(NOW)
    db.session.commit()
    assert set(reports) == {sample.name for sample, _file in SAMPLES}
    assert all(report.new >= 2 for report in reports.values())
    lyon = db.session.scalars(
        select(FeedEntry).where(FeedEntry.title == "New office opening in Lyon")
    ).one()
    assert lyon.link == "https://news.example.com/2026/lyon-office"
    assert 'href="https://news.example.com/2026/lyon-office#tour"' in lyon.summary_html
    blog = db.session.scalars(select(Feed).where(Feed.name == "Engineering blog")).one()
    assert blog.departments == ",engineering,analytics," and blog.title == "Engineering blog"
    # Loading again adds nothing.
    assert all(report.new == 0 for report in load_samples(NOW).values())
    assert db.session.scalar(select(func.count()).select_from(FeedEntry)) == 7
