"""feedparser on downloaded bytes, with the defences feedparser lacks.

feedparser always gets the bytes wrapped in io.BytesIO: given a str or bytes it would try to
open a file or a URL of that name. Before it runs, documents that declare entities (the billion
laughs, external entities such as SYSTEM "file:///etc/passwd") are refused — checked on the text
as feedparser will decode it, so UTF-16/32, EBCDIC and odd declared encodings cannot hide a
declaration. The check covers the whole document, so a feed quoting `<!ENTITY` inside CDATA is
refused too; that is rare and errs on the safe side. feedparser's own sanitiser and relative-URI
resolution are off: the store sanitises with nh3 (portal.news.feeds.sanitize), and both are slow.
feedparser still tracks Atom's xml:base (feed, entry and element level) and reports the one in
scope of each summary and content as its "base": that is handed on, made absolute against the
feed's address, for the store to resolve relative links and images against. feedparser is given
no document address of its own, so it leaves the other links (and permalink guids, which make
the entries' stable keys) as the document has them.
"""

from __future__ import annotations

import codecs
import html
import io
import re
import time
import xml.sax
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from portal.core.clock import utcnow
from portal.news.feeds.types import FeedRejected, ParsedEntry, ParsedFeed

MAX_BODY_BYTES = 5 * 1024 * 1024  # the fetcher's cap; anything bigger is not parsed
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=2)
MAX_TTL_MINUTES = 7 * 24 * 60

# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_EBCDIC_XML_DECLARATION = b"\x4c\x6f\xa7\x94"  # "<?xm" in cp037, as feedparser sniffs it
# feedparser takes the declared encoding from the last `encoding="…"` on the first line when
# that line starts with "<?": every encoding named there is checked, a cheap superset.
_ENCODING_NAMED = re.compile(rb"encoding=['\"](.*?)['\"]")
MAX_UNUSUAL_ENCODINGS = 3
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Declared encodings whose bytes below 0x80 are ASCII: scanning the raw bytes is enough.
_ASCII_COMPATIBLE = frozenset(
    {"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "cp1251", "cp1250", "iso8859-2",
     "iso8859-15", "koi8-r", "koi8-u", "gb2312", "gb18030", "gbk", "big5", "shift_jis", "cp932",
     "euc_jp", "euc_kr", "cp949"}
)  # fmt: skip
_ENTITY_DECLARATION = re.compile(rb"<!entity", re.I)
_ENTITY_DECLARATION_TEXT = re.compile(r"<!entity", re.I)
_DOCTYPE = re.compile(rb"<!doctype", re.I)
_DOCTYPE_TEXT = re.compile(r"<!doctype", re.I)
_HTML_START = re.compile(rb"<(?:html|head|body|!doctype\s+html)\b", re.I)
# Numeric character references Python cannot turn into a character make feedparser raise.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")

ENTITY_REFUSAL = (
    "The feed declares its own XML entities (<!ENTITY …>). The portal refuses such documents: "
    "they can be used to exhaust the server or to read its files."
)
DOCTYPE_REFUSAL = (
    "The feed carries a document type with its own declarations (<!DOCTYPE … [ … ]>). The "
    "portal refuses such documents: they can be used to exhaust the server or to read its files."
)


def parse_feed(body: bytes, *, url: str | None = None) -> ParsedFeed:
    """Parse a downloaded RSS or Atom document, or raise FeedRejected saying why in plain words.

    `url` is the address the body came from; relative feed and entry links are resolved
    against it. Problems that still leave entries (not well-formed XML, a wrong declared
    encoding) become ParsedFeed.warnings. Nothing but FeedRejected ever escapes.
    """
    try:
        return _parse(body, url)
    except FeedRejected:
        raise
    except Exception as error:  # one feed must never stop a refresh
        raise FeedRejected(
            f"The feed could not be read: the parser failed ({type(error).__name__})."
        ) from error


def _parse(body: bytes, url: str | None) -> ParsedFeed:
    data = _prepare(body)
    try:
        result = _feedparser(data)
    except Exception:  # crafted character references (&#1114112;, &#55296;) crash it: retry
        result = _feedparser(_CHARREF.sub(_replace_bad_charref, data))
    entries = result.get("entries") or []
    bozo = result.get("bozo_exception") if result.get("bozo") else None
    if not entries and (bozo is not None or not result.get("version")):
        raise FeedRejected(_not_a_feed(data, bozo))
    feed = result.get("feed") or {}
    now = utcnow()  # parsing runs in download threads, outside any app
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_absolute(feed.get("link"), url),
        ttl_minutes=_ttl(feed.get("ttl")),
        entries=[_entry(entry, url, now) for entry in entries],
        warnings=[_bozo_warning(bozo)] if bozo is not None else [],
    )


