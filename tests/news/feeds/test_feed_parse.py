"""Parsing downloaded feed bytes: formats and encodings met in practice, and hostile documents."""

from __future__ import annotations

import codecs
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from portal.news.feeds import parse
from portal.news.feeds.parse import parse_feed
from portal.news.feeds.types import FeedRejected, ParsedFeed

FEEDS = Path(__file__).parent / "samples"
URL = "https://feeds.example.com/news/feed.xml"


def sample(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def rss(items: str, *, head: str = "", declaration: str = '<?xml version="1.0"?>') -> bytes:
    return (
        f'{declaration}\n{head}<rss version="2.0"><channel><title>T</title>'
        f"<link>https://t.example/</link>{items}</channel></rss>"
    ).encode()


def test_rss_20():
    feed = parse_feed(sample("rss20.xml"), url=URL)
    assert feed.title == "Company news & updates"
    assert feed.link == "https://news.example.com/"
    assert feed.ttl_minutes == 90
    assert feed.warnings == []
    first, relative, bare = feed.entries
    assert first.guid == "news-2024-0001"
    assert first.link == "https://news.example.com/2024/lisbon"
    assert first.title == "New office opens in Lisbon"
    assert first.author == "Hannah Hr"
    assert first.summary == "<p>We open a <b>new office</b>.</p>"
    assert first.content == (
        '<p>The Lisbon office opens on <a href="/offices/lisbon">1 April</a>.</p>'
    )
    assert first.published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert first.updated is None
    assert relative.link == "https://feeds.example.com/2024/relative"  # against the feed's URL
    assert (bare.guid, bare.link, bare.published) == (None, None, None)


def test_rss_10_rdf():
    feed = parse_feed(sample("rss10.rdf"), url=URL)
    assert feed.title == "Engineering blog"
    assert [entry.link for entry in feed.entries] == [
        "https://blog.example.org/posts/1",
        "https://blog.example.org/posts/2",
    ]
    assert feed.entries[0].author == "Rosa Recruiter"
    assert feed.entries[0].summary == "How we halved CI time."
    assert feed.entries[1].updated == datetime(2024, 2, 10, 15, 45, tzinfo=UTC)


def test_atom_10():
    feed = parse_feed(sample("atom10.xml"), url=URL)
    assert feed.title == "London office"
    tea, drill = feed.entries
    assert tea.link == "https://atom.example.net/blog/posts/tea"  # xml:base applies
    assert tea.title == "Tea &amp; cake on <em>Friday</em>"  # raw: the store makes it plain
    assert tea.author == "Arjun"
    assert tea.summary == "Bring a mug &lt;please&gt;"  # a text summary stays text
    assert tea.content == "<p>In the <strong>kitchen</strong>.</p>"
    assert tea.published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert tea.updated == datetime(2024, 3, 2, 9, 0, tzinfo=UTC)
    assert drill.content == "Leave by the stairs &amp; wait outside."
    assert drill.summary == drill.content
    assert drill.updated is None  # 1970: absurd


def test_windows_1251():
    feed = parse_feed(sample("windows-1251.xml"))
    assert feed.title == "Новости компании"
    (entry,) = feed.entries
    assert entry.title == "Добро пожаловать в команду"
    assert entry.summary == "<p>Первый день — понедельник.</p>"
    assert feed.warnings == []


BOMS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


@pytest.mark.parametrize("encoding", BOMS.keys())
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("declaration", [True, False], ids=["declared", "undeclared"])
def test_utf_16_and_32(encoding, bom, declaration):
    text = sample("rss20.xml").decode()
    if declaration:
        text = text.replace('encoding="utf-8"', f'encoding="{encoding[:6]}"')
    else:
        text = text.split("?>", 1)[1].lstrip()
    body = (BOMS[encoding] if bom else b"") + text.encode(encoding)
    assert parse_feed(body, url=URL) == parse_feed(sample("rss20.xml"), url=URL)


def test_utf_16_with_cyrillic():
    text = sample("windows-1251.xml").decode("cp1251").replace("windows-1251", "utf-16")
    feed = parse_feed(text.encode("utf-16"))  # with a BOM, native order
    assert feed.entries[0].title == "Добро пожаловать в команду"


def test_invalid_xml_is_read_leniently_with_a_warning():
    feed = parse_feed(sample("invalid.xml"), url=URL)
    assert [entry.guid for entry in feed.entries] == ["broken-1", "broken-2"]
    (warning,) = feed.warnings
    assert "not well-formed XML" in warning and "line 7" in warning
    # A guid that is no address is not taken for the link.
    assert feed.entries[1].link is None


def test_repeated_guids_are_all_returned():
    feed = parse_feed(sample("repeated-guid.xml"))
    assert [(entry.guid, entry.title) for entry in feed.entries] == [
        ("same-guid", "First copy"),
        ("same-guid", "Second copy"),
    ]


def test_a_truncated_feed_keeps_its_entries_with_a_warning():
    body = rss("<item><title>whole</title></item><item><title>cut")
    feed = parse_feed(body[: body.index(b"cut") + 3])
    assert feed.entries[0].title == "whole"
    assert "not well-formed XML" in feed.warnings[0]


def test_a_valid_feed_without_entries_is_not_an_error():
    feed = parse_feed(rss(""))
    assert (feed.title, feed.entries, feed.warnings) == ("T", [], [])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b" \n\t ", "empty"),
        (sample("web-page.html"), "web page"),
        (b"<html><body><p>Hello<br></body></html>", "web page"),
        (b"just some text, not XML", "not a readable feed"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel><title>cut", "not a readable feed"),
        (b'<?xml version="1.0"?><catalog><book id="1"/></catalog>', "not a news feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a readable feed"),
        (b"/etc/passwd", "not a readable feed"),  # a path is content, never opened
    ],
)
def test_rejected_documents(body, reason):
    with pytest.raises(FeedRejected, match=reason):
        parse_feed(body)


