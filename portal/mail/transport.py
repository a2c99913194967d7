"""Transports that hand a message to the outside world: SMTP, or the console in development."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.headerregistry import Address, ContentTypeHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import make_msgid
from typing import cast
from urllib.parse import parse_qs, unquote, urlsplit

from portal.core.inputs import single_line

log = logging.getLogger("portal.mail")
_HEADERS = HeaderRegistry()


class MailConfigError(ValueError):
    """SMTP_URL cannot be understood."""


class SmtpTransport:
    """smtp://[user:password@]host[:port][?starttls=1] or smtps://... for implicit TLS."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise MailConfigError(
                f"SMTP_URL must look like smtp://host:port, not {parts.scheme}://"
            )
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["0"])[0] in {"1", "true", "yes"}
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        if self.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


class ConsoleTransport:
    """Development only: prints the message so the person running the portal can see it."""

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        log.warning(
            "Email (not sent, no SMTP_URL) to %s: %s\n%s", message["To"], message["Subject"], text
        )


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    domain: str,
    attachments: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> EmailMessage:
    """A multipart message: plain text, HTML alternative, then (filename, type, text) files."""
    message = EmailMessage()
    message["From"] = sender
    # Header values are one clean line whatever was stored: a line or paragraph separator in a
    # name must not break the message (nor add a header). An address that is not one raises.
    message["To"] = Address(addr_spec=single_line(to))
    message["Subject"] = single_line(subject)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments:
        # The type may carry parameters, such as "text/calendar; method=PUBLISH".
        kind = cast(ContentTypeHeader, _HEADERS("content-type", content_type))
        params = dict(kind.params)
        if kind.maintype == "text":
            params.setdefault("charset", "utf-8")  # how the text is encoded just below
        message.add_attachment(
            content.encode("utf-8"),
            maintype=kind.maintype,
            subtype=kind.subtype,
            filename=filename,
            params=params,
        )
    return message
