"""Mail decided at send time: each kind of email may be looked at again when it is about to go.

A message is rendered when it is queued, but it may wait a while (an answer's batch window,
quiet hours, the weekly cap). By the time it goes, the facts may have changed: the candidate
read the answer in the portal, HR hid a news item, a later change superseded this one. A
feature registers a recheck for each kind it queues (from its `app.init_app`); delivery asks
for the `verdict` when it claims the message, and then sends it as queued (`Send`), records it
as not sent with a reason a person reads (`Drop`), or sends what the recheck rendered from the
current facts instead (`Rewrite`).

Rechecks run in an app context but outside any request: `render_template` works, and links
come from the `absolute_url` template global (bound to BASE_URL). They only read, or flush.
A recheck of mail to a candidate runs in the candidate's language (a `Rewrite`'s subject made
with `_()` is in it; `notifications.render_bodies` renders in the `recipient`'s).
The registry lives on the app (`app.extensions`), so test apps never share rechecks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from flask import Flask, current_app, has_app_context

from portal.mail.models import OutgoingEmail

_EXTENSION_KEY = "portal.mail.rechecks"


@dataclass(frozen=True)
class Send:
    """Send the message as it was queued."""


@dataclass(frozen=True)
class Drop:
    """Do not send it; it is kept, marked as withdrawn, with `reason` (words HR reads): an
    English sentence marked for translation with `N_("…")`, kept as it is and shown in HR's
    language (`portal.mail.reasons.reason_words`)."""

    reason: str


@dataclass(frozen=True)
class Rewrite:
    """Send this instead: the message rendered again from the current facts."""

    subject: str
    body_text: str
    body_html: str
    # (filename, content type, text content) triples; None keeps the queued ones.
    attachments: list[tuple[str, str, str]] | None = None


Verdict: TypeAlias = Send | Drop | Rewrite
Recheck: TypeAlias = Callable[[OutgoingEmail, datetime], Verdict]


def register(kind: str, recheck: Recheck, app: Flask | None = None) -> None:
    """Have `recheck` decide about every message of `kind` when it is sent; one per kind.

    Called from a feature's `init_app(app)`, which runs outside any app context: pass `app`
    there, `register(KIND, recheck, app)`. Without it the current app is used."""
    if app is None and not has_app_context():
        raise RuntimeError(
            f"rechecks.register({kind!r}, ...) needs the app: call register(kind, recheck, app) "
            "from init_app(app)."
        )
    target = app if app is not None else current_app
    registry: dict[str, Recheck] = target.extensions.setdefault(_EXTENSION_KEY, {})
    if kind in registry and registry[kind] is not recheck:
        raise ValueError(f"A recheck for {kind!r} emails is already registered.")
    registry[kind] = recheck


def registered() -> frozenset[str]:
    """The kinds of email that have a recheck in the current app."""
    return frozenset(current_app.extensions.get(_EXTENSION_KEY, {}))


def verdict(email: OutgoingEmail, now: datetime) -> Verdict:
    """What to do with `email` now: its kind's recheck decides, or `Send` when it has none.
    Whatever the recheck raises is raised here (delivery parks that message)."""
    recheck: Recheck | None = current_app.extensions.get(_EXTENSION_KEY, {}).get(email.kind)
    if recheck is None:
        return Send()
    return recheck(email, now)
