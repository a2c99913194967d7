"""Delivering the webhook outbox, one committed transaction per step: the job runner of
`portal.webhooks.delivery`.

A commit boundary, like views, CLI commands and the worker's loop. The claim is committed before
anything is sent (that commit is what hides the messages from other workers); nothing is held
open while sending; each outcome is committed as soon as it is known, while the other sends are
still out. Called by the worker and by `flask --app portal webhooks deliver`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from portal.core import clock
from portal.core.extensions import db
from portal.webhooks import delivery
from portal.webhooks.delivery import PassSummary, Sent

log = logging.getLogger(__name__)


def deliver_pass(now: datetime | None = None, limit: int = 50) -> PassSummary:
    """Claim up to `limit` messages due at `now` (default: the portal's clock), send them and
    record the outcomes. Call it with no transaction in progress: it commits its own."""
    now = now or clock.now()
    options = delivery.settings()
    claimed = delivery.claim_due(now, limit, options.lease)
    db.session.commit()
    if not claimed:
        return PassSummary()
    sent: list[Sent] = []
    for outcome in delivery.send_all(claimed, options):
        sent.append(outcome)
        try:
            delivery.record(outcome, now + timedelta(seconds=outcome.offset), options)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("Recording webhook message %s failed", outcome.claimed.message_id)
    return PassSummary.of(len(claimed), sent)


def deliver_due(now: datetime | None = None, limit: int = 50) -> int:
    """One pass of deliver_pass (for the worker); returns how many messages were delivered."""
    return deliver_pass(now, limit).delivered
