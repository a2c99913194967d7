"""The audit log's words in the reader's language (issue 14): each action, field and filter
kind is said in German to a German reader and in English to everyone else, while the log keeps
codes, and a filter kept as an entry's subject stays English (a record, like every subject)."""

from __future__ import annotations

from flask_babel import force_locale

from portal.people import audit
from portal.people.audit import AuditFilter


def test_actions_fields_and_kinds_read_german_for_a_german_reader(app):
    with app.test_request_context(), force_locale("de"):
        assert audit.describe("signed_in") == "angemeldet"
        assert audit.describe("team.buddy_introduced") == "Buddy für eine:n Kandidat:in vorgestellt"
        assert audit.describe("candidate.created") == "Konto angelegt (Kandidat:in)"
        assert audit.describe("hr.deactivated") == "Konto geschlossen (HR)"
        assert audit.describe_field("joining_date") == "Eintrittsdatum"
        assert audit.describe_field("msg_2a8f") == "msg_2a8f"  # a field not listed: as recorded
        assert str(audit.ACTION_KINDS["outcomes"][0]) == "Ergebnisse der Angebote"
        # The filter kept as the export's subject is a record: English for every reader.
        assert AuditFilter(kind="outcomes").described() == "Offer outcomes"


def test_every_word_has_german(app):
    with app.test_request_context():
        with force_locale("en"):
            kinds = {kind: str(label) for kind, (label, _codes) in audit.ACTION_KINDS.items()}
        with force_locale("de"):
            for code, words in audit.ACTION_WORDS.items():
                assert audit.describe(code) != words, f"{code}: “{words}” has no German"
            for field, words in audit.FIELD_WORDS.items():
                assert audit.describe_field(field) != words, f"{field}: “{words}” has no German"
            for kind, (label, _codes) in audit.ACTION_KINDS.items():
                if kinds[kind] not in ("FAQ", "Webhooks"):  # the same word in German
                    assert str(label) != kinds[kind], f"{kind}: “{label}” has no German"


def test_english_readers_read_the_words_as_they_were(app):
    with app.test_request_context():
        assert audit.describe("candidate.created") == "created an account (candidate)"
        assert audit.describe("hr.created") == "created an account (HR)"
        assert audit.describe_field("mail_preference") == "email choice"
        assert str(audit.ACTION_KINDS["team"][0]) == "Welcomes and teams"
