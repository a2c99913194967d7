"""Emails that look like the company and say the same in both parts: every kind of email the
portal sends (tests/mail/every_email.py, through the real worker to a real SMTP server) carries
the configured name, logo and colour, has a text part that says what its HTML part says, and
reads on a phone and in dark mode in a real Chromium."""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from portal import create_app
from portal.core.config import ConfigError
from portal.mail import branding
from tests import support
from tests.mail.every_email import T0, produce_every_email

LINK = re.compile(r"https?://[^\s\"'<>)\]]+")
WORD = re.compile(r"[^\W_]+")
# Elements whose text a reader never sees in the message body.
UNSEEN = {"head", "title", "style", "script"}


class _Reading(HTMLParser):
    """The words a reader sees in an HTML part, and where its links lead."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.images: list[tuple[str, str | None]] = []
        self._unseen = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNSEEN:
            self._unseen += 1
        found = dict(attrs)
        if tag == "a" and (found.get("href") or "").startswith(("http://", "https://")):
            self.links.append(found["href"] or "")
        if tag == "img":
            self.images.append((found.get("src") or "", found.get("alt")))

    def handle_endtag(self, tag: str) -> None:
        if tag in UNSEEN:
            self._unseen -= 1

    def handle_data(self, data: str) -> None:
        if not self._unseen:
            self.text.append(data)


def read_html(html: str) -> _Reading:
    reading = _Reading()
    reading.feed(html)
    reading.close()
    return reading


def words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(text)}


def parts(message: EmailMessage) -> tuple[str, str]:
    text = html = None
    for part in message.walk():
        if part.get_content_type() == "text/plain" and part.get_filename() is None:
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    assert text is not None and html is not None, f"“{message['Subject']}” is not text + HTML"
    return text, html


@pytest.fixture
def site(make_app, smtp_server):
    return make_app(
        SMTP_URL=smtp_server.url,
        PORTAL_CLOCK=T0,
        COMPANY_NAME="Northwind Traders",
        BRAND_COLOUR="#ffd23f",  # a light yellow: dark text on it, links in the portal's blue
    )


@pytest.fixture
def every_email(site, smtp_server) -> list[EmailMessage]:
    produce_every_email(site)
    from sqlalchemy import func, select

    from portal.core.extensions import db
    from portal.mail.models import OutgoingEmail

    with site.app_context():
        count = db.session.scalar(select(func.count(OutgoingEmail.id)))
    return smtp_server.wait_for(count)


def test_the_text_part_says_what_the_html_part_says(every_email):
    """Same words (any order, any case), same links: a sentence, a name, a date or a link in
    one part only fails, naming the email and the difference."""
    problems = []
    kinds = set()
    for message in every_email:
        text, html = parts(message)
        reading = read_html(html)
        seen = words(" ".join(reading.text))
        text_links = LINK.findall(text)
        said = words(LINK.sub(" ", text))
        subject = message["Subject"]
        kinds.add(subject)
        if seen - said:
            problems.append(f"“{subject}”: only in HTML: {sorted(seen - said)}")
        if said - seen:
            problems.append(f"“{subject}”: only in text: {sorted(said - seen)}")
        if set(reading.links) != set(text_links):
            problems.append(
                f"“{subject}”: links differ: HTML {sorted(set(reading.links))}, "
                f"text {sorted(set(text_links))}"
            )
    assert len(kinds) >= 8, kinds
    assert not problems, "\n".join(problems)


def test_every_email_carries_the_company_name_logo_and_colour(site, every_email):
    with site.app_context():
        logo = branding.logo_url(branding.current())
    client = site.test_client()
    served = client.get(logo.removeprefix(support.BASE_URL))
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert "immutable" in served.headers["Cache-Control"]
    served.close()
    for message in every_email:
        text, html = parts(message)
        reading = read_html(html)
        lines = text.splitlines()
        assert lines[0] == "Northwind Traders", lines[:3]
        assert lines[-1] == "Sent by the pre-boarding portal of Northwind Traders.", lines[-3:]
        assert "Northwind Traders" in " ".join(reading.text)
        assert (logo, "") in reading.images, reading.images
        # Styles are on the elements (mail apps drop <style>); dark text on the light yellow.
        band = re.search(r'<td class="band" style="([^"]+)"', html)
        assert band, html[:2000]
        assert "background-color: #ffd23f" in band.group(1)
        assert "color: #111111" in band.group(1)
        assert 'name="color-scheme" content="light dark"' in html
        assert "prefers-color-scheme: dark" in html  # kept for the apps that read it


def test_text_colours_follow_the_brand_colour_for_contrast():
    dark = branding.brand_of("A", "#083a66", "email-logo.png")
    assert (dark.on_colour, dark.link_colour) == (branding.WHITE_TEXT, "#083a66")
    light = branding.brand_of("A", "#FD3", "email-logo.png")  # short form, any case
    assert light.colour == "#ffdd33"
    assert (light.on_colour, light.link_colour) == (branding.BLACK_TEXT, branding.DEFAULT_LINK)
    for brand in (dark, light):
        assert branding.contrast(brand.colour, brand.on_colour) >= branding.READABLE
        assert branding.contrast(brand.link_colour, "#ffffff") >= branding.READABLE
    assert round(branding.contrast("#000000", "#ffffff"), 1) == 21.0


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("BRAND_COLOUR", "blue", "BRAND_COLOUR: 'blue' is not a colour like #0b4f8a"),
        ("BRAND_COLOUR", "#12345", "is not a colour"),
        ("BRAND_LOGO", "../portal.sqlite3", "BRAND_LOGO must be a PNG, JPEG or GIF file"),
        ("BRAND_LOGO", "missing.png", "BRAND_LOGO must be a PNG, JPEG or GIF file"),
        ("BRAND_LOGO", "http://logo.example/x.png", "BRAND_LOGO must be"),
        ("COMPANY_NAME", "Two\nlines", "COMPANY_NAME must be one line"),
    ],
)
def test_a_brand_the_mail_cannot_use_stops_the_start_with_one_line(
    database_url, setting, value, said
):
    with pytest.raises(ConfigError) as refused:
        create_app(support.app_config(database_url, **{setting: value}))
    assert said in str(refused.value.message)


@pytest.mark.browser
def test_every_email_reads_on_a_phone_and_in_dark_mode(every_email, browser):
    """Each HTML part in Chromium at 375 px: nothing wider than the screen; in dark mode the
    card turns dark and its text stays readable (contrast of the computed colours)."""
    from tests.browser import PHONE

    for scheme in ("light", "dark"):
        context = browser.new_context(viewport=PHONE, color_scheme=scheme)
        page = context.new_page()
        for message in every_email:
            _text, html = parts(message)
            page.set_content(html)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"“{message['Subject']}” is {width}px wide"
            colours = page.evaluate(
                """() => {
                  const card = document.querySelector('.content');
                  const style = getComputedStyle(card);
                  const back = getComputedStyle(document.querySelector('.card'));
                  return [style.color, back.backgroundColor];
                }"""
            )
            text, back = (_hex(colour) for colour in colours)
            assert branding.contrast(text, back) >= branding.READABLE, (scheme, colours)
            dark_card = branding.contrast(back, "#000000") < branding.contrast(back, "#ffffff")
            assert dark_card == (scheme == "dark"), (scheme, colours)
        context.close()


def _hex(css: str) -> str:
    red, green, blue = (int(n) for n in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"
