"""The one pluralizer, as Python code and templates use it."""

from __future__ import annotations

from flask import render_template_string

from portal.core.words import noun, plural


def test_plural_counts_in_words():
    assert plural(1, "day") == "1 day"
    assert plural(0, "day") == "0 days"
    assert plural(3, "entry", "entries") == "3 entries"
    assert noun(1, "second") == "second"
    assert noun(2.5, "second") == "seconds"


def test_templates_use_the_same_function(app):
    with app.test_request_context():
        text = render_template_string("{{ plural(2, 'hour') }} / {{ noun(1, 'minute') }}")
    assert text == "2 hours / minute"
