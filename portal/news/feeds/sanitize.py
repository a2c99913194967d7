"""Feed HTML through an nh3 allow-list, titles as plain text, and links that are safe to follow.

Every function returns something the templates may use as it is: `clean_html` gives markup that
can be rendered with `|safe`; `plain_text` and `safe_link` give text that Jinja's autoescaping
must still escape (never mark them `|safe`). After nh3, `portal.news.feeds.media` decides what
each link and image becomes (http(s) links only; images only from allowed https origins).
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import nh3

from portal.news.feeds import media

# Structure, emphasis and images. An image survives only from an allowed https origin
# (NEWS_IMAGE_ORIGINS, which the Content-Security-Policy's img-src lists too): see media.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
        "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
# No style, class, id, srcset or event attributes anywhere; a[href] and img[src] are the only
# URLs that survive.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Dropped together with what is inside them (other unknown tags lose the tag, keep the text).
DROPPED_WITH_CONTENT = frozenset(
    {
        "applet", "iframe", "math", "noembed", "noframes", "noscript", "object", "script",
        "select", "style", "svg", "template", "textarea", "title", "xmp",
    }
)  # fmt: skip
URL_SCHEMES = frozenset({"http", "https"})
LINK_REL = media.LINK_REL
LINK_SCHEMES = frozenset({"http", "https"})
MAX_LINK_LENGTH = 2048

_TEXT_CLEANER = nh3.Cleaner(
    tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT), attributes={}, strip_comments=True
)
# A space before block-level tags, so "<p>One</p><p>Two</p>" reads "One Two" as text.
_BLOCK_TAG = re.compile(r"<(?=/?(?:p|div|br|li|h[1-6]|tr|td|th|dd|dt|blockquote)\b)", re.I)
# Control characters (C0 except whitespace, DEL, C1), bidirectional overrides and isolates that
# can make a title read differently from what it is, and the byte-order mark.
_UNWANTED = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
    + [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
)
# WHATWG URL parsing: leading/trailing C0 controls and spaces are ignored, tabs and newlines
# anywhere are removed — which is how "jav&#x09;ascript:" becomes "javascript:" in a browser.
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = dict.fromkeys(map(ord, "\t\n\r"))
_BAD_IN_LINK = re.compile(r"[\x00-\x1f\x7f\\]")


@lru_cache(maxsize=256)
def _html_cleaner(base_url: str | None) -> nh3.Cleaner:
    """One reusable sanitiser per base address (relative links are rewritten against it)."""
    options: dict[str, Any] = {
        "tags": set(ALLOWED_TAGS),
        "clean_content_tags": set(DROPPED_WITH_CONTENT),
        "attributes": ALLOWED_ATTRIBUTES,
        "url_schemes": set(URL_SCHEMES),
        "link_rel": LINK_REL,
        "strip_comments": True,
    }
    if base_url:
        try:
            return nh3.Cleaner(**options, url_relative=("rewrite_with_base", base_url))
        except ValueError:  # a base Python accepts but the Rust URL parser does not
            pass
    return nh3.Cleaner(**options, url_relative="deny")


def clean_html(
    html_text: str, *, base_url: str | None = None, image_origins: Collection[str] = ()
) -> str:
    """Feed HTML reduced to the allow-list, safe to render with `|safe`.

    Relative links and image addresses are resolved against `base_url` (an http(s) address:
    the entry's xml:base, else its link, else the feed's), or dropped when there is none. Links
    keep only http and https (others are unwrapped, their text kept) and get
    rel="noopener noreferrer nofollow"; images are kept only from `image_origins` (https
    origins), sized and lazy (portal.news.feeds.media).
    """
    if not html_text:
        return ""
    cleaned = _html_cleaner(safe_link(base_url)).clean(html_text)
    return media.rewrite(cleaned, image_origins).strip()


def plain_text(html_or_text: str, max_length: int = 500) -> str:
    """Text without markup, entities decoded, control characters removed, whitespace collapsed.

    For titles and authors. The result is plain text: templates must escape it as usual.
    """
    if not html_or_text:
        return ""
    text = html_or_text
    if "<" in text:
        text = _TEXT_CLEANER.clean(_BLOCK_TAG.sub(" <", text))
    if "&" in text:
        text = html.unescape(text)
    text = " ".join(text.translate(_UNWANTED).split())
    if len(text) > max_length:
        cut = text[: max(max_length - 1, 0)]
        if text[len(cut)] != " " and cut.rfind(" ") > len(cut) // 2:
            cut = cut[: cut.rfind(" ")]  # end on a whole word when one is near
        text = cut.rstrip() + "…"
    return text


def safe_link(url: str | None, base_url: str | None = None) -> str | None:
    """An absolute http(s) address to link to, or None.

    Refuses javascript:, vbscript:, data: and every other scheme however it is disguised
    (entities, tabs, leading control characters, capitals), user names in the address, and
    backslashes. Relative and protocol-relative ("//host") addresses are resolved against
    `base_url` when it is itself a safe http(s) address, and refused otherwise.
    """
    if not url:
        return None
    if "&" in url:
        url = html.unescape(url)
    url = url.strip(_C0_AND_SPACE).translate(_TAB_NEWLINE).replace(" ", "%20")
    if not url or len(url) > MAX_LINK_LENGTH or _BAD_IN_LINK.search(url):
        return None
    try:
        parts = urlsplit(url)
        if not parts.scheme:
            base = safe_link(base_url) if base_url else None
            if base is None:
                return None
            parts = urlsplit(urljoin(base, url))
        scheme = parts.scheme.lower()
        # .port raises ValueError on a malformed port, and port 0 is no address.
        if scheme not in LINK_SCHEMES or not parts.hostname or "@" in parts.netloc:
            return None
        if parts.port == 0:
            return None
    except ValueError:
        return None
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))
