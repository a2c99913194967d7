"""Forgetting: engagement records are deleted once they have done their job.

They exist to help a candidate between offer and first day. ENGAGEMENT_KEEP_DAYS_AFTER_JOINING
days after the joining day, a candidate's events, pulse answers and status go, as
/what-we-record promises. The worker runs this daily; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, select

from portal.core.extensions import db
from portal.engagement.models import CandidateStatus, CandidateSummary, PulseResponse
from portal.events.models import EngagementEvent
from portal.people.models import CandidateProfile


def forget_after_joining(now: datetime) -> int:
    """Delete the engagement records of everyone who joined long enough ago; how many rows."""
    keep = timedelta(days=current_app.config["ENGAGEMENT_KEEP_DAYS_AFTER_JOINING"])
    # By date, a day early at worst for the zone furthest east: the promise is "about" N days.
    cutoff = (now - keep).date()
    joined_long_ago = select(CandidateProfile.user_id).where(CandidateProfile.joining_date < cutoff)
    removed = 0
    for model in (EngagementEvent, PulseResponse, CandidateStatus, CandidateSummary):
        result = cast(
            CursorResult[Any],
            db.session.execute(
                delete(model).where(model.candidate_id.in_(joined_long_ago)),
                execution_options={"synchronize_session": False},
            ),
        )
        removed += result.rowcount or 0
    return removed