def test_oversized_documents_are_not_parsed():
    with pytest.raises(FeedRejected, match="larger than 5 MiB"):
        parse_feed(b" " * (parse.MAX_BODY_BYTES + 1))


def test_feedparser_always_gets_a_byte_stream(monkeypatch):
    seen = []
    real = feedparser.parse

    def spy(source, **options):
        seen.append((type(source), options))
        return real(source, **options)

    monkeypatch.setattr(feedparser, "parse", spy)
    parse_feed(sample("rss20.xml"), url=URL)
    assert seen == [(io.BytesIO, {"sanitize_html": False, "resolve_relative_uris": False})]


def test_any_feedparser_failure_becomes_a_rejection(monkeypatch):
    def broken(source, **options):
        raise RuntimeError("boom")

    monkeypatch.setattr(feedparser, "parse", broken)
    with pytest.raises(FeedRejected, match="the parser failed"):
        parse_feed(sample("rss20.xml"))


def _billion_laughs_220k() -> bytes:
    """The feedparser 6 blow-up: a large entity referenced 20,000 times (~90 s, 7 GB unguarded)."""
    refs = "&big;" * 20_000
    return rss(
        f"<item><title>t</title><description>{refs}</description></item>",
        head=f'<!DOCTYPE rss [<!ENTITY big "{"x" * 100_000}">]>',
    )


ENTITY_DOCUMENTS = {
    "billion laughs": sample("billion-laughs.xml"),
    "large entity, 20000 references": _billion_laughs_220k(),
    "external entity": sample("external-entity.xml"),
    "lower-case declaration": rss("", head='<!DOCTYPE rss [<!entity x "y">]>'),
    "parameter entity": rss("", head='<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://evil/">%p;]>'),
    "backslash in value": rss(
        "<item><title>&e;</title></item>", head='<!DOCTYPE r [<!ENTITY e "\\">]>'
    ),
    "utf-16 with bom": "\ufeff".encode("utf-16-le")
    + sample("billion-laughs.xml").decode().encode("utf-16-le"),
    "utf-16 without bom": sample("external-entity.xml").decode().encode("utf-16-be"),
    "utf-32": sample("billion-laughs.xml").decode().encode("utf-32"),
    "utf-7 declared": (
        b'<?xml version="1.0" encoding="utf-7"?>\n+ADw-!DOCTYPE rss +AFs-+ADw-!ENTITY x '
        b'SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-\n<rss version="2.0"><channel>'
        b"<item><title>+ACY-x+ADs-</title></item></channel></rss>"
    ),
    "utf-7 named last on the first line": (
        b'<?xml version="1.0" encoding="utf-8"?><!-- encoding="utf-7" ?> -->'
        b"+ADw-!DOCTYPE rss +AFs-+ADw-!ENTITY x +ACI-y+ACI-+AD4-+AF0-+AD4-\n"
        b'<rss version="2.0"><channel><item><title>+ACY-x+ADs-</title></item></channel></rss>'
    ),
    "ebcdic": sample("billion-laughs.xml").decode().encode("cp037"),
}


@pytest.mark.parametrize("body", ENTITY_DOCUMENTS.values(), ids=ENTITY_DOCUMENTS.keys())
def test_entity_declarations_are_refused_quickly(body):
    started = time.perf_counter()
    with pytest.raises(FeedRejected, match="declares its own XML entities") as rejected:
        parse_feed(body)
    assert time.perf_counter() - started < 1.0
    assert "root:" not in str(rejected.value)


def test_a_first_line_naming_many_encodings_is_refused():
    names = " ".join(f'encoding="{name}"' for name in ("utf-7", "utf-16", "cp037", "cp500", "hz"))
    with pytest.raises(FeedRejected, match="several character encodings"):
        parse_feed(f'<?xml version="1.0" {names}?><rss version="2.0"/>'.encode())


def test_a_doctype_with_an_internal_subset_is_refused():
    body = rss("<item><title>x</title></item>", head='<!DOCTYPE rss [<!ATTLIST rss a CDATA "b">]>')
    with pytest.raises(FeedRejected, match="document type with its own declarations"):
        parse_feed(body)


