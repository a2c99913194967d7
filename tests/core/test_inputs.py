"""core.inputs: one validator per kind of input, for forms, the command line and the API."""

from __future__ import annotations

import unicodedata
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from portal.core import inputs
from portal.core.inputs import InputError
from portal.people.models import User

REAL_NAMES = [
    "Zoë O'Brien-Łukasiewicz",
    "李小龍",
    "José María",
    "Nguyễn Thị Minh Khai",
    "Søren Kierkegaard",
    "محمد بن سلمان",
    "ישראל ישראלי",
    "Ельцин Борис",
    "Αλέξανδρος Παπαδόπουλος",
    "Ngũgĩ wa Thiong'o",
    "Dr. Jane A. Smith, Jr.",
    "X",
    "नमस्ते\u200dजी",  # a zero-width joiner, which Indic scripts need, is kept
    "مهر\u200cنوش",  # a zero-width non-joiner, which Persian needs, is kept
    "anna.k",  # what `users create` makes of anna.k@example.com without --name
]

# What arrives, and the one clean line that is stored.
SPELLINGS = [
    ("Ada\u2028Lovelace", "Ada Lovelace"),  # line separator
    ("Ada\u2029Lovelace", "Ada Lovelace"),  # paragraph separator
    ("Ada\u0085Lovelace", "Ada Lovelace"),  # next line (NEL)
    ("Ada\vLovelace", "Ada Lovelace"),  # vertical tab
    ("Ada\fLovelace", "Ada Lovelace"),  # form feed
    ("Ada\r\nLovelace", "Ada Lovelace"),
    ("Ada\rLovelace", "Ada Lovelace"),
    ("Ada\nLovelace\n", "Ada Lovelace"),
    ("Ada\tLovelace", "Ada Lovelace"),
    ("Ada\x00Lovelace", "Ada Lovelace"),  # NUL, which PostgreSQL cannot store
    ("Ada\x1bLovelace", "Ada Lovelace"),  # escape
    ("Ada\x1cLovelace", "Ada Lovelace"),  # file separator: a line break to splitlines()
    ("Ada\x7fLovelace", "Ada Lovelace"),  # delete
    ("Ada\x9bLovelace", "Ada Lovelace"),  # a C1 control
    ("Ada\u00a0\u2003\u3000Lovelace", "Ada Lovelace"),  # no-break, em and ideographic spaces
    ("   Ada    Lovelace   ", "Ada Lovelace"),
    ("Ada Love\u200blace", "Ada Lovelace"),  # zero-width space
    ("\ufeffAda Lovelace", "Ada Lovelace"),  # byte-order mark
    ("Ada Love\u00adlace", "Ada Lovelace"),  # soft hyphen
    ("Ada \u202eecalevoL", "Ada ecalevoL"),  # right-to-left override: gone, text unchanged
    ("\u2066Ada\u2069 Lovelace", "Ada Lovelace"),  # bidi isolates
    ("Zoe\u0308", "Zoë"),  # decomposed (NFD), as macOS may send it: composed
    ("Zo\u200be\u0308", "Zoë"),  # composed even across a dropped invisible character
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_are_kept_exactly(name):
    assert inputs.person_name(name) == name


@pytest.mark.parametrize(("raw", "stored"), SPELLINGS)
def test_every_line_break_control_and_invisible_character_is_cleaned(raw, stored):
    name = inputs.person_name(raw)
    assert name == stored
    assert name.splitlines() == [name]
    assert name.isprintable()
    assert unicodedata.is_normalized("NFC", name)


@pytest.mark.parametrize(("raw", "stored"), SPELLINGS)
def test_a_cleaned_name_is_safe_in_an_email_subject(raw, stored):
    message = EmailMessage(policy=SMTP)
    message["Subject"] = f"New question from {inputs.person_name(raw)}"
    message.set_content("body")
    assert f"New question from {stored}" == message["Subject"]
    headers = message.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"\x00" not in headers
    assert all(line[:1] in (b" ", b"\t") or b":" in line for line in headers.split(b"\r\n"))


@pytest.mark.parametrize(
    "raw", ["", "   ", "\u2028\u2029", "\t\r\n", "\u200b\u200b", "\x00", "\ufeff\u202e"]
)
def test_nothing_left_is_asked_for(raw):
    with pytest.raises(InputError) as caught:
        inputs.person_name(raw)
    assert caught.value.empty and caught.value.message == "Enter a name."


def test_a_name_without_any_letter_is_refused():
    for raw in ("123", "-- --", "🙂", "..."):
        with pytest.raises(InputError, match="at least one letter") as caught:
            inputs.person_name(raw)
        assert not caught.value.empty


def test_the_length_limit_is_the_columns_and_counts_characters_once_composed():
    assert User.__table__.c.name.type.length == inputs.NAME_MAX_LENGTH
    assert User.__table__.c.email.type.length == inputs.EMAIL_MAX_LENGTH
    longest = "é" * inputs.NAME_MAX_LENGTH
    assert inputs.person_name(unicodedata.normalize("NFD", longest)) == longest
    assert inputs.person_name("a" + " \u2028 " * 500 + "b") == "a b"
    with pytest.raises(InputError, match="at most 120 characters \\(121 now\\)"):
        inputs.person_name("é" * 121)
    with pytest.raises(InputError, match="at most 120"):
        inputs.person_name("x" * 100_000)


def test_half_characters_from_a_terminal_are_refused_not_stored():
    # On Linux the command line hands undecodable bytes over as lone surrogates.
    raw = b"Jos\xe9".decode("utf-8", "surrogateescape")
    with pytest.raises(InputError, match="could not be read"):
        inputs.person_name(raw)
    assert inputs.single_line(raw) == "Jos\ufffd"


def test_one_line_names_what_it_checks():
    assert inputs.one_line(" Lead\u2028Analyst ", max_length=20, what="the job title") == (
        "Lead Analyst"
    )
    with pytest.raises(InputError, match="^Enter the job title\\.$"):
        inputs.one_line("\u2029", max_length=20, what="the job title")
    with pytest.raises(InputError, match="^The job title has at most 5 characters \\(6 now\\)"):
        inputs.one_line("abcdef", max_length=5, what="the job title")
    assert inputs.one_line("1234", max_length=5, what="a code") == "1234"  # no letter needed


def test_multi_line_keeps_lines_and_tabs_and_nothing_else_invisible():
    raw = "  Hello\r\nworld\rone\u2028two\u2029three\x85four\vfive\ffive\x00\x07\tend\n\n  "
    assert inputs.multi_line(raw, max_length=200) == (
        "Hello\nworld\none\ntwo\nthree\nfour\nfive\nfive\tend"
    )
    assert inputs.multi_line("cafe\u0301", max_length=10) == "café"
    assert inputs.multi_line(" \n\u2028 ", max_length=10) == ""
    assert inputs.multi_line("a\u200db", max_length=10) == "a\u200db"  # emoji sequences
    with pytest.raises(InputError, match="5 characters or fewer \\(6 now\\)"):
        inputs.multi_line("abcdef", max_length=5)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"),
        ("ada+portal@sub.example.co.uk", "ada+portal@sub.example.co.uk"),
        ("anna@Müller.de", "anna@xn--mller-kva.de"),  # the ASCII spelling mail servers read
        ("ada@example.com\u2028", "ada@example.com"),  # trailing separator trimmed
    ],
)
def test_email_addresses_are_stored_in_one_form(raw, stored):
    assert inputs.email_address(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "not an email",
        "Ada Lovelace <ada@example.com>",  # a display name
        "<ada@example.com>",
        "ada@example.com\r\nBcc: everyone@example.com",  # header injection
        "ada@exa\nmple.com",
        "ada@example.com, eve@example.com",
        '"ada lovelace"@example.com',  # quoted local part
        "ada@[192.0.2.1]",  # domain literal
        "ada@localhost",
        "ada@example",
        "ada\x00@example.com",
        "ada@example.com\x00",
        "a" * 250 + "@example.com",
        "@example.com",
        "ada@",
    ],
)
def test_unsafe_or_malformed_addresses_are_refused(raw):
    with pytest.raises(InputError) as caught:
        inputs.email_address(raw)
    assert not caught.value.empty
    assert "email address" in caught.value.message or "at most" in caught.value.message


