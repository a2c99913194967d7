"""The worker's side of engagement: noticing changes once.

Every few minutes the worker computes every candidate's status (portal.engagement.status) and
compares it with the last one recorded in `candidate_statuses`. A change is written as a
`status_changed` event and a `candidate.status_changed` webhook, in the same transaction; so are
a question going past the answer promise (`question_overdue`) and a candidate's joining moment
passing (`joined`), each once. A fixed number of queries, whatever the number of candidates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from portal.core.extensions import db
from portal.engagement.models import CandidateStatus, Status
from portal.engagement.status import CandidateSignal, signals
from portal.events.models import EngagementEvent, EventKind
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEventType


def evaluate(now: datetime) -> int:
    """The worker's job: record every status change as an event (and a webhook), and note
    questions that became overdue and candidates who joined, once each. Returns how many
    events were written. A fixed number of queries; the caller commits."""
    found = signals(now)
    promise = timedelta(hours=current_app.config["RESPONSE_PROMISE_HOURS"])
    ids = [signal.candidate_id for signal in found]
    snapshots = {
        snapshot.candidate_id: snapshot
        for snapshot in db.session.scalars(
            select(CandidateStatus).where(CandidateStatus.candidate_id.in_(ids))
        )
    }
    noted = {
        tuple(row)
        for row in db.session.execute(
            select(EngagementEvent.candidate_id, EngagementEvent.kind, EngagementEvent.subject)
            .where(
                EngagementEvent.candidate_id.in_(ids),
                EngagementEvent.kind.in_((EventKind.QUESTION_OVERDUE, EventKind.JOINED)),
            )
            .distinct()
        ).all()
    }
    endpoints = webhooks.enabled_endpoints()
    written: list[Any] = []

    def publish(event_type: WebhookEventType, signal: CandidateSignal, data: dict) -> None:
        payload = {
            "candidate": webhooks.candidate_data(signal.candidate_id, signal.name, signal.email),
            "recruiter_id": signal.recruiter_id,
        }
        webhooks.publish(
            event_type,
            payload | data,
            recruiter_id=signal.recruiter_id,
            at=now,
            endpoints=endpoints,
        )

    for signal in found:
        if signal.has_joined:
            if (signal.candidate_id, EventKind.JOINED, None) not in noted:
                written.append(
                    EngagementEvent(
                        candidate_id=signal.candidate_id,
                        kind=EventKind.JOINED,
                        occurred_at=now,
                        data={"joining_at": webhooks.instant(signal.joining_at)},
                    )
                )
                publish(
                    WebhookEventType.CANDIDATE_JOINED,
                    signal,
                    {"joined_at": webhooks.instant(signal.joining_at)},
                )
            continue

        snapshot = snapshots.get(signal.candidate_id)
        before = Status(snapshot.status) if snapshot else Status.ENGAGED
        reasons = [{"code": r.code, "text": r.text} for r in signal.reasons]
        if before != signal.status:
            written.append(
                EngagementEvent(
                    candidate_id=signal.candidate_id,
                    kind=EventKind.STATUS_CHANGED,
                    occurred_at=now,
                    data={
                        "from": str(before),
                        "to": str(signal.status),
                        "reasons": signal.reason_texts,
                    },
                )
            )
            publish(
                WebhookEventType.CANDIDATE_STATUS_CHANGED,
                signal,
                {
                    "from": str(before),
                    "to": str(signal.status),
                    "reasons": reasons,
                    "changed_at": webhooks.instant(now),
                },
            )
        if snapshot is None:
            db.session.add(
                CandidateStatus(
                    candidate_id=signal.candidate_id,
                    status=signal.status,
                    reasons=signal.reason_texts,
                    since=now,
                    evaluated_at=now,
                )
            )
        else:
            if before != signal.status:
                snapshot.status, snapshot.since = signal.status, now
            if snapshot.reasons != signal.reason_texts:
                snapshot.reasons = signal.reason_texts

        if signal.waiting_since is not None and now - signal.waiting_since > promise:
            subject = f"message:{signal.first_waiting_id}"
            if (signal.candidate_id, EventKind.QUESTION_OVERDUE, subject) not in noted:
                written.append(
                    EngagementEvent(
                        candidate_id=signal.candidate_id,
                        kind=EventKind.QUESTION_OVERDUE,
                        occurred_at=now,
                        subject=subject,
                        data={"asked_at": webhooks.instant(signal.waiting_since)},
                    )
                )
                publish(
                    WebhookEventType.QUESTION_OVERDUE,
                    signal,
                    {
                        "question": {
                            "id": signal.first_waiting_id,
                            "asked_at": webhooks.instant(signal.waiting_since),
                        },
                        "unanswered_questions": signal.unanswered_questions,
                        "waiting_hours": int((now - signal.waiting_since).total_seconds() // 3600),
                    },
                )
    db.session.add_all(written)
    db.session.flush()
    if snapshots:
        db.session.execute(
            update(CandidateStatus)
            .where(CandidateStatus.candidate_id.in_(list(snapshots)))
            .values(evaluated_at=now)
        )
    return len(written)