def test_a_plain_doctype_is_fine():
    body = rss(
        "<item><title>old school</title></item>",
        head=(
            '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        ),
    )
    assert parse_feed(body).entries[0].title == "old school"


def test_an_entity_declaration_quoted_in_cdata_is_refused_too():
    """A known, deliberate false positive: the whole document is scanned."""
    body = rss(
        "<item><title>x</title><description><![CDATA[<!ENTITY a 'b'>]]></description></item>"
    )
    with pytest.raises(FeedRejected):
        parse_feed(body)


def test_the_external_entity_is_never_read(monkeypatch):
    opened = []
    real_open = open

    def spy_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    with pytest.raises(FeedRejected):
        parse_feed(sample("external-entity.xml"))
    assert not any("passwd" in name for name in opened)


CRAFTED = ["&#1114112;", "&#55296;", "&#x110000;", "&#xD800;", "&#0;", "&#99999999999;"]


@pytest.mark.parametrize("reference", CRAFTED)
@pytest.mark.parametrize("well_formed", [True, False], ids=["well-formed", "malformed"])
def test_crafted_character_references_never_escape(reference, well_formed):
    extra = "" if well_formed else "<br>"
    body = rss(
        f"<item><title>a {reference} b{extra}</title><guid>c1</guid></item>"
        "<item><title>fine</title><guid>c2</guid></item>"
    )
    try:
        feed = parse_feed(body)
    except FeedRejected:
        return
    assert isinstance(feed, ParsedFeed)
    assert [entry.guid for entry in feed.entries] == ["c1", "c2"]
    assert "\ud800" not in feed.entries[0].title


def test_crafted_character_references_leave_the_rest_of_the_feed_readable():
    feed = parse_feed(
        rss("<item><title>a &#1114112; b</title></item><item><title>ok</title></item>")
    )
    assert [entry.title for entry in feed.entries] == ["a \ufffd b", "ok"]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Mon, 01 Jan 2024 10:00:00 +0200", datetime(2024, 1, 1, 8, 0, tzinfo=UTC)),
        ("Fri, 01 Jan 1988 10:00:00 GMT", None),
        ("Fri, 01 Jan 2100 10:00:00 GMT", None),
        ("not a date", None),
    ],
)
def test_dates(date, expected):
    feed = parse_feed(rss(f"<item><title>x</title><pubDate>{date}</pubDate></item>"))
    assert feed.entries[0].published == expected


@pytest.mark.parametrize(
    ("ttl", "expected"), [("60", 60), (" 15 ", 15), ("0", None), ("-5", None), ("soon", None),
                          ("99999999", None)]
)  # fmt: skip
def test_ttl(ttl, expected):
    feed = parse_feed(rss(f"<ttl>{ttl}</ttl><item><title>x</title></item>"))
    assert feed.ttl_minutes == expected


def test_a_wrong_declared_encoding_is_a_warning():
    body = rss("<item><title>Caf\xe9</title></item>").replace(b"\xc3\xa9", b"\xe9")
    body = body.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-8"?>')
    feed = parse_feed(body)
    assert feed.entries[0].title == "Café"
    assert feed.warnings == [
        "The feed's declared character encoding is wrong; it was read as another one, "
        "so some characters may look wrong."
    ]


def test_xml_base_in_scope_of_each_summary_and_content_is_reported_absolute():
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xml:base="/blog/"><title>t</title><id>urn:f</id><updated>2024-01-01T00:00:00Z</updated>'
        b'<entry xml:base="https://cdn.example.org/2024/"><id>urn:a</id><title>a</title>'
        b'<updated>2024-01-01T00:00:00Z</updated><link href="post.html"/>'
        b'<summary type="html" xml:base="thumbs/">&lt;img src="a.png"&gt;</summary>'
        b'<content type="html">&lt;a href="b.html"&gt;b&lt;/a&gt;</content></entry>'
        b"<entry><id>urn:b</id><title>b</title><updated>2024-01-01T00:00:00Z</updated>"
        b'<content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry>'
        b'<entry xml:base="javascript:alert(1)//"><id>urn:c</id><title>c</title>'
        b"<updated>2024-01-01T00:00:00Z</updated><summary>s</summary></entry></feed>"
    )
    first, second, third = parse_feed(body, url=URL).entries
    assert first.link == "https://cdn.example.org/2024/post.html"
    assert first.summary_base == "https://cdn.example.org/2024/thumbs/"  # element level
    assert first.content_base == "https://cdn.example.org/2024/"  # entry level
    # The feed's own relative xml:base, made absolute against the feed's address.
    assert second.content_base == "https://feeds.example.com/blog/"
    # A javascript: base is ignored (feedparser keeps the one around it).
    assert third.summary_base == "https://feeds.example.com/blog/"
    # RSS has no xml:base: nothing to report, the store falls back to the link or the feed.
    (item,) = parse_feed(rss("<item><guid>1</guid><description>d</description></item>")).entries
    assert item.summary_base is None and item.content_base is None
