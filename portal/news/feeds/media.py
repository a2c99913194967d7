"""Images and links in feed HTML that nh3 has already cleaned: the second, structural pass.

nh3 decides which tags and attributes exist at all; this pass decides what each remaining
link and image becomes, which an allow-list of attributes cannot express:

- a link keeps its href only when it is an absolute http(s) address (after nh3 resolved it
  against the entry's base); any other link is unwrapped, its text kept. For reading
  (`new_tab=True`) a kept link opens in a new tab, with rel="noopener noreferrer nofollow" and a
  visually-hidden "(opens in a new tab)" for screen readers.
- an image is kept only from an allowed https origin (NEWS_IMAGE_ORIGINS): any other image,
  http ones included, is dropped whole (not proxied), so the page never asks a third party for
  anything and the CSP's img-src can stay that short list. Width and height are clamped to
  MAX_IMAGE_SIDE (the other side scaled with it) or removed when they are not plain numbers,
  1×1 tracking pixels are dropped, alt is kept (alt="" when there was none), and every image
  gets loading="lazy" and decoding="async". The stylesheet's max-width keeps it on a phone.

The input is nh3's output (well-formed, comments gone, no script or style): Python's HTMLParser
reads it back exactly, and every text and attribute is escaped again on the way out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

LINK_REL = "noopener noreferrer nofollow"
NEW_TAB_WORDS = "(opens in a new tab)"  # the reader's language's words are passed in
MAX_IMAGE_SIDE = 1200  # px; larger width/height attributes are scaled down to it
TRACKING_PIXEL_SIDE = 1  # an image this small (either side) is a tracking pixel: dropped
MAX_URL_LENGTH = 2048
VOID_TAGS = frozenset({"br", "hr", "img", "wbr"})
_DIMENSION = re.compile(r"\s*([0-9]{1,6})(?:\.[0-9]*)?\s*(?:px)?\s*", re.I)
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")
# What the news pages show of stored HTML, sanitised again there (defence in depth, and entries
# stored before a change render by today's rules). No headings: they would break the page's
# outline.
READING_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
READING_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
}


def https_origin(url: str | None) -> str | None:
    """The origin ("https://host[:port]", host lower-cased, default port left out) of an https
    address, or None for anything else (other schemes, user names, odd host names)."""
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme.lower() != "https" or "@" in parts.netloc or not _HOST.fullmatch(host):
        return None
    if port == 0:
        return None
    return f"https://{host}" + (f":{port}" if port not in (None, 443) else "")


def origin_setting(value: str) -> str | None:
    """A configured origin ("https://images.example.com", a trailing slash allowed) in its
    normal form, or None when it is not exactly an https origin (a path, a query, http…)."""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return https_origin(value)


def image_source(src: str | None, origins: Collection[str]) -> str | None:
    """`src` when it is an https address on one of `origins`, else None."""
    if not src or not origins:
        return None
    src = src.strip()
    if re.search(r"[\x00-\x20\x7f\\]", src):
        return None
    return src if https_origin(src) in origins else None


def link_target(href: str | None) -> str | None:
    """`href` when it is an absolute http(s) address with a host, else None."""
    if not href or len(href) > MAX_URL_LENGTH or re.search(r"[\x00-\x20\x7f\\]", href):
        return None
    try:
        parts = urlsplit(href)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return None if "@" in parts.netloc else href


def _dimension(value: str | None) -> int | None:
    matched = _DIMENSION.fullmatch(value or "")
    return int(matched.group(1)) if matched else None


def image_size(width: str | None, height: str | None) -> tuple[int | None, int | None] | None:
    """The width and height attributes to keep (None: leave it out), or None to drop the image
    (a tracking pixel). Both sides are scaled together so the picture keeps its shape."""
    w, h = _dimension(width), _dimension(height)
    if (w is not None and w <= TRACKING_PIXEL_SIDE) or (h is not None and h <= TRACKING_PIXEL_SIDE):
        return None
    for _ in range(2):  # width first, then height (which the first step may have shrunk)
        if w is not None and w > MAX_IMAGE_SIDE:
            h = max(1, round(h * MAX_IMAGE_SIDE / w)) if h is not None else None
            w = MAX_IMAGE_SIDE
        if h is not None and h > MAX_IMAGE_SIDE:
            w = max(1, round(w * MAX_IMAGE_SIDE / h)) if w is not None else None
            h = MAX_IMAGE_SIDE
    return w, h


def _start_tag(tag: str, attrs: list[tuple[str, str]]) -> str:
    inside = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attrs)
    return f"<{tag}{inside}>"


class _Rewriter(HTMLParser):
    def __init__(self, origins: Collection[str], new_tab: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.origins = origins
        # The hidden words after a link that opens a new tab; None: links stay in the tab.
        self.new_tab = (
            None
            if new_tab is None
            else f'<span class="visually-hidden"> {html.escape(new_tab, quote=False)}</span>'
        )
        self.out: list[str] = []
        self.links: list[bool] = []  # for each open <a>: was it kept?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = [(name, value or "") for name, value in attrs]
        if tag == "img":
            self._image(dict(given))
        elif tag == "a":
            self._link(given)
        else:
            self.out.append(_start_tag(tag, given))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if tag == "a":
            if not (self.links.pop() if self.links else False):
                return
            if self.new_tab is not None:
                self.out.append(self.new_tab)
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))

    def _link(self, attrs: list[tuple[str, str]]) -> None:
        href = link_target(dict(attrs).get("href"))
        self.links.append(href is not None)
        if href is None:
            return  # unwrapped: the text inside stays
        kept = [(n, v) for n, v in attrs if n not in ("rel", "target")]
        if self.new_tab is not None:
            kept.append(("target", "_blank"))
        self.out.append(_start_tag("a", [*kept, ("rel", LINK_REL)]))

    def _image(self, attrs: dict[str, str]) -> None:
        src = image_source(attrs.get("src"), self.origins)
        size = image_size(attrs.get("width"), attrs.get("height"))
        if src is None or size is None:
            return
        kept = [("src", src), ("alt", attrs.get("alt", ""))]
        if attrs.get("title"):
            kept.append(("title", attrs["title"]))
        for name, value in zip(("width", "height"), size, strict=True):
            if value is not None:
                kept.append((name, str(value)))
        kept += [("loading", "lazy"), ("decoding", "async")]
        self.out.append(_start_tag("img", kept))


class _FirstImage(HTMLParser):
    def __init__(self, origins: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.origins = origins
        self.found: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "img" or self.found is not None:
            return
        given = {name: value or "" for name, value in attrs}
        src = image_source(given.get("src"), self.origins)
        if src is not None and image_size(given.get("width"), given.get("height")) is not None:
            self.found = (src, " ".join(given.get("alt", "").split()))


def first_image(cleaned: str, image_origins: Collection[str]) -> tuple[str, str] | None:
    """The address and alt text of the first image in nh3-cleaned HTML that may be shown (from
    one of `image_origins`, not a tracking pixel), or None: a news card's picture."""
    if "<img" not in cleaned or not image_origins:
        return None
    finder = _FirstImage(frozenset(image_origins))
    finder.feed(cleaned)
    finder.close()
    return finder.found


def rewrite(
    cleaned: str, image_origins: Collection[str], *, new_tab: str | bool | None = None
) -> str:
    """nh3's output with links and images made what the module docstring says. `new_tab`: the
    words that say a link opens a new tab (True: NEW_TAB_WORDS), for reading; else None."""
    if not cleaned:
        return ""
    words = NEW_TAB_WORDS if new_tab is True else (new_tab or None)
    rewriter = _Rewriter(frozenset(image_origins), words)
    rewriter.feed(cleaned)
    rewriter.close()
    return "".join(rewriter.out)


def for_reading(
    stored: str, image_origins: Collection[str], new_tab_words: str = NEW_TAB_WORDS
) -> str:
    """Stored feed HTML as the news pages show it: narrowed by nh3 to READING_TAGS, links opening
    in a new tab (saying so in `new_tab_words`, the reader's language), images only from
    `image_origins`."""
    cleaned = nh3.clean(
        stored,
        tags=READING_TAGS,
        attributes=READING_ATTRIBUTES,
        url_schemes={"http", "https"},
        url_relative="deny",
        link_rel=LINK_REL,
    )
    return rewrite(cleaned, image_origins, new_tab=new_tab_words)
