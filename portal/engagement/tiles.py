"""The tiles at the top of the dashboards: how many candidates are in scope, in each status, and
joining this week (today and the six days after).

For everyone (HR's whole board), one recruiter (a recruiter's own board, HR's filter) or the
candidates with no recruiter, they are read from counts kept ahead (migration
0027_cohort_counts): triggers on the summaries append each change (CohortCountChange), and the
worker's "tile_counts" job folds the changes into the counts per recruiter and status
(CohortStatusCount) and per recruiter and joining day (CohortJoiningCount). The tiles add the
changes not folded in yet to the counts, so they are exact at any moment, and a few rows per
recruiter are read however many candidates there are. A narrower scope (a search, a place, a
joining window) counts its summaries instead (portal.engagement.cohort), as many as the filters
leave. One query either way, and the same row: the total, a count per status, this week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    union_all,
)

from portal.core.database import upsert
from portal.core.extensions import db
from portal.engagement.board_filters import STATUS_ORDER
from portal.engagement.models import (
    CohortCountChange,
    CohortJoiningCount,
    CohortStatusCount,
    Status,
)

# The scopes the counts answer, by what narrows them (the names portal.engagement.cohort gives):
# everyone, one recruiter, no recruiter.
COUNTED = frozenset({(), ("recruiter_id",), ("unassigned",)})
UNASSIGNED_KEY = 0  # the counts' recruiter_key for candidates with no recruiter (ids start at 1)


@dataclass(frozen=True)
class Tiles:
    """The counts at the top, in the recruiter/search/joining/location scope (any status)."""

    total: int
    counts: dict[Status, int]
    joining_this_week: int  # today and the six days after

    @property
    def invited(self) -> int:
        """Invited and not signed in yet (the status: a longer wait is quiet or at risk)."""
        return self.counts[Status.INVITED]

    @classmethod
    def of(cls, row: Sequence[Any]) -> Tiles:
        """From a tiles query's row: the total, a count per status (STATUS_ORDER), this week."""
        total, *by_status, this_week = (int(value) for value in row)
        return cls(total, dict(zip(STATUS_ORDER, by_status, strict=True)), this_week)


def counted(shape: tuple[str, ...], parameters: dict[str, Any]) -> bool:
    """Whether the counts answer this scope (its shape and bound parameters' values, as
    portal.engagement.cohort makes them). A recruiter id is never 0: the key of no recruiter."""
    return shape in COUNTED and parameters.get("board_recruiter_id", 1) > UNASSIGNED_KEY


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


@cache
def counts_query(shape: tuple[str, ...]) -> Select[Any]:
    """The tiles' row from the counts and the changes not folded in yet, for a scope `counted`
    accepts, built once per shape: the recruiter is the bound parameter board_recruiter_id, the
    week board_today to board_week_end."""
    changes, statuses, days = CohortCountChange, CohortStatusCount, CohortJoiningCount
    week = (bindparam("board_today", type_=Date()), bindparam("board_week_end", type_=Date()))
    key: Any = None  # everyone's
    if shape == ("recruiter_id",):
        key = bindparam("board_recruiter_id", type_=Integer())
    elif shape:
        key = literal(UNASSIGNED_KEY, Integer())

    def mine(column: Any) -> list[ColumnElement[bool]]:
        return [] if key is None else [column == key]

    by_status = union_all(
        select(statuses.status, statuses.candidates).where(*mine(statuses.recruiter_key)),
        select(changes.status, changes.delta).where(*mine(changes.recruiter_key)),
    ).subquery("by_status")
    this_week = union_all(
        select(days.candidates).where(days.joining_date.between(*week), *mine(days.recruiter_key)),
        select(changes.delta).where(
            changes.joining_date.between(*week), *mine(changes.recruiter_key)
        ),
    ).subquery("this_week")
    return select(
        _sum(by_status.c.candidates),
        *(
            _sum(case((by_status.c.status == status, by_status.c.candidates), else_=0))
            for status in STATUS_ORDER
        ),
        select(_sum(this_week.c.candidates)).scalar_subquery(),
    )


def fold_changes() -> int:
    """Fold the changes the triggers appended into the counts, then forget them: the worker's
    "tile_counts" job (and the end of a rebuild). Returns how many changes were folded.

    The changes are taken with one DELETE ... RETURNING, so two folds at once never count one
    twice (the second finds them gone); each count is then moved once, in the order of its key,
    so two folds wait for each other rather than deadlock. The triggers only ever append, so
    no writer of summaries waits for a fold, nor a fold for them."""
    taken = db.session.execute(
        delete(CohortCountChange).returning(
            CohortCountChange.recruiter_key,
            CohortCountChange.status,
            CohortCountChange.joining_date,
            CohortCountChange.delta,
        )
    ).all()
    if not taken:
        return 0
    statuses: Counter[tuple[int, str]] = Counter()
    days: Counter[tuple[int, Any]] = Counter()
    for key, status, day, delta in taken:
        statuses[(key, status)] += delta
        days[(key, day)] += delta
    for model, column, moved in (
        (CohortStatusCount, "status", statuses),
        (CohortJoiningCount, "joining_date", days),
    ):
        rows = [
            {"recruiter_key": key, column: value, "candidates": delta}
            for (key, value), delta in sorted(moved.items())
            if delta
        ]
        if not rows:
            continue
        statement = upsert(model)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["recruiter_key", column],
                set_={"candidates": model.candidates + statement.excluded.candidates},
            ),
            rows,
        )
        db.session.execute(delete(model).where(model.candidates <= 0))
    return len(taken)
