"""The API's candidate list: a page of the dashboard's board (engagement.cohort), read as plain
rows and shaped straight into the OpenAPI document's Candidate.

The list is the API's busiest call, so its work per request is kept small: the SELECT is
the dashboards' own (`cohort.bound_page`, built once per process for each shape of request),
narrowed to the columns a Candidate shows, run on the session's connection as plain rows, and
each row becomes its JSON object without the CandidateSignal in between. It says the same as
`views.candidate_json(status.stored_signal(row))` would: tests/api/test_api_candidate_list.py
holds the two together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from portal.core.extensions import db
from portal.engagement import cohort
from portal.engagement.models import Status
from portal.engagement.status import seen_last, stored_reasons
from portal.timeline import joining

# The columns a Candidate needs, in the order the rows are unpacked; the page's others (the
# checklist's due dates, the previous pulse...) are left out, as each column read costs.
_COLUMNS = (
    "candidate_id",
    "name",
    "email",
    "job_title",
    "recruiter_id",
    "recruiter_name",
    "joining_date",
    "joining_time",
    "joining_time_zone",
    "signed_up",
    "status",
    "reasons",
    "last_seen_at",
    "last_sign_in_at",
    "unanswered",
    "waiting_since",
    "last_pulse",
    "evaluated_at",
    "board_rank",
    "board_joining_date",
)
# A stored status as the API writes it (the table's CHECK admits no other).
_STATUS = {status.value: status.value for status in Status}
# A joining moment as a Candidate shows it: the instant in ISO 8601, the days until it, whether
# it has passed.
_Joining = tuple[str, int, bool]


@dataclass(frozen=True)
class CandidatePage:
    """One page of the list: the Candidate objects, the cursor of the next page (None on the
    last) and the oldest status evaluation among them (None when there is none)."""

    data: list[dict[str, Any]]
    next_cursor: str | None
    computed_at: datetime | None


EMPTY = CandidatePage(data=[], next_cursor=None, computed_at=None)


def page(
    now: datetime,
    *,
    recruiter_id: int | None,
    status: Status | None,
    after: cohort.Cursor | None,
    size: int,
) -> CandidatePage:
    """Up to `size` active candidates after `after` (of `recruiter_id`, everyone's when None),
    riskiest first, then soonest joining, with the status their summary stored. One query."""
    statement, parameters = cohort.bound_page(
        cohort.Filters(status=status, after=after),
        recruiter_id=recruiter_id,
        today=date.min,  # no joining window among the API's filters: not read
        size=size,
        with_activity=False,
        columns=_COLUMNS,
    )
    rows = db.session.connection().execute(statement, parameters).all()
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = str(
            cohort.Cursor(last.board_rank, last.board_joining_date, last.candidate_id)
        )
    evaluated = [row.evaluated_at for row in rows if row.evaluated_at is not None]
    joinings: dict[tuple[date, time, str], _Joining] = {}
    return CandidatePage(
        data=[_candidate(row, now, joinings) for row in rows],
        next_cursor=next_cursor,
        computed_at=min(evaluated) if evaluated else None,
    )


def _joining(moment: tuple[date, time, str], now: datetime) -> _Joining:
    joining_at = joining.joining_instant(*moment)
    return joining_at.isoformat(), joining.days_until(joining_at, now), joining_at <= now


def _candidate(
    row: Any, now: datetime, joinings: dict[tuple[date, time, str], _Joining]
) -> dict[str, Any]:
    """One row as a Candidate, as `views.candidate_json` shows a stored signal. Keys in sorted
    order: the JSON is written with sorted keys, and sorting what is in order is cheap."""
    (
        candidate_id,
        name,
        email,
        job_title,
        recruiter_id,
        recruiter_name,
        joining_date,
        joining_time,
        time_zone,
        signed_up,
        status,
        reasons,
        last_seen_at,
        last_sign_in_at,
        unanswered,
        waiting_since,
        last_pulse,
        *_,
    ) = row
    # Many candidates join at the same moment: its zone arithmetic is done once a page.
    moment = (joining_date, joining_time, time_zone)
    found = joinings.get(moment)
    if found is None:
        found = joinings[moment] = _joining(moment, now)
    joining_at, days_to_joining, has_joined = found
    last_seen = seen_last(last_seen_at, last_sign_in_at)
    return {
        "days_to_joining": days_to_joining,
        "email": email,
        "has_joined": has_joined,
        "id": candidate_id,
        "job_title": job_title,
        "joining_at": joining_at,
        "last_pulse": last_pulse,
        "last_seen_at": None if last_seen is None else last_seen.isoformat(),
        "name": name,
        "reasons": _reasons(reasons) if reasons else [],
        "recruiter": (
            None if recruiter_id is None else {"id": recruiter_id, "name": recruiter_name or ""}
        ),
        "signed_up": bool(signed_up),
        "status": _STATUS[status],
        "unanswered_questions": unanswered,
        "waiting_since": None if waiting_since is None else waiting_since.isoformat(),
    }


def _reasons(stored: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The stored reasons a Candidate shows (`status.stored_reasons`: the ones stored_signal
    keeps, gravest first), without their facts."""
    return [
        {
            "code": str(reason.get("code", "")),
            "status": reason["status"],
            "text": str(reason["text"]),
        }
        for reason in stored_reasons(stored)
    ]