def _feedparser(data: bytes) -> Any:
    return feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)


def _prepare(body: bytes) -> bytes:
    """The bytes to give feedparser, after refusing what must not be parsed."""
    if len(body) > MAX_BODY_BYTES:
        raise FeedRejected(
            f"The feed is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB; it was not read."
        )
    if not body or body.isspace():
        raise FeedRejected("The feed is empty.")
    wide = _wide_encoding(body)
    if wide is not None:
        # feedparser copes badly with UTF-16/32 (it needs both a BOM and a declaration), so it
        # gets UTF-8 — exactly the text that was checked.
        encoding, bom_length = wide
        text = body[bom_length:].decode(encoding, "replace")
        _check_declarations_text(text)
        text = _XML_DECLARATION.sub("", text, count=1)
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + text.encode("utf-8", "replace")
    _check_declarations(body)
    head = body[3:] if body.startswith(codecs.BOM_UTF8) else body
    if head.startswith(b"<?"):
        line_end = head.find(b"\n")
        named = _ENCODING_NAMED.finditer(head, 0, len(head) if line_end < 0 else line_end)
        found = {_unusual_encoding(match.group(1)) for match in named}
        unusual = {name for name in found if name is not None}
        if len(unusual) > MAX_UNUSUAL_ENCODINGS:
            raise FeedRejected("The feed names several character encodings; it was not read.")
        for encoding in unusual:
            _check_in_encoding(head, encoding)
    return body


def _wide_encoding(body: bytes) -> tuple[str, int] | None:
    """UTF-16/32 or EBCDIC from the byte-order mark or the pattern of the first bytes."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, len(bom)
    first = body[:4]
    if first.startswith(_EBCDIC_XML_DECLARATION):
        return "cp037", 0
    if len(first) < 4 or 0 not in first:
        return None
    if first[:3] == b"\x00\x00\x00":
        return "utf-32-be", 0
    if first[1:4] == b"\x00\x00\x00":
        return "utf-32-le", 0
    return ("utf-16-be", 0) if first[0] == 0 else ("utf-16-le", 0)


def _check_declarations(data: bytes) -> None:
    if _ENTITY_DECLARATION.search(data):
        raise FeedRejected(ENTITY_REFUSAL)
    doctype = _DOCTYPE.search(data)
    if doctype and b"[" in data[doctype.end() : data.find(b">", doctype.end())]:
        raise FeedRejected(DOCTYPE_REFUSAL)


def _check_declarations_text(text: str) -> None:
    if _ENTITY_DECLARATION_TEXT.search(text):
        raise FeedRejected(ENTITY_REFUSAL)
    doctype = _DOCTYPE_TEXT.search(text)
    if doctype and "[" in text[doctype.end() : text.find(">", doctype.end())]:
        raise FeedRejected(DOCTYPE_REFUSAL)


def _unusual_encoding(declared: bytes) -> str | None:
    """The codec's name when it is one that could spell "<!" without ASCII bytes (UTF-7…)."""
    try:
        name = codecs.lookup(declared.decode("ascii").strip()).name
    except (LookupError, UnicodeDecodeError, ValueError):
        return None  # feedparser cannot use it either and falls back to ASCII-compatible ones
    return None if name in _ASCII_COMPATIBLE else name


def _check_in_encoding(head: bytes, encoding: str) -> None:
    try:
        text = head.decode(encoding)
    except Exception:  # any codec failure: feedparser falls back to ASCII-compatible ones
        return
    _check_declarations_text(text)


def _replace_bad_charref(match: re.Match[bytes]) -> bytes:
    hex_digits, decimal = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(decimal)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return b"&#xFFFD;"


def _not_a_feed(data: bytes, bozo: BaseException | None) -> str:
    if _HTML_START.search(data[:4096]):
        return "The address returns a web page, not a news feed (RSS or Atom)."
    if isinstance(bozo, xml.sax.SAXParseException):
        return (
            f"The document is not a readable feed: it is not well-formed XML "
            f"({bozo.getMessage()} at line {bozo.getLineNumber()}) and no entries could be found."
        )
    if bozo is not None:
        return f"The document is not a readable feed ({_plain_error(bozo)})."
    return "The document is XML but not a news feed (RSS or Atom)."


