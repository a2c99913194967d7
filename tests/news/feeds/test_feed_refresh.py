"""Refreshing feeds against a real HTTP server on loopback: every failure ends with the right
outcome, a plain-words error for HR, back-off, and the feed's earlier entries intact."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.news.feeds import jobs as feed_jobs
from portal.news.feeds import refresh
from portal.news.feeds.refresh import Status, adaptive_interval, backoff
from portal.news.models import Feed, FeedEntry
from tests.feed_server import feed_server  # noqa: F401 - the fixture

DEADLINE = 1.5  # seconds a whole fetch may take in these tests


def rss(*items: tuple[str, str], ttl: int | None = None, encoding: str = "utf-8") -> bytes:
    """An RSS document of (guid, title) items, a day apart, newest first."""
    newest = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<link>https://news.example.com/{guid}</link>"
        f"<pubDate>{newest - timedelta(days=n):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        f"<description>&lt;p&gt;{title}&lt;/p&gt;</description></item>"
        for n, (guid, title) in enumerate(items)
    )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>Company news</title><link>https://news.example.com/</link>{ttl_tag}"
        f"{body}</channel></rss>"
    ).encode(encoding)


FIRST_ITEMS = [("a", "New office opening in Lyon"), ("b", "Engineering blog: how we test")]
FIRST = rss(*FIRST_ITEMS)


@pytest.fixture
def app(make_app):
    return make_app(
        PORTAL_FEEDS_ALLOW_PRIVATE={"127.0.0.1"}, PORTAL_FEEDS_DEADLINE_SECONDS=DEADLINE
    )


def add_feed(url: str, name: str = "News", **fields) -> int:
    feed = Feed(name=name, url=url, next_check_at=utcnow() - timedelta(minutes=1), **fields)
    db.session.add(feed)
    db.session.commit()
    return feed.id


def entries(feed_id: int) -> list[tuple[int, str, str]]:
    query = select(FeedEntry).where(FeedEntry.feed_id == feed_id).order_by(FeedEntry.id)
    return [(row.id, row.title, row.summary_html) for row in db.session.scalars(query)]


def test_first_fetch_stores_then_304_changes_nothing(app_ctx, feed_server):  # noqa: F811
    url = feed_server.conditional("/feed.xml", FIRST, etag='"v1"')
    feed_id = add_feed(url)
    now = utcnow()
    first = feed_jobs.refresh_feed(feed_id, now)
    assert (first.status, first.new) == (Status.UPDATED, 2)
    feed = db.session.get(Feed, feed_id)
    assert feed.etag == '"v1"' and feed.title == "Company news" and feed.last_success_at == now
    stored = entries(feed_id)
    assert [title for _, title, _ in stored] == [
        "New office opening in Lyon",
        "Engineering blog: how we test",
    ]

    later = now + timedelta(hours=1)
    second = feed_jobs.refresh_feed(feed_id, later)
    assert second.status == Status.UNCHANGED and second.new == 0
    assert feed_server.requests[-1].headers["if-none-match"] == '"v1"'
    feed = db.session.get(Feed, feed_id)
    assert feed.last_success_at == later and feed.error_count == 0
    assert feed.next_check_at == later + timedelta(seconds=feed.interval_seconds)
    assert entries(feed_id) == stored


def test_an_edited_entry_is_updated_in_place(app_ctx, feed_server):  # noqa: F811
    url = feed_server.static("/feed.xml", FIRST)
    feed_id = add_feed(url)
    feed_jobs.refresh_feed(feed_id, utcnow())
    before = {title: entry_id for entry_id, title, _ in entries(feed_id)}
    edited = rss(("a", "New office opening in Lyon in January"), FIRST_ITEMS[1])
    feed_server.static("/feed.xml", edited)
    outcome = feed_jobs.refresh_feed(feed_id, utcnow())
    assert (outcome.status, outcome.new, outcome.updated) == (Status.UPDATED, 0, 1)
    after = {title: entry_id for entry_id, title, _ in entries(feed_id)}
    assert after == {
        "New office opening in Lyon in January": before["New office opening in Lyon"],
        "Engineering blog: how we test": before["Engineering blog: how we test"],
    }


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<rss version="2.0"><channel><title>&c;</title><item><title>&c;</title></item>'
    b"</channel></rss>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title></item>'
    b"</channel></rss>"
)


def _failure_routes(server, path):
    """name → (register the failing route on `path`, words expected in the error)."""
    return {
        "server error": (lambda: server.static(path, b"oops", status=500), "500"),
        "hanging": (lambda: server.hang(path, seconds=30), "took longer than"),
        "dripping": (lambda: server.drip(path, FIRST, interval=0.2), "took longer than"),
        "gzip bomb": (lambda: server.gzip_bomb(path), "larger than"),
        "50 MB": (lambda: server.stream(path, total_bytes=50 * 1024 * 1024), "larger than"),
        "redirect to a private address": (
            lambda: server.redirect(path, "http://169.254.169.254/latest/meta-data/"),
            "not allowed",
        ),
        "entity expansion": (lambda: server.static(path, BILLION_LAUGHS), "entities"),
        "external entity": (lambda: server.static(path, EXTERNAL_ENTITY), "entities"),
        "invalid XML": (
            lambda: server.static(path, b"<rss><channel><title>broken</chan"),
            "",
        ),
        "not a feed": (
            lambda: server.static(path, b"<html><body>Sign in</body></html>"),
            "",
        ),
    }


FAILURES = list(_failure_routes(None, "").keys())


@pytest.mark.parametrize("case", FAILURES)
def test_a_failure_keeps_earlier_entries_and_backs_off(app_ctx, feed_server, case):  # noqa: F811
    url = feed_server.conditional("/feed.xml", FIRST, etag='"v1"')
    feed_id = add_feed(url)
    feed_jobs.refresh_feed(feed_id, utcnow())
    before = entries(feed_id)
    etag = db.session.get(Feed, feed_id).etag
    register, words = _failure_routes(feed_server, "/feed.xml")[case]
    register()

    now = utcnow()
    started = time.monotonic()
    outcome = feed_jobs.refresh_feed(feed_id, now)
    assert time.monotonic() - started < DEADLINE + 2
    assert outcome.status == Status.FAILED
    feed = db.session.get(Feed, feed_id)
    assert feed.error_count == 1 and feed.last_error == outcome.error and feed.enabled
    assert words.lower() in feed.last_error.lower()
    assert feed.last_error[0].isupper() and feed.last_error.endswith(".")  # a sentence for HR
    assert "Traceback" not in feed.last_error and "Exception" not in feed.last_error
    assert now + timedelta(minutes=15) <= feed.next_check_at <= now + timedelta(minutes=16.5)
    assert feed.last_error_at == now and feed.last_success_at < now
    assert feed.etag == etag  # the validators of the stored document are kept
    assert entries(feed_id) == before


def test_retry_after_is_honoured(app_ctx, feed_server):  # noqa: F811
    feed_id = add_feed(feed_server.static("/feed.xml", FIRST))
    feed_jobs.refresh_feed(feed_id, utcnow())
    before = entries(feed_id)
    feed_server.retry_after("/feed.xml", status=503, value="7200")
    now = utcnow()
    outcome = feed_jobs.refresh_feed(feed_id, now)
    assert outcome.status == Status.FAILED and "wait" in outcome.error
    feed = db.session.get(Feed, feed_id)
    assert feed.next_check_at >= now + timedelta(seconds=7199)
    assert entries(feed_id) == before


def test_errors_back_off_exponentially_but_never_disable_the_feed(app_ctx, feed_server):  # noqa: F811
    feed_id = add_feed(feed_server.static("/feed.xml", b"down", status=500))
    now = utcnow()
    waits = []
    for _ in range(10):
        feed_jobs.refresh_feed(feed_id, now)
        feed = db.session.get(Feed, feed_id)
        waits.append(feed.next_check_at - now)
    assert feed.error_count == 10 and feed.enabled
    assert waits[0] >= timedelta(minutes=15) and waits[1] >= timedelta(minutes=30)
    assert waits[2] >= timedelta(hours=1) and all(w <= timedelta(hours=24) for w in waits)
    assert waits[-1] == timedelta(hours=24)
    feed_server.static("/feed.xml", FIRST)
    assert feed_jobs.refresh_feed(feed_id, now).status == Status.UPDATED
    feed = db.session.get(Feed, feed_id)
    assert feed.error_count == 0 and feed.last_error  # the last error stays on record


def test_a_rejected_document_is_fetched_again_even_if_unchanged(app_ctx, feed_server):  # noqa: F811
    feed_id = add_feed(feed_server.static("/feed.xml", BILLION_LAUGHS))
    assert feed_jobs.refresh_feed(feed_id, utcnow()).status == Status.FAILED
    assert feed_jobs.refresh_feed(feed_id, utcnow()).status == Status.FAILED  # not "unchanged"
    assert db.session.get(Feed, feed_id).error_count == 2


@pytest.mark.parametrize("encoding", ["windows-1251", "utf-16"])
def test_other_encodings_are_stored_correctly(app_ctx, feed_server, encoding):  # noqa: F811
    body = rss(("r1", "Новый офис в Лионе"), ("r2", "Как мы тестируем"), encoding=encoding)
    feed_id = add_feed(feed_server.static("/feed.xml", body, headers={"Content-Type": "text/xml"}))
    assert feed_jobs.refresh_feed(feed_id, utcnow()).new == 2
    assert [title for _, title, _ in entries(feed_id)] == ["Новый офис в Лионе", "Как мы тестируем"]


def test_repeated_guids_become_distinct_entries(app_ctx, feed_server):  # noqa: F811
    body = rss(("same", "First news"), ("same", "Second news"), ("same", "Third news"))
    feed_id = add_feed(feed_server.static("/feed.xml", body))
    assert feed_jobs.refresh_feed(feed_id, utcnow()).new == 3
    assert feed_jobs.refresh_feed(feed_id, utcnow() + timedelta(hours=1)).status == Status.UNCHANGED
    assert len(entries(feed_id)) == 3


def test_several_feeds_at_once_one_failing(app_ctx, feed_server):  # noqa: F811
    ok_ids = [
        add_feed(feed_server.static(f"/ok{n}.xml", rss((f"g{n}", f"News {n}"))), name=f"Ok {n}")
        for n in range(3)
    ]
    bad_id = add_feed(feed_server.static("/bad.xml", b"no", status=500), name="Broken")
    slow_id = add_feed(feed_server.hang("/slow.xml", seconds=30), name="Slow")
    not_due = add_feed(feed_server.static("/later.xml", FIRST), name="Later")
    db.session.get(Feed, not_due).next_check_at = utcnow() + timedelta(hours=1)
    off = add_feed(feed_server.static("/off.xml", FIRST), name="Off", enabled=False)
    db.session.commit()
    seen = []
    started = time.monotonic()
    summary = feed_jobs.refresh_due(utcnow(), workers=4, progress=seen.append)
    assert time.monotonic() - started < DEADLINE + 2  # the slow feed did not hold up the rest
    assert summary.line() == "5 feeds: 3 updated (3 new entries), 0 unchanged, 2 failed"
    assert len(seen) == 5
    by_id = {outcome.feed_id: outcome for outcome in summary.outcomes}
    assert {by_id[i].status for i in ok_ids} == {Status.UPDATED}
    assert by_id[bad_id].status == by_id[slow_id].status == Status.FAILED
    assert not_due not in by_id and off not in by_id
    assert all(len(entries(i)) == 1 for i in ok_ids)


def test_one_feeds_bug_does_not_stop_the_others(app_ctx, feed_server, monkeypatch):  # noqa: F811
    good = add_feed(feed_server.static("/good.xml", FIRST), name="Good")
    bad = add_feed(feed_server.static("/bad.xml", rss(("x", "Boom"))), name="Bad")
    real_store = refresh.store_entries

    def exploding(feed, parsed, now):
        if feed.name == "Bad":
            raise RuntimeError("a bug")
        return real_store(feed, parsed, now)

    monkeypatch.setattr(refresh, "store_entries", exploding)
    summary = feed_jobs.refresh_due(utcnow())
    assert summary.line() == "2 feeds: 1 updated (2 new entries), 0 unchanged, 1 failed"
    feed = db.session.get(Feed, bad)
    assert feed.error_count == 1 and "internal error" in feed.last_error
    assert entries(bad) == [] and len(entries(good)) == 2


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def hours_apart(*hours: float) -> list[datetime]:
    return [NOW - timedelta(hours=h) for h in hours]


def test_the_interval_follows_how_often_a_feed_publishes():
    def interval(published, ttl=None, current=3600):
        return adaptive_interval(published, NOW, ttl_minutes=ttl, current=current)

    assert interval(hours_apart(0, 4, 8, 12)) == timedelta(hours=2)  # half the gap
    assert interval(hours_apart(0, 0.1, 0.2, 0.3)) == timedelta(minutes=15)  # at least 15 min
    assert interval(hours_apart(0, 72, 144)) == timedelta(hours=24)  # at most a day
    assert interval(hours_apart(20, 21, 22)) == timedelta(hours=10)  # gone quiet: slower
    assert interval(hours_apart(0, 1, 2), ttl=180) == timedelta(hours=3)  # never below the TTL
    assert interval(hours_apart(0, 1, 2), ttl=10_000) == timedelta(hours=24)
    assert interval([], current=7200) == timedelta(hours=2)  # nothing to learn from yet
    assert interval([NOW], current=60) == timedelta(minutes=15)


def test_backoff_bounds():
    assert timedelta(minutes=15) <= backoff(1) <= timedelta(minutes=16.5)
    assert timedelta(hours=2) <= backoff(4) <= timedelta(hours=2.2)
    assert backoff(50) == timedelta(hours=24)


def test_a_ttl_from_the_feed_sets_the_interval(app_ctx, feed_server):  # noqa: F811
    feed_id = add_feed(feed_server.static("/feed.xml", rss(("a", "A"), ("b", "B"), ttl=600)))
    now = utcnow()
    feed_jobs.refresh_feed(feed_id, now)
    feed = db.session.get(Feed, feed_id)
    assert feed.ttl_minutes == 600 and feed.interval_seconds >= 600 * 60
    assert feed.next_check_at == now + timedelta(seconds=feed.interval_seconds)


def test_refresh_and_list_commands(app, feed_server):  # noqa: F811
    with app.app_context():
        add_feed(feed_server.static("/feed.xml", FIRST), name="News")
        add_feed(feed_server.static("/down.xml", b"", status=500), name="Down")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["feeds", "refresh"])
    assert result.exit_code == 0, result.output
    assert "2 feeds: 1 updated (2 new entries), 0 unchanged, 1 failed" in result.output
    assert "Down: The server answered 500 Internal Server Error." in result.output
    again = runner.invoke(args=["feeds", "refresh"])
    assert "0 feeds: 0 updated (0 new entries), 0 unchanged, 0 failed" in again.output
    forced = runner.invoke(args=["feeds", "refresh", "--all"])
    assert "2 feeds: 0 updated (0 new entries), 1 unchanged, 1 failed" in forced.output

    listed = runner.invoke(args=["feeds", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    exported = json.loads(listed.output)
    assert [item["title"] for item in exported] == [
        "New office opening in Lyon",
        "Engineering blog: how we test",
    ]
    first = exported[0]
    assert first["feed"] == "News" and first["link"] == "https://news.example.com/a"
    assert first["published"] == "2026-11-20T09:00:00+00:00"
    assert first["summary_html"] == "<p>New office opening in Lyon</p>"

    status = runner.invoke(args=["feeds", "status"])
    assert "errors in a row: 2" in status.output and "500 Internal Server Error" in status.output
