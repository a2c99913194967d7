"""Feed media end to end: feeds served over real HTTP on loopback (xml:base at feed, entry and
element level; RSS without one), fetched and stored by the refresh job, then read by a candidate
in the portal (/candidate/news/<id>): relative links and images absolute against the right base,
images only from allowed https origins, sized and lazy, the CSP allowing exactly those, nothing
executable, links opening in a new tab, and only the entries meant for the candidate."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.events.models import EngagementEvent, EventKind
from portal.news.feeds import jobs as feed_jobs
from portal.news.feeds.refresh import Status
from portal.news.models import Feed, FeedEntry, NewsRead
from portal.people.models import Role
from tests import support
from tests.feed_server import feed_server  # noqa: F401 - the fixture

IMAGE_ORIGINS = ["https://news.example.com", "https://images.example.com/"]
REL = "noopener noreferrer nofollow"
LAZY = 'loading="lazy" decoding="async"'
NEW_TAB = '<span class="visually-hidden"> (opens in a new tab)</span>'

CONTENT = (
    '<p>Meet <a href="team.html">the team</a> and see <a href="/jobs">our openings</a>.</p>'
    '<p><img src="photos/office.jpg" alt="Open-plan floor" width="4000" height="3000"></p>'
    '<p><img src="http://news.example.com/blog/plain-http.jpg" alt="over plain http"></p>'
    '<p><img src="https://tracker.example.net/pixel.gif" alt="another origin"></p>'
    '<p><img src="photos/desk.jpg" onerror="alert(1)"><script>alert(2)</script>'
    '<a href="javascript:alert(3)">click</a></p>'
)
SUMMARY = '<p><img src="lyon.png" alt="The Lyon office"> A <a href="../about.html">note</a>.</p>'
ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example.com/blog/">
  <title>Company blog</title><id>urn:blog</id><updated>2026-11-20T09:00:00Z</updated>
  <entry xml:base="2026/lyon/">
    <id>urn:lyon</id><title>Lyon office opens</title>
    <published>2026-11-20T09:00:00Z</published><updated>2026-11-20T09:00:00Z</updated>
    <link href="index.html"/>
    <summary type="html" xml:base="https://images.example.com/thumbs/">{html.escape(SUMMARY)}</summary>
    <content type="html">{html.escape(CONTENT)}</content>
  </entry>
  <entry>
    <id>urn:parking</id><title>Parking rules</title><updated>2026-11-19T09:00:00Z</updated>
    <link href="parking.html"/>
    <content type="html">&lt;p&gt;&lt;img src="img/map.png" alt="Map"&gt;&lt;/p&gt;</content>
  </entry>
</feed>""".encode()
CANTEEN = '<img src="menu.png" alt="Menu"> <a href="details.html">details</a>'
BIKES = '<img src="/bikes.png" alt="Racks"> <a href="/bikes.html">rules</a>'
RSS = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Office news</title><link>https://news.example.com/</link>
<item><guid>canteen</guid><title>Canteen menu</title>
<link>https://news.example.com/2026/11/canteen.html</link>
<pubDate>Wed, 18 Nov 2026 09:00:00 +0000</pubDate>
<description>{html.escape(CANTEEN)}</description>
</item>
<item><guid>bikes</guid><title>Bike racks</title>
<pubDate>Tue, 17 Nov 2026 09:00:00 +0000</pubDate>
<description>{html.escape(BIKES)}</description>
</item></channel></rss>""".encode()


@pytest.fixture
def app(make_app):
    return make_app(
        PORTAL_FEEDS_ALLOW_PRIVATE={"127.0.0.1"},
        PORTAL_FEEDS_DEADLINE_SECONDS=5,
        NEWS_IMAGE_ORIGINS=IMAGE_ORIGINS,
    )


def add_feed(url: str, name: str, **fields) -> int:
    feed = Feed(name=name, url=url, next_check_at=utcnow() - timedelta(minutes=1), **fields)
    db.session.add(feed)
    db.session.commit()
    return feed.id


def by_title(feed_id: int) -> dict[str, FeedEntry]:
    query = select(FeedEntry).where(FeedEntry.feed_id == feed_id)
    return {row.title: row for row in db.session.scalars(query)}


def images(markup: str) -> list[str]:
    return re.findall(r"<img [^>]*>", markup)


@pytest.fixture
def stored(app, feed_server):  # noqa: F811
    """Both feeds fetched from the loopback server and stored by the refresh job."""
    with app.app_context():
        atom = add_feed(feed_server.static("/blog.atom", ATOM), "Company blog")
        rss_url = feed_server.static("/office.xml", RSS)
        rss = add_feed(rss_url, "Office news")
        for feed_id in (atom, rss):
            assert feed_jobs.refresh_feed(feed_id, utcnow()).status == Status.UPDATED
        recruiter = support.make_staff(Role.RECRUITER, "rec@example.com", "Rita Recruiter")
        alice = support.make_candidate("alice@example.com", recruiter, name="Alice A")
        return {"atom": atom, "rss": rss, "rss_url": rss_url, "alice": alice.id}


def test_xml_base_at_feed_entry_and_element_level_resolves_links_and_images(app, stored):
    with app.app_context():
        lyon = by_title(stored["atom"])["Lyon office opens"]
        assert lyon.link == "https://news.example.com/blog/2026/lyon/index.html"
        assert lyon.content_base == "https://news.example.com/blog/2026/lyon/"
        content = lyon.content_html
        assert (
            f'<a href="https://news.example.com/blog/2026/lyon/team.html" rel="{REL}">' in content
        )
        assert f'<a href="https://news.example.com/jobs" rel="{REL}">' in content
        # The summary has its own xml:base (element level).
        assert lyon.summary_base == "https://images.example.com/thumbs/"
        assert images(lyon.summary_html) == [
            f'<img src="https://images.example.com/thumbs/lyon.png" alt="The Lyon office" {LAZY}>'
        ]
        assert f'<a href="https://images.example.com/about.html" rel="{REL}">note</a>' in (
            lyon.summary_html
        )
        # The second entry has no xml:base of its own: the feed's applies.
        parking = by_title(stored["atom"])["Parking rules"]
        assert images(parking.content_html) == [
            f'<img src="https://news.example.com/blog/img/map.png" alt="Map" {LAZY}>'
        ]


def test_images_are_kept_only_from_allowed_https_origins_clamped_and_scriptless(app, stored):
    with app.app_context():
        content = by_title(stored["atom"])["Lyon office opens"].content_html
    assert images(content) == [
        # 4000×3000 clamped to 1200 wide, the height scaled with it.
        '<img src="https://news.example.com/blog/2026/lyon/photos/office.jpg" '
        f'alt="Open-plan floor" width="1200" height="900" {LAZY}>',
        # onerror gone, an empty alt given.
        f'<img src="https://news.example.com/blog/2026/lyon/photos/desk.jpg" alt="" {LAZY}>',
    ]
    assert "plain-http.jpg" not in content and "tracker.example.net" not in content
    assert "<script" not in content and "alert" not in content and "onerror" not in content
    assert "javascript:" not in content and "click" in content  # the link unwrapped, text kept


def test_without_xml_base_the_entry_link_then_the_feed_address_is_the_base(app, stored):
    with app.app_context():
        entries = by_title(stored["rss"])
        canteen, bikes = entries["Canteen menu"], entries["Bike racks"]
    # Against the entry's own link.
    assert images(canteen.summary_html) == [
        f'<img src="https://news.example.com/2026/11/menu.png" alt="Menu" {LAZY}>'
    ]
    assert 'href="https://news.example.com/2026/11/details.html"' in canteen.summary_html
    # No link: against the feed's address, plain http here, so the image goes; the link stays.
    feed_root = stored["rss_url"].rsplit("/", 1)[0]
    assert bikes.summary_base == stored["rss_url"]
    assert images(bikes.summary_html) == []
    assert f'href="{feed_root}/bikes.html"' in bikes.summary_html


def test_the_candidate_reads_the_entry_in_the_portal_with_its_images(app, stored):
    with app.app_context():
        lyon = by_title(stored["atom"])["Lyon office opens"].id
    client = app.test_client()
    assert support.sign_in(client, "alice@example.com").status_code == 302
    archive = client.get("/candidate/news").get_data(as_text=True)
    assert f'href="/candidate/news/{lyon}">Lyon office opens</a>' in archive

    response = client.get(f"/candidate/news/{lyon}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1 " in page and ">Lyon office opens</h1>" in page
    assert "Company blog" in page
    assert "20 Nov 2026, 10:00" in page  # 09:00 UTC, in Alice's Paris
    office = (
        '<img src="https://news.example.com/blog/2026/lyon/photos/office.jpg" '
        f'alt="Open-plan floor" width="1200" height="900" {LAZY}>'
    )
    assert office in page
    assert "tracker.example.net" not in page and "plain-http.jpg" not in page
    assert "alert(" not in page
    # Links in the entry and the way to the original open in a new tab, without an opener.
    assert (
        '<a href="https://news.example.com/blog/2026/lyon/team.html" target="_blank" '
        f'rel="{REL}">the team{NEW_TAB}</a>'
    ) in page
    assert (
        '<a href="https://news.example.com/blog/2026/lyon/index.html" target="_blank" '
        'rel="noopener noreferrer">Read the original on news.example.com'
    ) in page
    # The page's policy lets exactly those origins' images in, and stays strict otherwise.
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["img-src"] == "'self' data: https://images.example.com https://news.example.com"
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]

    with app.app_context():
        read = db.session.get(NewsRead, (stored["alice"], lyon))
        assert read is not None and read.read_count == 1
        events = db.session.scalars(
            select(EngagementEvent.subject).where(
                EngagementEvent.candidate_id == stored["alice"],
                EngagementEvent.kind == EventKind.NEWS_OPENED,
            )
        ).all()
        assert events == [f"news:{lyon}"]


def test_hidden_or_untargeted_entries_are_404_and_record_nothing(app, stored):
    with app.app_context():
        entries = by_title(stored["atom"])
        hidden, lyon = entries["Parking rules"].id, entries["Lyon office opens"].id
        db.session.execute(update(FeedEntry).where(FeedEntry.id == hidden).values(hidden=True))
        # The whole RSS feed is for the sales department: not Alice's (engineering).
        db.session.execute(
            update(Feed).where(Feed.id == stored["rss"]).values(departments=",sales,")
        )
        canteen = by_title(stored["rss"])["Canteen menu"].id
        db.session.commit()
    client = app.test_client()
    assert support.sign_in(client, "alice@example.com").status_code == 302
    for entry_id in (hidden, canteen, 999_999):
        assert client.get(f"/candidate/news/{entry_id}").status_code == 404, entry_id
    assert client.get(f"/candidate/news/{lyon}").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(NewsRead.entry_id)).all() == [lyon]
        assert db.session.scalars(
            select(EngagementEvent.subject).where(EngagementEvent.kind == EventKind.NEWS_OPENED)
        ).all() == [f"news:{lyon}"]


def test_entries_stored_before_the_change_render_and_are_sanitised_again(app, stored):
    """What migration 0015 leaves: old HTML without images renders (links in a new tab), and
    with the hashes and validators cleared the next refresh stores it again, images and all."""
    with app.app_context():
        lyon = by_title(stored["atom"])["Lyon office opens"]
        lyon.content_html = f'<p>Old <a href="https://news.example.com/x" rel="{REL}">x</a></p>'
        lyon.content_base = None
        db.session.commit()
        entry_id = lyon.id
    client = app.test_client()
    assert support.sign_in(client, "alice@example.com").status_code == 302
    page = client.get(f"/candidate/news/{entry_id}").get_data(as_text=True)
    assert (
        f'<a href="https://news.example.com/x" target="_blank" rel="{REL}">x{NEW_TAB}</a>' in page
    )

    with app.app_context():
        db.session.execute(update(FeedEntry).values(content_hash=""))
        db.session.execute(update(Feed).values(etag=None, last_modified=None, body_hash=None))
        db.session.commit()
        outcome = feed_jobs.refresh_feed(stored["atom"], utcnow())
        assert (outcome.status, outcome.new, outcome.updated) == (Status.UPDATED, 0, 2)
        again = by_title(stored["atom"])["Lyon office opens"]
        assert again.id == entry_id and "photos/office.jpg" in again.content_html
        assert again.content_base == "https://news.example.com/blog/2026/lyon/"
