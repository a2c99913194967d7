"""The reader's language: which one a page is written in (their profile's choice, else the
browser's), and dates worded in it through Babel, English unchanged."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import update

from portal.core.extensions import db
from portal.core.i18n import in_language, language_of, reader_language
from portal.core.templating import local_datetime, long_date, short_date, short_datetime
from portal.people.models import User
from tests.support import sign_in

GERMAN_BROWSER = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
MONDAY = date(2026, 12, 7)
NINE_IN_BERLIN = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _page_language(response) -> str:
    found = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page names no language"
    return found.group(1)


def test_dates_are_worded_in_german_for_a_german_reader(app):
    with app.test_request_context(), in_language("de"):
        assert reader_language() == "de"
        assert long_date(MONDAY) == "Montag, 7. Dezember 2026"
        assert short_date(MONDAY) == "7. Dez. 2026"
        assert local_datetime(NINE_IN_BERLIN, "Europe/Berlin") == (
            "Montag, 7. Dezember 2026, 09:00 CET"
        )
        assert short_datetime(NINE_IN_BERLIN, "Europe/Berlin") == "7. Dez. 2026, 09:00"


def test_english_dates_are_as_before(app):
    with app.test_request_context(), in_language("en"):
        assert long_date(MONDAY) == "Monday 7 December 2026"
        assert short_date(MONDAY) == "7 Dec 2026"
        assert local_datetime(NINE_IN_BERLIN, "Europe/Berlin") == (
            "Monday 7 December 2026, 09:00 CET"
        )


def test_a_language_the_portal_does_not_speak_falls_back_to_english(app):
    with app.test_request_context():
        assert language_of("de") == "de"
        assert language_of("xx") == "en"
        assert language_of(None) == "en"
        with in_language("xx"):
            assert reader_language() == "en"
            assert long_date(MONDAY) == "Monday 7 December 2026"


def test_a_visitor_reads_the_browsers_language(client):
    assert _page_language(client.get("/sign-in", headers=GERMAN_BROWSER)) == "de"
    assert _page_language(client.get("/sign-in")) == "en"
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    assert _page_language(client.get("/sign-in", headers=french)) == "en"


def _chooses(app, user_id: int, language: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(language=language))
        db.session.commit()


def test_the_profiles_choice_wins_over_the_browser(app, client, people):
    candidate = people["ids"]["candidate_a"]
    sign_in(client, people["emails"]["candidate_a"])
    # English on their profile (the default) and a German browser: English.
    assert _page_language(client.get("/candidate/", headers=GERMAN_BROWSER)) == "en"
    _chooses(app, candidate, "de")
    assert _page_language(client.get("/candidate/")) == "de"
    # A stored language the portal no longer offers: as for a visitor, the one remembered at
    # sign-in (the switch's cookie), else the browser's.
    _chooses(app, candidate, "xx")
    assert _page_language(client.get("/candidate/", headers=GERMAN_BROWSER)) == "en"
    client.delete_cookie("portal_language")
    assert _page_language(client.get("/candidate/", headers=GERMAN_BROWSER)) == "de"
    assert _page_language(client.get("/candidate/")) == "en"
