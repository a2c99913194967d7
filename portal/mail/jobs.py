"""Mail's job runner: delivering the queue, one committed transaction per step.

A commit boundary, like views, CLI commands and the worker's loop: `deliver` runs the steps of
`portal.mail.delivery` and commits each at once. A claim is committed before its messages are
sent, so no other deliverer takes them; each outcome is committed as soon as it is known. Called
by the worker, by `flask --app portal mail send`, and by views and commands that deliver what
they have just queued (after committing their own unit of work).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ParamSpec, TypeVar

from portal.core import clock
from portal.core.extensions import db
from portal.mail import delivery

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Delivered:
    """What one delivery did: how many messages went, and why each one that was tried and did
    not go failed ("email 12: the mail server could not be reached: ...")."""

    sent: int = 0
    failures: list[str] = field(default_factory=list)


def deliver(email_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Send the given queued messages (or every due one) and commit each outcome.

    Mail to candidates goes only when the cadence rules allow; until then it stays pending (a
    view that delivers what it has just queued may therefore send nothing). `now` fixes the
    clock (the worker passes its own); by default it is `portal.clock.now()`. Returns how many
    were sent. It commits: call it outside any unit of work you still want to roll back.
    """
    return deliver_all(email_ids, now).sent


def deliver_all(email_ids: Iterable[int] | None = None, now: datetime | None = None) -> Delivered:
    """`deliver`, telling the failed sends too (the worker reports them)."""
    done = Delivered()
    transport = delivery.transport()
    if transport is None:
        return done
    round_ = delivery.Round(None if email_ids is None else list(email_ids))
    if round_.ids == []:
        return done
    while True:
        batch = _committed(delivery.claim, round_, now or clock.now())
        for email_id, message in batch.messages:
            error = delivery.send(transport, email_id, message)
            if _committed(delivery.record, email_id, error, now or clock.now()):
                done.sent += 1
            elif error is not None:
                done.failures.append(f"email {email_id}: {error.reason}")
        if not batch.handled:
            return done


def _committed(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one step in a transaction of its own and commit it; roll it back if it fails."""
    try:
        result = step(*args, **kwargs)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result
