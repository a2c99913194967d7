"""News cards' pictures: a feed's own picture of an item (media:thumbnail, media:content, an image
enclosure) read, kept only as an https address, and shown on the card only from an allowed
origin; else the first allowed picture of its text, with its alt text; else no picture at all."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.news import cards
from portal.news.feeds.parse import parse_feed
from portal.news.feeds.store import store_entries
from portal.news.models import Feed, FeedEntry
from portal.people.models import Role, User
from tests.support import make_candidate, make_staff, sign_in

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
IMAGES = "https://images.example.com"
PIXEL_THEN_PICTURE = html.escape(
    f'<p><img src="{IMAGES}/p.gif" width="1" height="1">'
    f'<img src="{IMAGES}/in-text.jpg" alt="A desk by the window"></p>'
)
INSIDE = html.escape(f'<img src="{IMAGES}/inside.jpg" alt="Inside">')
DATE = "<pubDate>Tue, 01 Dec 2026 {}:00:00 +0000</pubDate>"
RSS = f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Blog</title>
<link>https://blog.example.com/</link>
<item><guid>thumb</guid><title>Thumbnail</title>{DATE.format("09")}
  <media:thumbnail url="{IMAGES}/thumb.jpg" width="640" height="360"/>
  <description>{INSIDE}</description></item>
<item><guid>enclosure</guid><title>Enclosure</title>{DATE.format("08")}
  <enclosure url="/pics/enclosed.png" type="image/png" length="10"/></item>
<item><guid>elsewhere</guid><title>Elsewhere</title>{DATE.format("07")}
  <media:content url="https://cdn.other.example/x.jpg" medium="image"/>
  <description>{PIXEL_THEN_PICTURE}</description></item>
<item><guid>plain</guid><title>Plain</title>{DATE.format("06")}
  <media:content url="http://images.example.com/insecure.jpg" medium="image"/>
  <enclosure url="{IMAGES}/talk.mp3" type="audio/mpeg" length="10"/>
  <description>No picture here.</description></item>
</channel></rss>""".encode()


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW, NEWS_IMAGE_ORIGINS=[IMAGES])


def test_the_feeds_own_picture_is_read_as_an_absolute_address():
    parsed = parse_feed(RSS, url="https://blog.example.com/feed.xml")
    assert [entry.image_url for entry in parsed.entries] == [
        f"{IMAGES}/thumb.jpg",
        "https://blog.example.com/pics/enclosed.png",  # relative: against the feed
        "https://cdn.other.example/x.jpg",
        "http://images.example.com/insecure.jpg",  # the store decides
    ]


def test_cards_show_an_allowed_picture_or_none(app):
    with app.app_context():
        recruiter = make_staff(Role.RECRUITER, "rec@example.com")
        alice = make_candidate("alice@example.com", recruiter)
        feed = Feed(name="Blog", url="https://blog.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
        parsed = parse_feed(RSS, url=feed.url)
        store_entries(feed, parsed, NOW)
        stored = {entry.guid: entry.image_url for entry in db.session.scalars(select(FeedEntry))}
        assert stored == {
            "thumb": f"{IMAGES}/thumb.jpg",
            "enclosure": "https://blog.example.com/pics/enclosed.png",
            "elsewhere": "https://cdn.other.example/x.jpg",
            "plain": None,  # not https: never kept
        }
        db.session.commit()
        shown = {
            card.title: card.image
            for card in cards.for_candidate(db.session.get(User, alice.id), NOW, None, limit=10)
        }
        assert shown == {
            "Thumbnail": cards.CardImage(f"{IMAGES}/thumb.jpg", ""),  # the feed's own first
            "Enclosure": None,  # blog.example.com is no allowed origin
            # Not the allowed origin, so the text's first picture (not the tracking pixel).
            "Elsewhere": cards.CardImage(f"{IMAGES}/in-text.jpg", "A desk by the window"),
            "Plain": None,
        }

    client = app.test_client()
    assert sign_in(client, "alice@example.com").status_code == 302
    page = client.get("/candidate/news").get_data(as_text=True)
    assert "cdn.other.example" not in page and "blog.example.com/pics" not in page
    images = re.findall(r'<img class="news-card-image"[^>]*>', page)
    assert images == [
        f'<img class="news-card-image" src="{IMAGES}/thumb.jpg" alt="" width="640" height="360" '
        'loading="lazy" decoding="async">',
        f'<img class="news-card-image" src="{IMAGES}/in-text.jpg" alt="A desk by the window" '
        'width="640" height="360" loading="lazy" decoding="async">',
    ]
    # The reading view shows the feed's picture above a text that does not hold it.
    with app.app_context():
        thumb = db.session.scalar(select(FeedEntry.id).where(FeedEntry.guid == "thumb"))
        elsewhere = db.session.scalar(select(FeedEntry.id).where(FeedEntry.guid == "elsewhere"))
    reading = client.get(f"/candidate/news/{thumb}").get_data(as_text=True)
    assert f'<img class="news-article-image" src="{IMAGES}/thumb.jpg"' in reading
    reading = client.get(f"/candidate/news/{elsewhere}").get_data(as_text=True)
    assert "news-article-image" not in reading  # its picture is in its text
    assert f'src="{IMAGES}/in-text.jpg"' in reading


def test_a_card_without_a_picture_has_no_image_at_all(app):
    with app.app_context():
        recruiter = make_staff(Role.RECRUITER, "rec@example.com")
        make_candidate("alice@example.com", recruiter)
        feed = Feed(name="Blog", url="https://blog.example.com/feed.xml")
        db.session.add(feed)
        db.session.flush()
        db.session.add(
            FeedEntry(
                feed_id=feed.id,
                key="a",
                title="Words only",
                summary_html="<p>Hi</p>",
                published_at=NOW - timedelta(hours=1),
            )
        )
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, "alice@example.com").status_code == 302
    for path in ("/candidate/", "/candidate/news"):
        page = client.get(path).get_data(as_text=True)
        assert "Words only" in page and "<img" not in page.split('class="news-cards"', 1)[1]