def _bozo_warning(bozo: BaseException) -> str:
    if isinstance(bozo, xml.sax.SAXParseException):
        return (
            f"The feed is not well-formed XML ({bozo.getMessage()} at line "
            f"{bozo.getLineNumber()}); it was read leniently, so some entries may be missing "
            "or incomplete."
        )
    if isinstance(bozo, feedparser.CharacterEncodingOverride):
        return (
            "The feed's declared character encoding is wrong; it was read as another one, "
            "so some characters may look wrong."
        )
    if isinstance(bozo, feedparser.CharacterEncodingUnknown):
        return (
            "The feed's character encoding could not be worked out; some characters may be wrong."
        )
    return f"The feed has a problem but was read ({_plain_error(bozo)})."


def _plain_error(error: BaseException) -> str:
    return (str(error) or type(error).__name__)[:200]


def _entry(entry: dict[str, Any], base_url: str | None, now: datetime) -> ParsedEntry:
    # Without a <link>, feedparser takes a permalink guid for the link: only an address will do.
    guid_only = bool(entry.get("guidislink"))
    link = _absolute(entry.get("link"), None if guid_only else base_url)
    if guid_only and link and not _has_scheme(link):
        link = None
    contents = entry.get("content")
    summary, summary_detail = _summary(entry, contents)
    content, content_detail = _content(contents)
    return ParsedEntry(
        guid=_text(entry.get("id")) or None,
        link=link,
        title=_text(entry.get("title")),
        author=_text(entry.get("author")),
        summary=summary,
        content=content,
        # dict.get: FeedParserDict maps a missing "updated" to "published" with a
        # DeprecationWarning.
        published=_instant(dict.get(entry, "published_parsed"), now),
        updated=_instant(dict.get(entry, "updated_parsed"), now),
        summary_base=_xml_base(summary_detail, base_url),
        content_base=_xml_base(content_detail, base_url),
        image_url=_image(entry, base_url),
    )


def _image(entry: Mapping[str, Any], base_url: str | None) -> str | None:
    """The item's own picture, absolute: its media:thumbnail, else a media:content that is an
    image, else an image enclosure (the store keeps it only when it is an https address)."""
    found: list[object] = []
    for thumbnail in entry.get("media_thumbnail") or ():
        if isinstance(thumbnail, Mapping):
            found.append(thumbnail.get("url"))
    for item in entry.get("media_content") or ():
        if isinstance(item, Mapping) and (
            item.get("medium") == "image" or str(item.get("type") or "").startswith("image/")
        ):
            found.append(item.get("url"))
    for enclosure in entry.get("enclosures") or ():
        if isinstance(enclosure, Mapping) and str(enclosure.get("type") or "").startswith("image/"):
            found.append(enclosure.get("href"))
    for url in found:
        absolute = _absolute(url, base_url)
        if absolute:
            return absolute
    return None


def _xml_base(detail: object, base_url: str | None) -> str | None:
    """The xml:base feedparser saw in scope of a summary or content, absolute; None if none."""
    base = detail.get("base") if isinstance(detail, Mapping) else None
    if not isinstance(base, str) or not base.strip():
        return None
    absolute = _absolute(base, base_url)
    return absolute if absolute and _has_scheme(absolute) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _summary(entry: Mapping[str, Any], contents: object) -> tuple[str, object]:
    """Raw HTML (plain-text summaries are escaped so that they stay text), and its details."""
    summary = _text(entry.get("summary"))
    detail = entry.get("summary_detail")
    if summary and not detail and isinstance(contents, list) and contents:
        # feedparser copies the content into a missing summary, without its type.
        first = contents[0]
        if first.get("value") == summary:
            detail = first
    if summary and detail and detail.get("type") == "text/plain":
        return html.escape(summary, quote=False), detail
    return summary, detail


def _content(contents: object) -> tuple[str, object]:
    """The first HTML or text content as raw HTML, and its details."""
    if not isinstance(contents, list):
        return "", None
    for item in contents:
        kind = item.get("type") or "text/html"
        if kind in ("text/html", "application/xhtml+xml"):
            return _text(item.get("value")), item
        if kind == "text/plain":
            return html.escape(_text(item.get("value")), quote=False), item
    return "", None


def _absolute(link: object, base_url: str | None) -> str | None:
    """The link as given, made absolute against the feed's address when it is relative."""
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    if base_url and not _has_scheme(link):
        try:
            return urljoin(base_url, link)
        except ValueError:
            return link
    return link


def _has_scheme(link: str) -> bool:
    try:
        return bool(urlsplit(link).scheme)
    except ValueError:
        return False


def _instant(parsed: object, now: datetime) -> datetime | None:
    """A UTC instant from feedparser's struct_time, or None when absent or absurd."""
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        instant = datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    if instant < EARLIEST_DATE or instant > now + FUTURE_SLACK:
        return None
    return instant


def _ttl(value: object) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes if 0 < minutes <= MAX_TTL_MINUTES else None
