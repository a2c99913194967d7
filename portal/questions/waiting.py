"""What "unanswered" means, and how soon an answer is promised: defined here once.

A question waits when the candidate wrote it (not removed) after the last answer in their thread
(any message from someone else, not removed). The promise is `RESPONSE_PROMISE_HOURS`: a
question waiting longer is overdue, and engagement counts its candidate at risk. The inbox, the
thread pages, the engagement status, the worker's overdue notices and the digests all read both
from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ScalarSelect, Select, Subquery, func, select

from portal.questions.models import Message


def promise_hours() -> int:
    """How many hours candidates are promised an answer within (the one setting)."""
    return current_app.config["RESPONSE_PROMISE_HOURS"]


def response_promise() -> timedelta:
    """The answer promise as a duration: a question asked longer ago than this is overdue."""
    return timedelta(hours=promise_hours())


def waiting_questions(
    scope: ScalarSelect[int] | Select[Any] | Iterable[int] | None = None,
) -> Subquery:
    """Per candidate with questions awaiting an answer: `candidate_id`, how many (`unanswered`),
    when the oldest was asked (`waiting_since`) and its id (`first_waiting_id`).

    `scope` (ids, or a select of them) narrows the aggregate to those candidates' threads; join
    the result with an outer join: a candidate with nothing waiting has no row.
    """
    answers = (
        select(
            Message.candidate_id.label("candidate_id"),
            func.max(Message.id).label("last_answer_id"),
        )
        .where(Message.author_id != Message.candidate_id, Message.removed_at.is_(None))
        .group_by(Message.candidate_id)
    )
    if scope is not None:
        answers = answers.where(Message.candidate_id.in_(scope))
    last_answers = answers.subquery("last_answers")
    query = (
        select(
            Message.candidate_id.label("candidate_id"),
            func.count(Message.id).label("unanswered"),
            func.min(Message.created_at).label("waiting_since"),
            func.min(Message.id).label("first_waiting_id"),
        )
        .outerjoin(last_answers, last_answers.c.candidate_id == Message.candidate_id)
        .where(
            Message.author_id == Message.candidate_id,
            Message.removed_at.is_(None),
            Message.id > func.coalesce(last_answers.c.last_answer_id, 0),
        )
        .group_by(Message.candidate_id)
    )
    if scope is not None:
        query = query.where(Message.candidate_id.in_(scope))
    return query.subquery("waiting_questions")
