"""HR's announcements as HTML: Markdown rendered by markdown-it-py, then through the feeds' own
nh3 allow-list (news.feeds.sanitize.clean_html), like every piece of HTML the portal shows.

CommonMark with tables and strikethrough; raw HTML in the Markdown is shown as text, never
passed through. Headings become bold paragraphs: the news pages keep their own outline (their
sanitiser drops headings from news), and an announcement's title is its heading. Links must be
absolute http(s) addresses; pictures (`![what it shows](https://…)`) are kept only from the
allowed image origins (NEWS_IMAGE_ORIGINS), which the Content-Security-Policy lists too.

Plain module: no request knowledge.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from portal.news.feeds.sanitize import clean_html


def _heading_open(
    _renderer: RendererHTML, _tokens: Sequence[Token], _idx: int, _options: OptionsDict, _env: Any
) -> str:
    return "<p><strong>"


def _heading_close(
    _renderer: RendererHTML, _tokens: Sequence[Token], _idx: int, _options: OptionsDict, _env: Any
) -> str:
    return "</strong></p>\n"


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.add_render_rule("heading_open", _heading_open)
    parser.add_render_rule("heading_close", _heading_close)
    return parser


_MARKDOWN = _parser()


def render(markdown: str, image_origins: Collection[str]) -> str:
    """Markdown as sanitised HTML, safe to show with `|safe` (and shown through
    news.entries.render_html, as feed HTML is)."""
    if not markdown.strip():
        return ""
    return clean_html(_MARKDOWN.render(markdown), image_origins=image_origins)
