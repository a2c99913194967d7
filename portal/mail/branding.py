"""The company's look in every email: its name, logo and colour from configuration (COMPANY_NAME,
BRAND_LOGO, BRAND_COLOUR), and the text colours worked out so the mail stays readable whatever
colour the company picks (WCAG 2 contrast, 4.5:1 for text).

The HTML part is written with a <style> block (templates/mail/email/_layout.html) and inlined
here with css-inline: many mail apps drop <style>, so each element carries its own `style`;
the media queries (phones, dark mode) stay in the head for the apps that read them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import css_inline
from flask import Flask, current_app

from portal.core.assets import fingerprinted_name
from portal.core.config import PROJECT_ROOT, ConfigError
from portal.core.links import absolute_url
from portal.core.site import SITE_NAME, theme_colour

PORTAL_NAME = SITE_NAME  # the band's name when COMPANY_NAME is not set
DEFAULT_LOGO = "email-logo.png"  # static/: the portal's icon, 96 px
READABLE = 4.5  # WCAG 2 AA contrast for body text
BLACK_TEXT = "#111111"
WHITE_TEXT = "#ffffff"
DEFAULT_LINK = "#0b4f8a"  # the portal's own link colour, 7.9:1 on white
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_LOGO_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(?:png|jpe?g|gif)")


@dataclass(frozen=True)
class Brand:
    """What the email layout needs to look like the company."""

    name: str  # at the top of every email: the company's, else the portal's
    company: str  # COMPANY_NAME as configured ("" when it is not)
    colour: str  # "#rrggbb": the header band and the buttons
    on_colour: str  # text on `colour`: white or near-black, whichever reads better
    link_colour: str  # links on the white card: `colour` when it reads, else the portal's blue
    logo: str  # a file in static/, or an https address of the company's own


def parse_colour(value: str) -> str:
    """A colour as stored: "#abc" or "#AABBCC" → "#aabbcc"; ValueError for anything else."""
    text = value.strip()
    if not _HEX.fullmatch(text):
        raise ValueError(f"{value!r} is not a colour like #0b4f8a")
    digits = text[1:].lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two "#rrggbb" colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def brand_of(company: str, colour: str, logo: str) -> Brand:
    """A Brand whose text colours read on `colour` (parsed with parse_colour); without a
    company name the portal's own is shown."""
    colour = parse_colour(colour)
    on_colour = (
        WHITE_TEXT if contrast(colour, WHITE_TEXT) >= contrast(colour, BLACK_TEXT) else BLACK_TEXT
    )
    link = colour if contrast(colour, WHITE_TEXT) >= READABLE else DEFAULT_LINK
    return Brand(
        name=company or PORTAL_NAME,
        company=company,
        colour=colour,
        on_colour=on_colour,
        link_colour=link,
        logo=logo,
    )


def check_config(app: Flask) -> None:
    """Refuse to start with a colour or logo the mail could not use (one line: ConfigError)."""
    config = app.config
    config.setdefault("COMPANY_NAME", "")
    config.setdefault("BRAND_COLOUR", "")
    config.setdefault("BRAND_LOGO", "")
    if len(config["COMPANY_NAME"]) > 100 or "\n" in config["COMPANY_NAME"]:
        raise ConfigError("COMPANY_NAME must be one line of at most 100 characters")
    if config["BRAND_COLOUR"]:
        try:
            parse_colour(config["BRAND_COLOUR"])
        except ValueError as error:
            raise ConfigError(f"BRAND_COLOUR: {error}") from None
    logo = config["BRAND_LOGO"]
    in_static = bool(_LOGO_FILE.fullmatch(logo)) and (PROJECT_ROOT / "static" / logo).is_file()
    if logo and not logo.startswith("https://") and not in_static:
        raise ConfigError(
            f"BRAND_LOGO must be a PNG, JPEG or GIF file in static/ or an https:// address; "
            f"{logo!r} is neither"
        )


def current() -> Brand:
    """The brand as configured now (unset values: the portal's own name, colour and icon)."""
    config = current_app.config
    return _cached(
        config.get("COMPANY_NAME") or "",
        config.get("BRAND_COLOUR") or theme_colour(),
        config.get("BRAND_LOGO") or DEFAULT_LOGO,
    )


@cache
def _cached(company: str, colour: str, logo: str) -> Brand:
    return brand_of(company, colour, logo)


def logo_url(brand: Brand) -> str:
    """The logo's absolute address: the company's own, or the file in static/ under its
    fingerprinted name (cached for a year by mail apps and proxies alike)."""
    if brand.logo.startswith("https://"):
        return brand.logo
    return absolute_url("static", filename=fingerprinted_name(brand.logo))


_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_styles(html: str) -> str:
    """`html` with its <style> rules copied onto the elements; @media rules kept in the head."""
    return _INLINER.inline(html)


def template_context() -> dict[str, Any]:
    """What every email template may use: `brand` and its `brand_logo_url`."""
    brand = current()
    return {"brand": brand, "brand_logo_url": logo_url(brand)}
