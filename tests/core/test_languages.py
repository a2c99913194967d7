"""The reader's language (issue 14): which one a page is in, the footer's switch for everyone,
numbers and dates in it, messages of the shared validators, and the JSON API kept in English."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import zxcvbn
from flask import render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import DateField

from portal.accounts import passwords
from portal.core import i18n, inputs, time_zones
from portal.core.extensions import db
from portal.core.i18n import (
    LANGUAGE_COOKIE,
    _l,
    format_decimal,
    format_number,
    in_language,
    lazy_number,
)
from portal.core.rate_limits import retry_message
from portal.core.templating import external_link
from portal.core.uploads import size_in_words
from portal.people.models import AuditEntry, Role, User
from tests.support import csrf_token, make_staff, sign_in

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def _html_lang(response) -> str:
    text = response.get_data(as_text=True)
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def _switch(client, language: str, next_path: str = "/sign-in", **kwargs):
    """Use the footer's switch as a browser does: from a page, with its CSRF token."""
    page = client.get(next_path, **kwargs)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        "/language",
        data={"csrf_token": token, "language": language, "next": next_path},
        **kwargs,
    )


# --- Which language a page is in ---------------------------------------------------------------


def test_a_visitor_reads_the_browsers_language_and_english_otherwise(client):
    german = client.get("/sign-in", headers=GERMAN)
    assert _html_lang(german) == "de"
    assert "Anmelden" in german.get_data(as_text=True)
    assert "Passwort vergessen?" in german.get_data(as_text=True)
    english = client.get("/sign-in", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert _html_lang(english) == "en"
    assert "Forgot your password?" in english.get_data(as_text=True)


def test_the_switch_sets_a_cookie_that_wins_over_the_browser(client):
    answer = _switch(client, "de", headers={"Accept-Language": "en"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/sign-in"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None and cookie.value == "de" and cookie.http_only
    page = client.get("/sign-in", headers={"Accept-Language": "en"})
    assert _html_lang(page) == "de"
    assert "Neu hier?" in page.get_data(as_text=True)
    back = _switch(client, "en", headers={"Accept-Language": "de"})
    assert back.status_code == 302
    assert _html_lang(client.get("/sign-in", headers=GERMAN)) == "en"


def test_a_cookie_for_a_language_the_portal_does_not_speak_is_ignored(client):
    client.set_cookie(LANGUAGE_COOKIE, "xx")
    assert _html_lang(client.get("/sign-in", headers=GERMAN)) == "de"
    assert _html_lang(client.get("/sign-in")) == "en"


def test_the_switch_refuses_a_language_it_does_not_offer_and_a_missing_token(client):
    assert _switch(client, "fr").status_code == 400
    assert _switch(client, "").status_code == 400
    refused = client.post("/language", data={"language": "de", "next": "/sign-in"})
    assert refused.status_code == 400
    assert client.get_cookie(LANGUAGE_COOKIE) is None


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_the_switch_goes_back_to_a_page_of_this_site_only(client, target):
    page = client.get("/sign-in")
    answer = client.post(
        "/language",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "language": "de",
            "next": target,
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


def test_the_switch_is_in_every_pages_footer_each_language_named_in_itself(client):
    page = client.get("/sign-in", headers=GERMAN).get_data(as_text=True)
    footer = page.split('<footer class="site-footer">', 1)[1]
    assert 'action="/language"' in footer and 'name="csrf_token"' in footer
    assert '<span class="language-current" lang="de" aria-current="true">Deutsch</span>' in footer
    assert 'name="language" value="en" lang="en">English</button>' in footer
    assert 'aria-labelledby="language-switch-label"' in footer


def test_a_signed_in_person_reads_their_own_language_whatever_the_cookie(app, client, people):
    sign_in(client, people["emails"]["recruiter_a"])
    client.set_cookie(LANGUAGE_COOKIE, "de")
    page = client.get("/recruiter/", headers=GERMAN)
    assert _html_lang(page) == "en"  # their account says English


def test_staff_save_their_language_with_the_switch_and_it_is_audited(app, client, people):
    sign_in(client, people["emails"]["hr"])
    answer = _switch(client, "de", next_path="/hr/audit")
    assert answer.status_code == 302 and answer.headers["Location"] == "/hr/audit"
    page = client.get("/hr/audit")
    assert _html_lang(page) == "de"
    assert "<h1>Audit-Protokoll</h1>" in page.get_data(as_text=True)
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        assert hr.language == "de"
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.field == "language")).all()
        assert [(e.action, e.old_value, e.new_value) for e in entries] == [
            ("hr.profile_changed", "en", "de")
        ]
    # Signing out keeps the sign-in page in their language.
    page = client.get("/hr/")
    client.post("/sign-out", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    signed_out = client.get("/sign-in", headers={"Accept-Language": "en"})
    assert _html_lang(signed_out) == "de"
    assert "Sie sind abgemeldet." in signed_out.get_data(as_text=True)


def test_the_json_api_answers_in_english_whatever_the_browser_says(client):
    answer = client.get("/api/v1/candidates", headers=GERMAN)
    assert answer.status_code == 401
    assert answer.get_json()["detail"].startswith("This API needs a token")
    # A message the site translates (the NUL refusal) stays English under /api/.
    refused = client.get("/api/v1/candidates?q=%00", headers=GERMAN)
    assert refused.status_code == 400
    assert refused.get_json()["detail"] == (
        "The text sent contains a character that cannot be stored (a NUL byte)."
    )
    page = client.get("/sign-in?q=%00", headers=GERMAN).get_data(as_text=True)
    assert "ein NUL-Byte" in page
    missing = client.get("/nowhere", headers=GERMAN)
    assert missing.status_code == 404 and "Seite nicht gefunden" in missing.get_data(as_text=True)


def test_the_error_pages_are_in_the_readers_language(client):
    page = client.get("/nowhere", headers=GERMAN).get_data(as_text=True)
    assert "<h1>Seite nicht gefunden</h1>" in page
    assert "Fehler 404" in page and "Zu Ihrer Startseite" in page


# --- Numbers, dates and words in the reader's language -----------------------------------------


def test_numbers_are_written_as_the_reader_writes_them(app):
    with app.test_request_context(headers=GERMAN):
        assert format_number(5000) == "5.000"
        assert format_decimal(1.5, "#,##0.##") == "1,5"
        assert size_in_words(1536 * 1024) == "1,5 MB"
        assert str(_l("Up to %(max)s characters.", max=lazy_number(2000))) == (
            "Up to 2.000 characters."
        )
        assert render_template_string("{{ 1234567 | number }}") == "1.234.567"
    with app.test_request_context():
        assert format_number(5000) == "5,000"
        assert size_in_words(1536 * 1024) == "1.5 MB"
    assert format_number(5000) == "5,000"  # outside any app: English


def test_the_shared_validators_speak_the_readers_language(app):
    with app.test_request_context(headers=GERMAN):
        with pytest.raises(inputs.InputError, match="Bitte geben Sie den Standort ein."):
            inputs.one_line(" ", max_length=80, what=_l("the location"))
        with pytest.raises(inputs.InputError, match=r"höchstens 2\.000 Zeichen \(jetzt 2\.001\)"):
            inputs.multi_line("x" * 2001, max_length=2000)
        with pytest.raises(inputs.InputError, match="Ein Name braucht mindestens einen Buchstaben"):
            inputs.person_name("123")
        assert retry_message(30) == (
            "Zu viele Versuche. Warten Sie 30 Sekunden und versuchen Sie es dann erneut."
        )
    with app.test_request_context():
        with pytest.raises(inputs.InputError, match="^Enter the location.$"):
            inputs.one_line(" ", max_length=80, what=_l("the location"))
        with pytest.raises(inputs.InputError, match=r"^The location has at most 3 characters"):
            inputs.one_line("Paris", max_length=3, what=_l("the location"))
        assert retry_message(1) == "Too many attempts. Wait 1 second, then try again."


def test_the_new_tab_hint_is_written_for_each_reader(app):
    with app.test_request_context(headers=GERMAN):
        assert "(öffnet in einem neuen Tab)" in external_link("https://example.com/", "x")
    with app.test_request_context():
        assert "(opens in a new tab)" in external_link("https://example.com/", "x")


def test_time_zones_are_chosen_by_country_in_the_readers_language(app):
    with app.test_request_context(headers=GERMAN):
        assert time_zones.label("Europe/Berlin").startswith("Deutschland — Berlin")
        assert time_zones.label("UTC") == "UTC — Koordinierte Weltzeit"
        labels = [choice.label for choice in time_zones.choices()]
        assert labels.index("Österreich — Vienna") < labels.index("Polen — Warsaw")
        # A label typed in either language finds its zone.
        assert time_zones.zone_for_label("deutschland — berlin (most of germany)") == (
            "Europe/Berlin"
        )
        assert time_zones.zone_for_label("Germany — Berlin (most of Germany)") == "Europe/Berlin"
    with app.test_request_context():
        assert time_zones.label("Europe/Berlin") == "Germany — Berlin (most of Germany)"


def test_an_email_is_written_in_its_recipients_language(app_ctx):
    from portal.accounts import operations as accounts

    hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
    user = accounts.create_user(
        actor=hr, email="rex@example.com", name="Rex", role=Role.RECRUITER, time_zone="UTC"
    )
    user.language = "de"
    german = accounts.invite(user, hr)
    assert german.subject == "Willkommen! Richten Sie Ihr Pre-Boarding-Konto ein"
    assert "Hallo Rex," in german.body_text
    assert "Helen HR hat für Sie ein Konto" in german.body_text
    assert "72 Stunden lang" in german.body_html
    user.language = "en"
    english = accounts.invite(user, hr)
    assert english.subject == "Welcome! Set up your pre-boarding account"
    assert "This link works once and for 72 hours." in english.body_text


def test_every_sentence_zxcvbn_can_say_is_translated(app):
    """The list of zxcvbn's feedback in accounts/passwords.py is the library's own."""
    source = Path(zxcvbn.__file__).with_name("feedback.py").read_text(encoding="utf-8")
    said = {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    }
    assert said == set(passwords.ZXCVBN_FEEDBACK)
    with app.test_request_context(headers=GERMAN):
        problem = passwords.password_problem("password1")
        assert problem is not None and problem.startswith("Dieses Passwort ist zu leicht")
        assert "Fügen Sie ein oder zwei weitere Wörter hinzu." in problem
        assert "Add another word" not in problem
    with app.app_context(), in_language("de"):
        assert passwords.zxcvbn_words("Avoid sequences.") == "Vermeiden Sie Folgen."


def test_wtforms_own_messages_come_in_the_readers_language_from_one_catalogue(app):
    """WTForms' built-in messages follow the reader's language, and its catalogue is read from
    its file once per language and process, not on every request that makes a form."""

    class Form(FlaskForm):
        class Meta:
            csrf = False

        day = DateField("Day")

    def error(language: str) -> str:
        with app.test_request_context("/", headers={"Accept-Language": language}):
            form = Form(formdata=MultiDict({"day": "not a date"}))
            assert not form.validate()
            return form.day.errors[0]

    i18n._wtforms_catalogue.cache_clear()
    assert error("de") == "Kein gültiges Datum."
    assert error("en") == "Not a valid date value."
    for _ in range(3):
        assert error("de") == "Kein gültiges Datum."
    assert i18n._wtforms_catalogue.cache_info().misses == 2  # German, English: once each
