"""feeds.yaml as import and export: `flask --app portal feeds import` by the conflict rule (a
feed is matched by its address; one changed in the portal since its last import is skipped and
listed unless --overwrite; feeds missing from the file are left alone unless --prune), and
`feeds export`, which the import reads back as the same settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.news.feeds import config, settings, transfer
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed, FeedEntry
from portal.people import audit
from portal.people.models import AuditEntry, Role
from tests.support import make_staff

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

FILE = """\
feeds:
  - name: Company news
    url: https://news.example.com/feed.xml
  - name: Engineering blog
    url: https://engineering.example.com/feed.atom
    departments: [Engineering, analytics]
  - name: London office
    url: https://news.example.com/london/feed.xml
    locations: [london]
    max_items: 10
"""


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def import_file(runner, tmp_path, text: str, *options: str):
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["feeds", "import", str(path), *options])
    assert "Traceback" not in result.output
    return result


def stored(app) -> dict[str, Feed]:
    with app.app_context():
        feeds = {feed.name: feed for feed in db.session.scalars(select(Feed))}
        db.session.expunge_all()
        return feeds


def hr_edits(app, name: str, **changes) -> None:
    """HR changes a feed in the portal, through the same operation as the form, a minute after
    the import."""
    with app.app_context():
        hr = make_staff(Role.HR, f"hr.{name.split()[0].lower()}@example.com", "Helen HR")
        feed = db.session.scalar(select(Feed).where(Feed.name == name))
        from dataclasses import replace

        later = NOW + timedelta(minutes=1)
        settings.change(hr, feed, replace(settings.settings_of(feed), **changes), later)
        db.session.commit()


def test_an_import_adds_the_feeds_and_audits_each(app, runner, tmp_path):
    result = import_file(runner, tmp_path, FILE)
    assert result.exit_code == 0, result.output
    assert "Read 3 feeds from" in result.output
    assert "Added: Company news, Engineering blog, London office" in result.output
    feeds = stored(app)
    assert feeds["Engineering blog"].departments == ",engineering,analytics,"
    assert feeds["London office"].max_items == 10 and feeds["London office"].locations == ",london,"
    assert all(feed.imported_at == NOW and feed.next_check_at == NOW for feed in feeds.values())
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert [audit.describe(row.action) for row in rows] == [
            "added a news feed from a feeds file"
        ] * 3
        assert all(row.actor_id is None for row in rows)

    again = import_file(runner, tmp_path, FILE)
    assert "Already as in the file: Company news, Engineering blog, London office" in again.output
    assert "Added" not in again.output and "Updated" not in again.output


def test_the_file_updates_feeds_nobody_changed_in_the_portal(app, runner, tmp_path):
    import_file(runner, tmp_path, FILE)
    with app.app_context():
        feed = db.session.scalar(select(Feed).where(Feed.name == "Company news"))
        feed.etag, feed.error_count = '"v1"', 2
        db.session.commit()
    changed = FILE.replace(
        "news.example.com/feed.xml\n",
        "news.example.com/feed.xml\n    max_items: 5\n    enabled: false\n",
        1,
    )
    result = import_file(runner, tmp_path, changed)
    assert "Updated: Company news" in result.output and "Skipped" not in result.output
    feed = stored(app)["Company news"]
    assert feed.max_items == 5 and not feed.enabled
    assert feed.etag == '"v1"'  # the same address: its fetch state stays
    with app.app_context():
        lines = [
            (audit.describe(r.action), r.field, r.old_value, r.new_value)
            for r in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "feed.import_updated")
            )
        ]
    assert lines == [
        ("changed a news feed from a feeds file", "max_items", "20", "5"),
        ("changed a news feed from a feeds file", "enabled", "True", "False"),
    ]


def test_a_feed_changed_in_the_portal_is_a_conflict_unless_overwrite(app, runner, tmp_path):
    import_file(runner, tmp_path, FILE)
    hr_edits(app, "Engineering blog", departments=("engineering",), max_items=3)
    # The file still says what it said: the portal's change is kept, and said to be.
    result = import_file(runner, tmp_path, FILE.replace("max_items: 10", "max_items: 12"))
    assert result.exit_code == 0
    assert "Updated: London office" in result.output
    assert "Skipped (1 conflict; they were not changed):" in result.output
    assert (
        "“Engineering blog” (https://engineering.example.com/feed.atom): changed in the portal on "
        "2026-12-01 12:01 UTC, after it was last imported; the file differs in departments, "
        "max_items. Kept as the portal has it (--overwrite takes the file's settings)."
    ) in result.output
    blog = stored(app)["Engineering blog"]
    assert blog.departments == ",engineering," and blog.max_items == 3

    dry = import_file(runner, tmp_path, FILE, "--overwrite", "--dry-run")
    assert "(dry run)" in dry.output and "Updated: Engineering blog" in dry.output
    assert stored(app)["Engineering blog"].max_items == 3

    forced = import_file(runner, tmp_path, FILE, "--overwrite")
    assert "Updated: Engineering blog" in forced.output and "Skipped" not in forced.output
    blog = stored(app)["Engineering blog"]
    assert blog.departments == ",engineering,analytics," and blog.max_items == 20
    assert blog.imported_at == NOW and not settings.changed_in_portal_since_import(blog)
    assert blog.settings_changed_at is None  # HR's change is settled by the import


def test_a_feed_made_in_the_portal_is_matched_by_its_address(app, runner, tmp_path):
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        settings.add(hr, FeedConfig(name="News", url="https://news.example.com/feed.xml"), NOW)
        db.session.commit()
    text = "- {name: Company news, url: 'HTTPS://NEWS.example.com/feed.xml#top'}\n"
    result = import_file(runner, tmp_path, text)
    assert (
        "“Company news” (https://news.example.com/feed.xml): changed in the portal" in result.output
    )
    assert "differs in name" in result.output
    assert list(stored(app)) == ["News"]
    same = import_file(
        runner, tmp_path, "- {name: News, url: 'https://news.example.com/feed.xml'}\n"
    )
    assert "Already as in the file: News" in same.output  # and it counts as imported now
    assert not settings.changed_in_portal_since_import(stored(app)["News"])


def test_a_name_taken_by_a_feed_at_another_address_is_always_a_conflict(app, runner, tmp_path):
    import_file(runner, tmp_path, FILE)
    moved = FILE.replace(
        "https://news.example.com/feed.xml", "https://news.example.com/v2/feed.xml"
    )
    result = import_file(runner, tmp_path, moved, "--overwrite")
    assert (
        "“Company news” (https://news.example.com/v2/feed.xml): the portal already has a feed "
        "called “Company news”, at https://news.example.com/feed.xml. If that feed moved, change "
        "its address in the portal; otherwise rename one of the two."
    ) in result.output
    assert stored(app)["Company news"].url == "https://news.example.com/feed.xml"


def test_feeds_missing_from_the_file_are_left_alone_unless_prune(app, runner, tmp_path):
    import_file(runner, tmp_path, FILE)
    with app.app_context():
        feed_id = db.session.scalar(select(Feed.id).where(Feed.name == "London office"))
        db.session.add(FeedEntry(feed_id=feed_id, key="k", title="Kept"))
        db.session.commit()
    shorter = FILE.split("  - name: London office")[0]
    left = import_file(runner, tmp_path, shorter)
    assert "Turned off" not in left.output and stored(app)["London office"].enabled
    pruned = import_file(runner, tmp_path, shorter, "--prune")
    assert "Turned off (not in the file; kept with their entries): London office" in pruned.output
    assert not stored(app)["London office"].enabled
    with app.app_context():
        assert db.session.scalar(select(func.count(FeedEntry.id))) == 1
        row = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert audit.describe(row.action) == "turned off a news feed the feeds file no longer lists"


def test_a_wrong_file_changes_nothing_and_says_where(app, runner, tmp_path):
    import_file(runner, tmp_path, FILE)
    before = stored(app)
    wrong = FILE + "  - name: Intranet\n    url: file:///etc/passwd\n"
    result = import_file(runner, tmp_path, wrong, "--overwrite", "--prune")
    assert result.exit_code == 1
    assert (
        "feed 'Intranet' (#4): url cannot be used: The address must start with https://"
        in result.output
    )
    assert "Nothing was changed." in result.output
    assert {name: feed.url for name, feed in stored(app).items()} == {
        name: feed.url for name, feed in before.items()
    }
    missing = runner.invoke(args=["feeds", "import", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_the_default_file_is_the_configured_one(make_app, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("- {name: Mine, url: 'https://mine.example.com/feed'}\n")
    app = make_app(PORTAL_FEEDS_FILE=str(path))
    result = app.test_cli_runner().invoke(args=["feeds", "import"])
    assert result.exit_code == 0 and "Added: Mine" in result.output


HOSTILE_NAMES = [
    FeedConfig(name="Café: “news” & more #1", url="https://xn--caf-dma.example.com/feed?a=1&b=2"),
    FeedConfig(name="- not a list item", url="http://plain.example.com/rss", enabled=False),
    FeedConfig(
        name="Ünïcödé 日本語 'quoted'",
        url="https://news.example.com/%7Euser/feed.xml",
        departments=("r&d", "sales: emea"),
        locations=("são paulo", "[brackets]"),
        max_items=100,
    ),
    FeedConfig(name="yes", url="https://yes.example.com/", locations=("null", "true")),
]


def test_export_then_import_reads_back_identically(app, runner, tmp_path):
    with app.app_context():
        for config_ in HOSTILE_NAMES:
            db.session.add(Feed(**settings.stored_values(config_)))
        db.session.commit()
        exported = transfer.export_feeds()
    assert exported.startswith("# News feeds exported from the pre-boarding portal.")
    # The file reads back as exactly the stored settings...
    assert sorted(config.parse(exported), key=lambda c: c.name) == sorted(
        HOSTILE_NAMES, key=lambda c: c.name
    )
    # ...an import of it changes nothing...
    path = tmp_path / "out.yaml"
    written = runner.invoke(args=["feeds", "export", str(path)])
    assert written.exit_code == 0 and "Wrote 4 feeds to" in written.output
    assert path.read_text(encoding="utf-8") == exported
    again = runner.invoke(args=["feeds", "import", str(path)])
    assert "Already as in the file:" in again.output and "Updated" not in again.output
    assert "Added" not in again.output and "Skipped" not in again.output
    # ...and into an empty portal it makes the same feeds, which export to the same file.
    with app.app_context():
        db.session.execute(db.delete(Feed))
        db.session.commit()
    assert "Added:" in runner.invoke(args=["feeds", "import", str(path)]).output
    shown = runner.invoke(args=["feeds", "export"])
    assert shown.exit_code == 0 and shown.output == exported


def test_an_export_that_cannot_be_written_says_so(runner, tmp_path):
    result = runner.invoke(args=["feeds", "export", str(tmp_path / "no-such-dir" / "feeds.yaml")])
    assert result.exit_code == 1 and "cannot be written" in result.output


def test_a_new_address_in_the_portal_starts_its_fetch_state_afresh(app):
    with app.app_context():
        feed = Feed(
            name="News",
            url="https://news.example.com/feed.xml",
            etag='"v1"',
            error_count=4,
            last_error="The server answered 500.",
            next_check_at=NOW + timedelta(hours=3),
        )
        db.session.add(feed)
        db.session.flush()
        changes = settings.apply(
            feed, FeedConfig(name="News", url="https://news.example.com/v2.xml"), NOW
        )
        assert list(changes) == ["url"]
        assert feed.etag is None and feed.error_count == 0 and feed.last_error is None
        assert feed.next_check_at == NOW
        db.session.rollback()
