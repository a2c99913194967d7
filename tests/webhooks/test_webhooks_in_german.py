"""HR's webhook pages in German (issue 14): the form, its refusals, the signing secret's panel,
the delivery log and what is said after each action in the reader's language. What the portal
records (a disabled endpoint's reason, the audit log) stays English; the page says it in the
reader's language. The events and their codes stay English: receivers read them."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import User
from portal.webhooks.models import WebhookEndpoint
from tests import support


def _german_hr(app, people):
    with app.app_context():
        db.session.get(User, people["ids"]["hr"]).language = "de"
        db.session.commit()
    client = app.test_client()
    assert support.sign_in(client, people["emails"]["hr"]).status_code == 302
    return client


def _text(page: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def test_hr_registers_and_disables_an_endpoint_in_german(app, people):
    client = _german_hr(app, people)
    form = client.get("/hr/webhooks/new").get_data(as_text=True)
    assert "<h1>Webhook-Endpunkt registrieren</h1>" in form
    assert (
        "Eine Kandidatin oder ein Kandidat hat eine Frage gestellt <code>question.asked</code>"
        in form
    )
    assert "Kandidat:innen von Rita Recruiter" in form
    assert "Jedes Ereignis enthält die ID der Kandidatin oder des Kandidaten" in form

    refused = support.post_form(client, "/hr/webhooks/new", {"url": "ftp://x", "recruiter_id": "0"})
    assert refused.status_code == 422
    said = _text(refused.get_data(as_text=True))
    assert "Geben Sie eine Adresse ein, die mit https:// oder http:// beginnt." in said
    assert "Wählen Sie mindestens ein Ereignis zum Senden." in said

    created = support.post_form(
        client,
        "/hr/webhooks/new",
        {
            "url": "https://ats.example.com/hooks",
            "event_types": ["question.asked"],
            "recruiter_id": "0",
        },
    )
    assert created.status_code == 302
    location = created.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Der Endpunkt ist registriert. Kopieren Sie jetzt seinen Signaturschlüssel." in page
    assert "<strong>Er wird nicht noch einmal angezeigt</strong>" in page
    assert (
        "Noch nichts gesendet." in page and "Zugestellt: 0, Fehlgeschlagen: 0, Wartend: 0." in page
    )

    answer = support.post_form(client, f"{location}/disable", {"confirmed": "1"}, form_url=location)
    assert answer.status_code == 302
    page = client.get(location).get_data(as_text=True)
    assert "Der Endpunkt ist deaktiviert: Bis er wieder aktiviert wird" in _text(page)
    assert re.search(r'Seit <time datetime="[^"]+">[^<]+</time>: von HR deaktiviert</p>', page)
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.disabled_reason == "disabled by HR"  # recorded in English

    listing = _text(client.get("/hr/webhooks").get_data(as_text=True))
    assert "Deaktiviert" in listing and "0 wartend" in listing and "Noch keine" in listing
