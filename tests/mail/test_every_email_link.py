"""No emailed link ever 404s: every kind of email the portal sends is produced the way people
produce it (HR's forms, the candidate's and the recruiter's pages, the worker's jobs), sent by
the real worker to a real SMTP server on loopback with a fixed clock, and every http(s) link in
its text part, its HTML part and its List-Unsubscribe header is followed with the test client
as the recipient would: signed in as them where they have an account, token links (invitation,
password reset) once and signed out. Each must load (200), or redirect to a page that loads.

The test knows every kind: it fails when an email template or a cadence kind exists that it did
not send, so a new kind of email cannot escape it (add it to KIND_OF_TEMPLATE and to
`produce_every_email`, in tests/mail/every_email.py).
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.mail import cadence
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.news.models import FeedEntry
from portal.people.models import User
from tests.mail.every_email import (
    KIND_OF_TEMPLATE,
    T0,
    email_templates,
    produce_every_email,
    signed_in_as,
)
from tests.support import BASE_URL

LINK = re.compile(r"https?://[^\s\"'<>)\]]+")
TOKEN_PATHS = ("/invitation/", "/password/reset/")


@pytest.fixture
def site(make_app, smtp_server):
    return make_app(SMTP_URL=smtp_server.url, PORTAL_CLOCK=T0)


def _links(message: EmailMessage) -> list[str]:
    found: list[str] = []
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            text = part.get_content()
            if part.get_content_type() == "text/html":
                text = unescape(text)
            found += LINK.findall(text)
    header = message.get("List-Unsubscribe")
    if header:
        found += LINK.findall(str(header))
    return list(dict.fromkeys(link.rstrip(".,;:") for link in found))


def _follow(client, link: str, external_ok: set[str]) -> list[str]:
    """Follow `link` (and its redirects within the portal); what went wrong, in words."""
    base = urlsplit(BASE_URL)
    url = link
    for _hop in range(5):
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            if url in external_ok:
                return []  # a news item's own site, where the portal sends the reader on
            return [f"{link}: leads out of the portal, to {url}"]
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.get(path)
        response.close()  # a file (the logo) is streamed: let it go
        if response.status_code in (301, 302, 303, 307, 308):
            url = response.headers["Location"]
            if url.startswith("/"):
                url = f"{base.scheme}://{base.netloc}{url}"
            continue
        if response.status_code != 200:
            return [f"{link}: {response.status_code} at {path}"]
        if parts.path == "/sign-in" and link != url:
            return [f"{link}: sent the signed-in recipient to the sign-in page"]
        return []
    return [f"{link}: too many redirects"]


def test_every_link_in_every_email_loads_for_its_recipient(site, smtp_server):
    produce_every_email(site)

    with site.app_context():
        sent = db.session.execute(
            select(OutgoingEmail.kind, OutgoingEmail.to_address, OutgoingEmail.status)
        ).all()
        accounts = {
            user.email: user.has_password for user in db.session.scalars(select(User)).all()
        }
        external_ok = {link for link in db.session.scalars(select(FeedEntry.link)) if link}
    kinds_sent = {kind for kind, _to, status in sent if status == EmailStatus.SENT}
    not_sent = [(kind, to, status) for kind, to, status in sent if status != EmailStatus.SENT]
    assert not not_sent, f"queued but not sent: {not_sent}"

    missing_templates = email_templates() - set(KIND_OF_TEMPLATE)
    assert not missing_templates, f"email templates this test does not send: {missing_templates}"
    every_kind = set(KIND_OF_TEMPLATE.values()) | set(cadence.CATEGORY_OF_KIND)
    assert every_kind - kinds_sent == set(), "kinds of email this test did not send"
    assert kinds_sent - every_kind == set(), "kinds this test does not know about"

    messages = smtp_server.wait_for(len(sent))
    assert len(messages) == len(sent)
    problems: list[str] = []
    followed: list[str] = []
    clients: dict[str, object] = {}
    for message in messages:
        to = str(message["To"])
        links = _links(message)
        assert links, f"“{message['Subject']}” to {to} links to nothing"
        for link in links:
            if any(marker in link for marker in TOKEN_PATHS) or not accounts.get(to):
                client = site.test_client()  # signed out: the link is all they have
            else:
                if to not in clients:
                    clients[to] = signed_in_as(site, to)
                client = clients[to]
            problems += [
                f"“{message['Subject']}” to {to}: {p}" for p in _follow(client, link, external_ok)
            ]
            followed.append(link)
    assert not problems, "\n".join(problems)
    expected_links = (
        "/invitation/",
        "/password/reset/",
        "/candidate/news/",
        "/recruiter/candidates/",
    )
    for expected in expected_links:
        assert any(expected in link for link in followed), f"no {expected} link in {followed}"


def test_the_kinds_are_known_from_the_templates_and_the_cadence_rules():
    """The lists this test checks against are read from the code, not copied."""
    assert "accounts/email/invitation" in email_templates()
    assert "news/email/_update" not in email_templates()
    assert {"invitation", "answer_posted", "joining_changed"} <= set(cadence.CATEGORY_OF_KIND)
