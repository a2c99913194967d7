"""feeds.yaml: errors naming the feed and the field, read with the same validators as HR's form
(importing and exporting: test_feed_transfer.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.core.config import PROJECT_ROOT
from portal.news.feeds import config
from portal.news.feeds.types import FeedConfig

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
            "feed 'Intranet' (#1): url cannot be used: The address must start with https:// or",
        ),
        (
            "- name: A\n  url: https://\n",
            "feed 'A' (#1): url cannot be used: The address must name",
        ),
        (
            "- name: A\n  url: https://me:secret@a.example.com/\n",
            "feed 'A' (#1): url cannot be used: The address must not contain a user name",
        ),
        ("- name: A\n  url: https://a.example.com/a b\n", "url cannot be used: The address cannot"),
        (
            "- name: A\n" + GOOD + "- name: B\n" + GOOD,
            "feed 'B' (#2): url is already used by feed #1",
        ),
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


def test_addresses_are_read_in_the_one_form_of_the_validator():
    (read,) = config.parse("- {name: A, url: 'HTTPS://News.Example.com:443/feed.xml#top'}\n")
    assert read.url == "https://news.example.com/feed.xml"


def test_the_shipped_feeds_file_lists_the_demo_samples():
    from portal.news.feeds.samples import SAMPLES

    assert config.load(PROJECT_ROOT / "feeds.yaml") == [sample for sample, _file in SAMPLES]


def test_the_file_is_named_by_config_or_environment(make_app, monkeypatch, tmp_path):
    assert config.feeds_file_path(make_app()) == PROJECT_ROOT / "feeds.yaml"
    monkeypatch.setenv("PORTAL_FEEDS_FILE", str(tmp_path / "env.yaml"))
    assert config.feeds_file_path(make_app()) == tmp_path / "env.yaml"
    app = make_app(PORTAL_FEEDS_FILE=str(tmp_path / "config.yaml"))
    assert config.feeds_file_path(app) == tmp_path / "config.yaml"
