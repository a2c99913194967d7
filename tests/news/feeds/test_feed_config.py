"""feeds.yaml: errors naming the feed and the field; sync adds, updates and disables feeds
without losing entries; the `feeds sync` command."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.news.feeds import config
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed, FeedEntry

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_a_good_file_reads_with_defaults_and_lower_case_tags(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "- name: Company news\n"
        "  url: https://news.example.com/feed.xml\n"
        "- name: Engineering blog\n"
        "  url: http://blog.example.com/atom\n"
        "  departments: [Engineering, ' Data  Science ', engineering]\n"
        "  locations: Paris\n"
        "  max_items: 5\n"
        "  enabled: false\n"
    )
    assert config.load(path) == [
        FeedConfig(name="Company news", url="https://news.example.com/feed.xml"),
        FeedConfig(
            name="Engineering blog",
            url="http://blog.example.com/atom",
            departments=("engineering", "data science"),
            locations=("paris",),
            max_items=5,
            enabled=False,
        ),
    ]


def test_the_feeds_key_and_an_empty_file_are_accepted():
    assert config.parse("feeds:\n  - {name: A, url: 'https://a.example/'}\n") == [
        FeedConfig(name="A", url="https://a.example/")
    ]
    assert config.parse("") == []
    assert config.parse("feeds:\n") == []


GOOD = "  url: https://a.example.com/feed\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- name: A\n" + GOOD + "- name: Engineering blog\n" + GOOD + "  max_items: 500\n",
            "feed 'Engineering blog' (#2): max_items must be a whole number from 1 to 100",
        ),
        (
            "- name: A\n" + GOOD + "  max_items: '10'\n",
            "feed 'A' (#1): max_items must be a whole number from 1 to 100",
        ),
        ("- name: A\n" + GOOD + "  max_items: true\n", "feed 'A' (#1): max_items"),
        ("- url: https://a.example.com/\n", "feed #1: name is required"),
        ("- name: A\n", "feed 'A' (#1): url is required"),
        (
            "- name: Intranet\n  url: file:///etc/passwd\n",
            "feed 'Intranet' (#1): url must be an http:// or https:// address",
        ),
        ("- name: A\n  url: https://\n", "feed 'A' (#1): url must be an http:// or https://"),
        (
            "- name: A\n" + GOOD + "  enabled: 'no'\n",
            "feed 'A' (#1): enabled must be true or false",
        ),
        (
            "- name: A\n" + GOOD + "  audience: all\n",
            "feed 'A' (#1): audience is not a known field",
        ),
        ("- name: A\n" + GOOD + "  departments: {a: 1}\n", "feed 'A' (#1): departments must be"),
        ("- name: A\n" + GOOD + "  locations: ['a,b']\n", "feed 'A' (#1): locations must be"),
        ("- name: A\n" + GOOD + "- name: a\n" + GOOD, "feed 'a' (#2): name is already used"),
        ("- just a string\n", "feed #1: expected a mapping"),
        ("name: A\n", "unknown top-level key 'name'"),
        ("- name: [unclosed\n", "line 2"),
    ],
)
def test_a_wrong_file_names_the_feed_and_the_field(text, message):
    with pytest.raises(config.FeedsFileError) as raised:
        config.parse(text)
    assert message in str(raised.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(config.FeedsFileError, match="no such file"):
        config.load(tmp_path / "nope.yaml")


def test_the_shipped_feeds_file_lists_the_demo_samples():
    from portal.news.feeds.samples import SAMPLES

    assert config.load(PROJECT_ROOT / "feeds.yaml") == [sample for sample, _file in SAMPLES]


def test_the_file_is_named_by_config_or_environment(make_app, monkeypatch, tmp_path):
    assert config.feeds_file_path(make_app()) == PROJECT_ROOT / "feeds.yaml"
    monkeypatch.setenv("PORTAL_FEEDS_FILE", str(tmp_path / "env.yaml"))
    assert config.feeds_file_path(make_app()) == tmp_path / "env.yaml"
    app = make_app(PORTAL_FEEDS_FILE=str(tmp_path / "config.yaml"))
    assert config.feeds_file_path(app) == tmp_path / "config.yaml"


def _feeds() -> dict[str, Feed]:
    return {feed.name: feed for feed in db.session.scalars(select(Feed))}


def test_sync_adds_updates_and_disables_without_dropping_entries(app_ctx):
    first = [
        FeedConfig(name="News", url="https://news.example.com/feed"),
        FeedConfig(name="Blog", url="https://blog.example.com/feed", departments=("eng",)),
        FeedConfig(name="Old", url="https://old.example.com/feed"),
    ]
    report = config.sync(first, NOW)
    db.session.commit()
    assert (report.added, report.updated, report.disabled) == (["News", "Blog", "Old"], [], [])
    feeds = _feeds()
    assert feeds["Blog"].departments == ",eng," and feeds["News"].departments == ""
    old_id = feeds["Old"].id
    db.session.add(FeedEntry(feed_id=old_id, key="k" * 64, title="Kept"))
    feeds["News"].etag = '"v1"'
    feeds["News"].error_count = 3
    db.session.commit()

    again = config.sync(first, NOW)
    assert (again.added, again.updated, again.disabled) == ([], [], [])

    second = [
        FeedConfig(name="News", url="https://news.example.com/v2/feed"),
        FeedConfig(name="Blog", url="https://blog.example.com/feed", enabled=False, max_items=5),
    ]
    report = config.sync(second, NOW)
    db.session.commit()
    assert (report.added, report.updated, report.disabled) == ([], ["News", "Blog"], ["Old"])
    feeds = _feeds()
    assert feeds["News"].etag is None and feeds["News"].error_count == 0  # a new address
    assert feeds["Blog"].enabled is False and feeds["Blog"].in_config is True
    assert feeds["Blog"].departments == "" and feeds["Blog"].max_items == 5
    assert feeds["Old"].in_config is False
    entries = db.session.scalar(select(func.count()).where(FeedEntry.feed_id == old_id))
    assert entries == 1

    back = config.sync([*second, FeedConfig(name="Old", url="https://old.example.com/feed")], NOW)
    assert back.updated == ["Old"] and _feeds()["Old"].in_config is True


def test_feeds_sync_command(make_app, tmp_path):
    path = tmp_path / "feeds.yaml"
    app = make_app(PORTAL_FEEDS_FILE=str(path))
    runner = app.test_cli_runner()
    path.write_text("- name: News\n  url: https://news.example.com/feed\n")
    result = runner.invoke(args=["feeds", "sync"])
    assert result.exit_code == 0, result.output
    assert "Added: News" in result.output

    path.write_text(
        "- name: News\n  url: https://news.example.com/feed\n"
        "- name: Blog\n  url: https://blog.example.com/feed\n  max_items: 0\n"
    )
    wrong = runner.invoke(args=["feeds", "sync"])
    assert wrong.exit_code == 1
    assert "feed 'Blog' (#2): max_items must be a whole number from 1 to 100" in wrong.output
    assert "Nothing was changed" in wrong.output and "Traceback" not in wrong.output
    with app.app_context():
        assert list(_feeds()) == ["News"]

    path.write_text("[]\n")
    emptied = runner.invoke(args=["feeds", "sync"])
    assert "No longer in the file (kept with their entries, not fetched): News" in emptied.output