def test_accented_letters_before_the_at_are_refused_with_a_reason():
    with pytest.raises(InputError, match="unaccented letters"):
        inputs.email_address("josé@example.com")


def test_an_empty_address_is_asked_for():
    for raw in ("", "   ", "\u2028"):
        with pytest.raises(InputError, match="Enter an email address") as caught:
            inputs.email_address(raw)
        assert caught.value.empty


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("https://news.example.com/feed.xml", "https://news.example.com/feed.xml"),
        (
            "  HTTPS://News.Example.COM:443/Feed.xml?A=1#top ",
            "https://news.example.com/Feed.xml?A=1",
        ),
        ("http://news.example.com:80/rss", "http://news.example.com/rss"),
        ("http://news.example.com:8080/rss", "http://news.example.com:8080/rss"),
        ("https://münchen.example/nachrichten", "https://xn--mnchen-3ya.example/nachrichten"),
        ("http://127.0.0.1:5001/feed", "http://127.0.0.1:5001/feed"),
        ("https://[2001:db8::1]:8443/feed", "https://[2001:db8::1]:8443/feed"),
    ],
)
def test_web_addresses_are_stored_in_one_form(raw, stored):
    assert inputs.web_address(raw) == stored


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("news.example.com/feed", "must start with https:// or http://"),
        ("ftp://news.example.com/feed", "must start with https:// or http://"),
        ("javascript:alert(1)", "must start with https:// or http://"),
        ("file:///etc/passwd", "must start with https:// or http://"),
        ("https://", "must name a server"),
        ("https:///feed", "must name a server"),
        ("https://user:secret@news.example.com/", "must not contain a user name or password"),
        ("https://news.example.com/a feed", "cannot contain spaces"),
        ("https://news.example.com/\nfeed", "cannot contain spaces"),
        ("https://news.example.com/\u202efeed", "invisible characters"),
        ("https://news.example.com:99999/", "is not a valid web address"),
        ("https://news.example.com:0/", "is not a valid web address"),
        ("https://[::1/", "is not a valid web address"),
        ("https://" + "a" * 2000 + ".example/", "at most 2,000 characters"),
    ],
)
def test_unusable_web_addresses_are_refused_with_a_reason(raw, words):
    with pytest.raises(InputError) as caught:
        inputs.web_address(raw, what="the feed's address")
    assert words in caught.value.message
    assert caught.value.message.startswith(("The feed's address", "Enter"))
    assert not caught.value.empty


def test_an_empty_web_address_is_asked_for():
    with pytest.raises(InputError, match="Enter the feed's address.") as caught:
        inputs.web_address("   ", what="the feed's address")
    assert caught.value.empty
