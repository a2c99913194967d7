"""Company news as candidates read it (audiences, order, "new", the read-counting redirect) and
as HR curates it (flags, audiences, the preview), with a constant number of queries per page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.news import entries as news
from portal.news import library
from portal.news.models import Feed, FeedEntry, NewsRead
from portal.people.models import AuditEntry, CandidateProfile, Role, User
from tests.support import (
    count_queries,
    insert_cohort,
    make_candidate,
    make_staff,
    post_form,
    run_counted,
    sign_in,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app):
    """HR, and candidates in different departments and places."""
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        recruiter = make_staff(Role.RECRUITER, "rec@example.com", "Rita Recruiter")
        people = {
            "alice": make_candidate("alice@example.com", recruiter, name="Alice A"),
            "ben": make_candidate(
                "ben@example.com", recruiter, name="Ben B", department="Sales", location="London"
            ),
            "carl": make_candidate("carl@example.com", recruiter, name="Carl C", location="London"),
            # LIKE wildcards in a candidate's own tags must be taken literally.
            "dora": make_candidate(
                "dora@example.com", recruiter, name="Dora D", department="Eng_neering"
            ),
            "eve": make_candidate("eve@example.com", recruiter, name="Eve E", department="%"),
        }
        return {"hr": hr.id, "recruiter": recruiter.id} | {k: u.id for k, u in people.items()}


def add_feed(name: str, departments: str = "", locations: str = "", **fields) -> int:
    feed = Feed(
        name=name,
        url=f"https://news.example.com/{name}.xml",
        departments=departments,
        locations=locations,
        **fields,
    )
    db.session.add(feed)
    db.session.flush()
    return feed.id


_keys = iter(range(1_000_000))


def add_entry(feed_id: int, title: str, published: datetime = NOW, **fields) -> int:
    values = {
        "link": f"https://news.example.com/{next(_keys)}",
        "summary_html": f"<p>About {html.escape(title)}.</p>",
        "first_seen_at": NOW - timedelta(days=1),
    } | fields
    entry = FeedEntry(
        feed_id=feed_id, key=f"k{next(_keys)}", title=title, published_at=published, **values
    )
    db.session.add(entry)
    db.session.flush()
    return entry.id


def titles_for(user_id: int, **kwargs) -> list[str]:
    return [e.title for e in news.for_candidate(db.session.get(User, user_id), **kwargs)]


def signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def shown_news(page: str) -> list[tuple[str, bool]]:
    """(title, marked new) for each item of the first news list on the page, in order (without
    hints for screen readers such as HR's preview's "opens in a new tab")."""
    page = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", page)
    listed = re.search(r'<ol class="news-cards">(.*?)</ol>', page, re.S)
    assert listed, "no news list on the page"
    items = re.findall(r'<li class="news-card[^"]*">(.*?)</li>', listed.group(1), re.S)
    return [
        (
            html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<h\d[^>]*>(.*?)</h\d>", it).group(1))),
            "badge-new" in it,
        )
        for it in items
    ]


# --- Who sees what ---------------------------------------------------------------------------


def test_audiences_by_department_location_both_everyone_and_entry_override(app, cast):
    with app.app_context():
        everyone = add_feed("everyone")
        engineering = add_feed("engineering", departments=",engineering,")
        london = add_feed("london", locations=",london,")
        both = add_feed("eng-london", departments=",engineering,", locations=",london,")
        add_entry(everyone, "For everyone")
        add_entry(engineering, "Engineers")
        add_entry(london, "Londoners")
        add_entry(both, "Engineers in London")
        add_entry(engineering, "Opened to all", departments="")  # the entry's own: everyone
        add_entry(everyone, "Sales only", departments=",sales,")  # narrower than its feed
        add_entry(london, "Paris, not London", locations=",paris,")
        add_entry(everyone, "Hidden", hidden=True)
        add_entry(add_feed("off", enabled=False), "From a feed turned off")
        db.session.commit()

        def seen(who):
            return set(titles_for(cast[who], limit=100))

        assert seen("alice") == {"For everyone", "Engineers", "Opened to all", "Paris, not London"}
        assert seen("ben") == {"For everyone", "Londoners", "Opened to all", "Sales only"}
        assert seen("carl") == {
            "For everyone",
            "Engineers",
            "Londoners",
            "Engineers in London",
            "Opened to all",
        }
        # "eng_neering" and "%" would match ",engineering," as LIKE patterns: they must not.
        assert seen("dora") == seen("eve") == {"For everyone", "Opened to all", "Paris, not London"}
        for who in ("alice", "ben", "carl", "dora", "eve"):
            candidate = db.session.get(User, cast[who])
            assert news.count_for_candidate(candidate) == len(seen(who))


def test_tags_are_matched_whatever_their_case_and_spacing(app, cast):
    with app.app_context():
        feed = add_feed("mixed", departments=news.normalise_tags(" ENGINEERING ,  Sales,,"))
        add_entry(feed, "Tagged")
        profile = db.session.get(CandidateProfile, cast["carl"])
        profile.department = "  engineering "
        db.session.commit()
        assert news.normalise_tags(" ENGINEERING ,  Sales,,") == ",engineering,sales,"
        assert news.normalise_tags("  , ") == ""
        assert titles_for(cast["carl"]) == ["Tagged"]
        assert titles_for(cast["ben"]) == ["Tagged"]
        assert titles_for(cast["alice"]) == ["Tagged"]  # Engineering, as created


def test_pinned_first_then_newest(app, cast):
    with app.app_context():
        feed = add_feed("company")
        add_entry(feed, "Old", NOW - timedelta(days=5))
        add_entry(feed, "Newest", NOW - timedelta(hours=1))
        add_entry(feed, "Old but pinned", NOW - timedelta(days=9), pinned=True)
        add_entry(feed, "Featured, in its place", NOW - timedelta(days=2), featured=True)
        add_entry(feed, "Pinned and newer", NOW - timedelta(days=3), pinned=True)
        db.session.commit()
        assert titles_for(cast["alice"]) == [
            "Pinned and newer",
            "Old but pinned",
            "Newest",
            "Featured, in its place",
            "Old",
        ]


# --- The candidate's pages -------------------------------------------------------------------


def test_the_home_shows_six_cards_and_the_archive_the_rest(app, cast):
    with app.app_context():
        feed = add_feed("company")
        for number in range(25):
            add_entry(feed, f"Item {number:02}", NOW - timedelta(hours=number))
        db.session.commit()
    client = signed_in(app, "alice@example.com")
    home = client.get("/candidate/").get_data(as_text=True)
    assert [title for title, _ in shown_news(home)] == [f"Item {n:02}" for n in range(6)]
    assert 'href="/candidate/news">All news</a>' in home
    assert "About Item 00." in home  # the plain-text excerpt

    first = client.get("/candidate/news").get_data(as_text=True)
    assert [title for title, _ in shown_news(first)] == [f"Item {n:02}" for n in range(20)]
    assert "Page 1 of 2" in first and 'href="/candidate/news?page=2"' in first
    # Cards: the plain-text excerpt; the whole text is on the item's own page.
    assert '<p class="news-excerpt">About Item 00.</p>' in first
    second = client.get("/candidate/news?page=2").get_data(as_text=True)
    assert [title for title, _ in shown_news(second)] == [f"Item {n:02}" for n in range(20, 25)]
    for past_the_end in ("3", "0", "-1", "two", "99999999"):
        assert client.get(f"/candidate/news?page={past_the_end}").status_code == 404


def test_no_news_yet(app, cast):
    client = signed_in(app, "alice@example.com")
    assert "No news for you yet" in client.get("/candidate/").get_data(as_text=True)
    archive = client.get("/candidate/news")
    assert archive.status_code == 200
    assert "No news for you yet" in archive.get_data(as_text=True)


def test_new_is_what_appeared_since_the_previous_visit(app, cast):
    """A visit begins an hour or more after the latest began; on every page of a visit, what
    appeared after the previous visit began is new (all of it before any visit)."""
    with app.app_context():
        feed = add_feed("company")
        add_entry(feed, "Seen before", NOW - timedelta(days=2))
        add_entry(feed, "Also seen", NOW - timedelta(days=1))
        db.session.commit()
    client = signed_in(app, "alice@example.com")

    def moments():
        with app.app_context():
            profile = db.session.get(CandidateProfile, cast["alice"])
            return profile.news_visit_at, profile.news_previous_visit_at

    first = client.get("/candidate/").get_data(as_text=True)
    assert shown_news(first) == [("Also seen", True), ("Seen before", True)]  # the first visit
    assert 'New<span class="visually-hidden"> since your previous visit</span>' in first, (
        "the badge says what it means"
    )
    assert moments() == (NOW, None)
    # Reloaded within the visit: still new (nothing before it), nothing written.
    app.config["PORTAL_CLOCK"] = NOW + timedelta(minutes=30)
    assert shown_news(client.get("/candidate/").get_data(as_text=True))[0] == ("Also seen", True)
    assert moments() == (NOW, None)
    with app.app_context():
        # Fetched during the visit, though published before the others.
        arrived = NOW + timedelta(minutes=40)
        add_entry(feed, "Arrived since", NOW - timedelta(days=3), first_seen_at=arrived)
        db.session.commit()

    app.config["PORTAL_CLOCK"] = NOW + timedelta(hours=2)  # the next visit
    second = client.get("/candidate/").get_data(as_text=True)
    assert shown_news(second) == [
        ("Also seen", False),
        ("Seen before", False),
        ("Arrived since", True),
    ]
    assert moments() == (NOW + timedelta(hours=2), NOW)
    app.config["PORTAL_CLOCK"] = NOW + timedelta(
        hours=2, minutes=20
    )  # the archive, in the same visit
    archive = client.get("/candidate/news").get_data(as_text=True)
    assert shown_news(archive) == shown_news(second)
    assert moments() == (NOW + timedelta(hours=2), NOW)

    app.config["PORTAL_CLOCK"] = NOW + timedelta(
        days=1
    )  # the archive begins the visit after: nothing new
    archive = client.get("/candidate/news").get_data(as_text=True)
    assert [new for _, new in shown_news(archive)] == [False, False, False]
    assert moments() == (NOW + timedelta(days=1), NOW + timedelta(hours=2))


def test_two_pages_at_once_begin_one_visit(app, cast):
    from portal.news import visits

    with app.app_context():
        profile = db.session.get(CandidateProfile, cast["alice"])
        profile.news_visit_at = NOW - timedelta(days=2)
        profile.news_previous_visit_at = NOW - timedelta(days=5)
        db.session.commit()
        first = visits.visit(profile, NOW)
        second = visits.visit(profile, NOW + timedelta(seconds=1))
        assert first.begins and second.begins and first.since == NOW - timedelta(days=2)
        assert visits.record(first, NOW) is True
        assert visits.record(second, NOW + timedelta(seconds=1)) is False  # already begun
        db.session.commit()
        db.session.expire_all()
        profile = db.session.get(CandidateProfile, cast["alice"])
        assert (profile.news_visit_at, profile.news_previous_visit_at) == (
            NOW,
            NOW - timedelta(days=2),
        )


def test_a_page_within_the_visit_writes_nothing(app, cast):
    with app.app_context():
        add_entry(add_feed("company"), "One", first_seen_at=NOW - timedelta(hours=2))
        profile = db.session.get(CandidateProfile, cast["alice"])
        profile.news_visit_at = NOW - timedelta(minutes=30)
        profile.news_previous_visit_at = NOW - timedelta(days=1)
        db.session.commit()
    client = signed_in(app, "alice@example.com")
    for path in ("/candidate/", "/candidate/news"):
        statements, page = run_counted(app, client, path)
        assert shown_news(page) == [("One", True)]  # appeared after the previous visit
        assert not [
            s for s in statements if s.lstrip().upper().startswith("UPDATE CANDIDATE_PROFILES")
        ]
    with app.app_context():
        profile = db.session.get(CandidateProfile, cast["alice"])
        assert profile.news_visit_at == NOW - timedelta(minutes=30)


def test_opening_an_item_counts_the_read_and_redirects_to_its_link(app, cast):
    with app.app_context():
        entry_id = add_entry(add_feed("company"), "Read me", link="https://blog.example.com/a?b=1")
        db.session.commit()
    client = signed_in(app, "alice@example.com")
    home = client.get("/candidate/").get_data(as_text=True)
    # The list leads to the item read in the portal; emails use the counting redirect.
    assert f'href="/candidate/news/{entry_id}">Read me</a>' in home
    assert "blog.example.com" not in home  # every read goes through the portal
    for count in (1, 2):
        response = client.get(f"/candidate/news/{entry_id}/open")
        assert response.status_code == 302
        assert response.headers["Location"] == "https://blog.example.com/a?b=1"
        with app.app_context():
            read = db.session.get(NewsRead, (cast["alice"], entry_id))
            assert read is not None and read.read_count == count
            assert read.first_read_at == NOW


def test_opening_what_is_not_meant_for_the_candidate_is_404(app, cast):
    with app.app_context():
        feed = add_feed("company")
        sales = add_entry(feed, "Sales only", departments=",sales,")
        hidden = add_entry(feed, "Hidden", hidden=True)
        linkless = add_entry(feed, "No link", link=None)
        unsafe = add_entry(feed, "Unsafe link", link="javascript:alert(1)")  # never stored anyway
        off = add_entry(add_feed("off", enabled=False), "Disabled feed")
        db.session.commit()
    client = signed_in(app, "alice@example.com")
    for entry_id in (sales, hidden, linkless, unsafe, off, 999_999):
        assert client.get(f"/candidate/news/{entry_id}/open").status_code == 404, entry_id
    assert signed_in(app, "ben@example.com").get(f"/candidate/news/{sales}/open").status_code == 302
    with app.app_context():
        assert [(r.candidate_id, r.entry_id) for r in db.session.scalars(select(NewsRead))] == [
            (cast["ben"], sales)
        ]
    home = client.get("/candidate/").get_data(as_text=True)
    # Shown, and read in the portal: it has no link of its own.
    assert f'<h3 class="news-title"><a href="/candidate/news/{linkless}">No link</a></h3>' in home
    assert "javascript:" not in home and f"/candidate/news/{unsafe}/open" not in home


def test_feed_html_is_shown_sanitised_and_raw_columns_never(app, cast):
    with app.app_context():
        add_entry(
            add_feed("company"),
            "Markup",
            summary_html=(
                '<p>Hello <a href="javascript:alert(1)">there</a> <b>team</b></p>'
                '<script>alert("x")</script><img src="https://tracker.example.com/p.gif">'
                "<h1>Big</h1><p>Second &amp; last</p>"
            ),
            raw_summary="RAW-SUMMARY-NEVER-SHOWN",
            raw_content="RAW-CONTENT-NEVER-SHOWN",
        )
        db.session.commit()
    client = signed_in(app, "alice@example.com")
    for path in ("/candidate/", "/candidate/news"):
        page = client.get(path).get_data(as_text=True)
        assert "RAW-" not in page
        assert "alert(" not in page and "tracker.example.com" not in page and "<h1>Big" not in page
    home = client.get("/candidate/").get_data(as_text=True)
    assert '<p class="news-excerpt">Hello there team Big Second &amp; last</p>' in home
    with app.app_context():
        entry_id = db.session.scalar(select(FeedEntry.id).where(FeedEntry.title == "Markup"))
    reading = client.get(f"/candidate/news/{entry_id}").get_data(as_text=True)
    assert "RAW-" not in reading and "alert(" not in reading and "tracker.example" not in reading
    assert "<b>team</b>" in reading and "<p>Second &amp; last</p>" in reading


def test_excerpts_are_cut_between_words():
    text = "<p>" + " ".join(["word"] * 100) + "</p>"
    cut = news.excerpt(text, 30)
    assert cut == "word word word word word word…"
    assert news.excerpt("<p>short</p><ul><li>one</li><li>two</li></ul>") == "short one two"


# --- HR --------------------------------------------------------------------------------------


def audit_rows(app, action):
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return [
            (e.subject, e.field, e.old_value, e.new_value, e.actor_id)
            for e in db.session.scalars(query)
        ]


def test_hr_hides_pins_and_features_entries_with_an_audit_trail(app, cast):
    with app.app_context():
        feed = add_feed("company")
        older = add_entry(feed, "Older", NOW - timedelta(days=3))
        add_entry(feed, "Newer", NOW)
        db.session.commit()
    hr = signed_in(app, "hr@example.com")
    alice = signed_in(app, "alice@example.com")
    url = f"/hr/news/entries/{older}/flag"

    def flag(name, value, **extra):
        return post_form(hr, url, {"flag": name, "value": value, **extra}, form_url="/hr/news")

    response = flag("pinned", "1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/hr/news/entries#entry-{older}"
    assert [t for t, _ in shown_news(alice.get("/candidate/").get_data(as_text=True))] == [
        "Older",
        "Newer",
    ]
    # The list's filters and cursor ride on the button's action: back to the same page.
    featured = post_form(
        hr,
        f"{url}?feed=0&before=7&state=shown",
        {"flag": "featured", "value": "1"},
        form_url="/hr/news",
    )
    assert featured.headers["Location"].startswith("/hr/news/entries?before=7&state=shown#")
    assert flag("hidden", "1").status_code == 302
    assert [t for t, _ in shown_news(alice.get("/candidate/").get_data(as_text=True))] == ["Newer"]
    assert alice.get(f"/candidate/news/{older}/open").status_code == 404
    flag("hidden", "0")
    flag("hidden", "0")  # already shown: nothing changes, nothing logged
    assert flag("secret", "1").status_code == 400
    assert flag("hidden", "maybe").status_code == 400
    subject = "News “Older”"
    assert audit_rows(app, "news_flag") == [
        (subject, "pinned", "False", "True", cast["hr"]),
        (subject, "featured", "False", "True", cast["hr"]),
        (subject, "hidden", "False", "True", cast["hr"]),
        (subject, "hidden", "True", "False", cast["hr"]),
    ]
    listing = hr.get("/hr/news/entries").get_data(as_text=True)
    assert "Unpin<span" in listing and "Unfeature<span" in listing and "Hide<span" in listing


def test_hr_targets_an_entry_at_an_audience(app, cast):
    with app.app_context():
        entry_id = add_entry(add_feed("company", departments=",engineering,"), "Targeted")
        db.session.commit()
    hr = signed_in(app, "hr@example.com")
    url = f"/hr/news/entries/{entry_id}/audience"
    form = hr.get(url).get_data(as_text=True)
    assert 'value="engineering"' in form and 'id="inherit"' in form and "checked" in form

    too_long = post_form(hr, url, {"departments": "x" * 81, "locations": ""})
    assert too_long.status_code == 422
    page = too_long.get_data(as_text=True)
    assert re.search(r'id="departments-error"[^>]*>.*?80 characters or fewer', page, re.S)

    saved = post_form(hr, url, {"departments": "Sales, SALES , Marketing", "locations": "London"})
    assert saved.status_code == 302
    with app.app_context():
        entry = db.session.get(FeedEntry, entry_id)
        assert (entry.departments, entry.locations) == (",sales,marketing,", ",london,")
        assert titles_for(cast["ben"]) == ["Targeted"] and titles_for(cast["alice"]) == []

    assert (
        post_form(hr, url, {"departments": "", "locations": "", "inherit": "y"}).status_code == 302
    )
    with app.app_context():
        entry = db.session.get(FeedEntry, entry_id)
        assert (entry.departments, entry.locations) == (None, None)
        assert titles_for(cast["alice"]) == ["Targeted"]
    subject = "News “Targeted”"
    assert audit_rows(app, "news_audience") == [
        (subject, "departments", None, ",sales,marketing,", cast["hr"]),
        (subject, "locations", None, ",london,", cast["hr"]),
        (subject, "departments", ",sales,marketing,", None, cast["hr"]),
        (subject, "locations", ",london,", None, cast["hr"]),
    ]


def test_hr_sees_each_feeds_fetch_status_in_plain_words(app, cast):
    with app.app_context():
        add_feed(
            "Engineering blog",
            departments=",engineering,",
            last_success_at=NOW - timedelta(hours=5),
            last_error="The server answered 503 (Service Unavailable).",
            last_error_at=NOW - timedelta(hours=1),
            error_count=3,
            next_check_at=NOW + timedelta(minutes=30),
        )
        add_feed("Old feed", enabled=False)
        db.session.commit()
    page = signed_in(app, "hr@example.com").get("/hr/news").get_data(as_text=True)
    assert "Engineering blog" in page and "Failing" in page
    assert "1 Dec 2026, 07:00" in page  # last success, in HR's zone (UTC)
    assert "The server answered 503 (Service Unavailable)." in page
    assert "<dt>Errors</dt>\n    <dd>3</dd>" in page
    assert "1 Dec 2026, 12:30" in page  # next check
    assert "Departments: engineering; locations: everyone" in page
    assert (
        '<h2 id="feed-' in page
        and 'Old feed\n     <span class="badge badge-muted">Off</span>' in page
    )
    assert "None: the feed is off" in page


def test_hr_entries_list_by_feed_and_page(app, cast):
    with app.app_context():
        one, two = add_feed("one"), add_feed("two")
        for number in range(library.HR_PAGE_SIZE + 1):
            add_entry(one, f"One {number}", NOW - timedelta(minutes=number))
        add_entry(two, "Two only", hidden=True)
        db.session.commit()
    hr = signed_in(app, "hr@example.com")
    page = hr.get(f"/hr/news/entries?feed={two}").get_data(as_text=True)
    assert "Two only" in page and "One 0<" not in page and "Hidden</span>" in page
    first = hr.get("/hr/news/entries").get_data(as_text=True)
    assert "Two only" in first and 'rel="next">Older</a>' in first
    by_feed = hr.get(f"/hr/news/entries?feed={one}").get_data(as_text=True)
    older = html.unescape(re.search(r'href="([^"]+)" rel="next">Older</a>', by_feed).group(1))
    assert older.startswith("/hr/news/entries?before=") and f"feed={one}" in older
    last = hr.get(older).get_data(as_text=True)
    assert f"One {library.HR_PAGE_SIZE}<" in last and 'rel="next"' not in last
    assert hr.get("/hr/news/entries?feed=999999").status_code == 404


def test_hr_preview_is_exactly_what_the_candidate_sees(app, cast):
    with app.app_context():
        feed = add_feed("company")
        for number in range(12):
            add_entry(feed, f"Item {number}", NOW - timedelta(hours=number))
        add_entry(feed, "Pinned", NOW - timedelta(days=9), pinned=True)
        add_entry(feed, "Sales only", departments=",sales,")
        add_entry(feed, "Hidden", hidden=True)
        db.session.commit()
    hr = signed_in(app, "hr@example.com")
    preview = hr.get(f"/hr/news/preview?candidate={cast['alice']}")
    assert preview.status_code == 200
    previewed = preview.get_data(as_text=True)
    home_part, archive_part = previewed.split('id="preview-archive"')
    alice = signed_in(app, "alice@example.com")
    home = alice.get("/candidate/").get_data(as_text=True)
    assert shown_news(home_part) == shown_news(home)
    assert len(shown_news(home)) == 6 and shown_news(home)[0] == ("Pinned", True)
    archive = alice.get("/candidate/news").get_data(as_text=True)  # after the visit: none new
    assert [t for t, _ in shown_news(archive_part)] == [t for t, _ in shown_news(archive)]
    # The preview wrote nothing: Alice's first visit above still found everything new.
    assert hr.get("/hr/news/preview?candidate=999999").status_code == 404
    assert hr.get(f"/hr/news/preview?candidate={cast['hr']}").status_code == 404
    assert hr.get("/hr/news/preview").status_code == 200


def test_the_preview_offers_twenty_candidates_and_finds_the_others(app, cast):
    """With a real cohort the picker is never a list of everyone: the soonest twenty, and a
    search by name or email for the rest."""
    with app.app_context():
        recruiter = db.session.scalars(select(User).where(User.role == Role.RECRUITER)).first()
        insert_cohort(recruiter, 300, 1, NOW)
        far = max(db.session.scalars(select(User.id).where(User.email.like("cohort%"))))
    hr = signed_in(app, "hr@example.com")
    page = hr.get("/hr/news/preview").get_data(as_text=True)
    assert page.count("<option ") == 20
    assert "search by name or email to find someone else" in page
    found = hr.get(f"/hr/news/preview?q=cohort{far}%40").get_data(as_text=True)
    assert found.count("<option ") == 1 and f'value="{far}"' in found
    nobody = hr.get("/hr/news/preview?q=nobody-at-all").get_data(as_text=True)
    assert "No active candidate’s name or email contains “nobody-at-all”." in nobody
    assert hr.get(f"/hr/news/preview?candidate={far}").status_code == 200


# --- A constant number of queries ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/candidate/", "/candidate/news", "/hr/news/entries"])
def test_news_pages_take_as_many_queries_for_100_entries_as_for_5(app, cast, path):
    email = "hr@example.com" if path.startswith("/hr") else "alice@example.com"
    client = signed_in(app, email)
    with app.app_context():
        feeds = [add_feed("company"), add_feed("engineering", departments=",engineering,")]
        for number in range(5):
            add_entry(feeds[number % 2], f"Item {number}", NOW - timedelta(hours=number))
        db.session.commit()
    client.get(path)  # the first visit marks everything seen; the two counted ones write nothing
    few = count_queries(app, client, path)
    with app.app_context():
        for number in range(5, 100):
            add_entry(feeds[number % 2], f"Item {number}", NOW - timedelta(hours=number))
        db.session.commit()
    many = count_queries(app, client, path)
    assert few == many, f"{path}: {few} queries for 5 entries, {many} for 100"
