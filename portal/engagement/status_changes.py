"""The worker's side of engagement: noticing changes once.

Every few minutes the worker computes every candidate's status (portal.engagement.status) and
compares it with the last one recorded in `candidate_statuses`. A change is written as a
`status_changed` event and a `candidate.status_changed` webhook, in the same transaction; so are
a question going past the answer promise (`question_overdue`) and a candidate's joining moment
passing (`joined`), each once. A fixed number of queries, whatever the number of candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from portal.core.extensions import db
from portal.engagement import summary_rebuild
from portal.engagement.models import CandidateStatus, Status
from portal.engagement.status import CandidateSignal
from portal.events.models import EngagementEvent, EventKind
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import WebhookEndpoint, WebhookEventType

Noted = set[tuple[Any, ...]]  # (candidate id, kind, subject) of the once-only events written


def evaluate(now: datetime) -> int:
    """The worker's job: record every status change as an event (and a webhook), and note
    questions that became overdue and candidates who joined, once each. Returns how many
    events were written. A fixed number of queries; the caller commits.

    First every summary's stored status is brought up to `now` (time alone moves statuses:
    days without a sign-in, a question past the promise), which the dashboards read."""
    found = summary_rebuild.evaluate_all(now)
    ids = [signal.candidate_id for signal in found]
    evaluation = _Evaluation(now, _snapshots(ids), _noted(ids), webhooks.enabled_endpoints())
    for signal in found:
        if signal.has_joined:
            evaluation.note_joining(signal)
            continue
        evaluation.note_status(signal)
        evaluation.note_overdue_question(signal)
    return evaluation.save()


def _snapshots(ids: list[int]) -> dict[int, CandidateStatus]:
    """The status last recorded for each of these candidates (one query)."""
    return {
        snapshot.candidate_id: snapshot
        for snapshot in db.session.scalars(
            select(CandidateStatus).where(CandidateStatus.candidate_id.in_(ids))
        )
    }


def _noted(ids: list[int]) -> Noted:
    """The once-only events (overdue question, joined) already written for them (one query)."""
    return {
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


def _starting(signal: CandidateSignal) -> Status:
    """The status a candidate had before the worker first saw them."""
    return Status.ENGAGED if signal.signed_up else Status.INVITED


@dataclass
class _Evaluation:
    """One pass: what was recorded before it, and the events it writes (each with its webhook,
    in the same transaction)."""

    now: datetime
    snapshots: dict[int, CandidateStatus]
    noted: Noted
    endpoints: list[WebhookEndpoint]
    written: list[EngagementEvent] = field(default_factory=list)

    def note_joining(self, signal: CandidateSignal) -> None:
        """A candidate whose joining moment has passed: `joined`, once."""
        if (signal.candidate_id, EventKind.JOINED, None) in self.noted:
            return
        self._write(
            signal,
            EventKind.JOINED,
            {"joining_at": webhooks.instant(signal.joining_at)},
            WebhookEventType.CANDIDATE_JOINED,
            {"joined_at": webhooks.instant(signal.joining_at)},
        )

    def note_status(self, signal: CandidateSignal) -> None:
        """A status that differs from the last one recorded: `status_changed`; then the
        recorded status (and its reasons) brought up to date."""
        snapshot = self.snapshots.get(signal.candidate_id)
        # Nothing recorded yet: a candidate starts out invited, and is engaged once signed in.
        before = Status(snapshot.status) if snapshot else _starting(signal)
        if before != signal.status:
            change = {"from": str(before), "to": str(signal.status)}
            reasons = [{"code": r.code, "text": webhooks.personal(r.text)} for r in signal.reasons]
            # The reasons in English as recorded, and what each is worded from (any reader's
            # language: engagement.reason_words).
            facts = [{"code": r.code, "facts": r.facts} for r in signal.reasons]
            self._write(
                signal,
                EventKind.STATUS_CHANGED,
                change | {"reasons": signal.reason_texts, "reason_facts": facts},
                WebhookEventType.CANDIDATE_STATUS_CHANGED,
                change | {"reasons": reasons, "changed_at": webhooks.instant(self.now)},
            )
        self._keep(signal, snapshot, before)

    def _keep(
        self, signal: CandidateSignal, snapshot: CandidateStatus | None, before: Status
    ) -> None:
        if snapshot is None:
            db.session.add(
                CandidateStatus(
                    candidate_id=signal.candidate_id,
                    status=signal.status,
                    reasons=signal.reason_texts,
                    since=self.now,
                    evaluated_at=self.now,
                )
            )
            return
        if before != signal.status:
            snapshot.status, snapshot.since = signal.status, self.now
        if snapshot.reasons != signal.reason_texts:
            snapshot.reasons = signal.reason_texts

    def note_overdue_question(self, signal: CandidateSignal) -> None:
        """The oldest unanswered question past the answer promise: `question_overdue`, once."""
        waiting_since = signal.waiting_since
        if waiting_since is None or signal.answer_due is None or signal.answer_due > self.now:
            return  # nothing waits, or not past the promise (in the recruiter's working week)
        subject = f"message:{signal.first_waiting_id}"
        if (signal.candidate_id, EventKind.QUESTION_OVERDUE, subject) in self.noted:
            return
        self._write(
            signal,
            EventKind.QUESTION_OVERDUE,
            {"asked_at": webhooks.instant(waiting_since)},
            WebhookEventType.QUESTION_OVERDUE,
            {
                "question": {
                    "id": signal.first_waiting_id,
                    "asked_at": webhooks.instant(waiting_since),
                },
                "unanswered_questions": signal.unanswered_questions,
                "waiting_hours": int((self.now - waiting_since).total_seconds() // 3600),
            },
            subject=subject,
        )

    def _write(
        self,
        signal: CandidateSignal,
        kind: EventKind,
        data: dict[str, Any],
        event_type: WebhookEventType,
        payload: dict[str, Any],
        *,
        subject: str | None = None,
    ) -> None:
        """One event about the candidate, and its webhook to every subscribed endpoint."""
        self.written.append(
            EngagementEvent(
                candidate_id=signal.candidate_id,
                kind=kind,
                occurred_at=self.now,
                subject=subject,
                data=data,
            )
        )
        about = {
            "candidate": webhooks.candidate_data(signal.candidate_id, signal.name, signal.email),
            "recruiter_id": signal.recruiter_id,
        }
        webhooks.publish(
            event_type,
            about | payload,
            recruiter_id=signal.recruiter_id,
            at=self.now,
            endpoints=self.endpoints,
        )

    def save(self) -> int:
        """Write the events, mark every recorded status as evaluated now; how many events."""
        db.session.add_all(self.written)
        db.session.flush()
        if self.snapshots:
            db.session.execute(
                update(CandidateStatus)
                .where(CandidateStatus.candidate_id.in_(list(self.snapshots)))
                .values(evaluated_at=self.now)
            )
        return len(self.written)
