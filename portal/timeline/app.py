"""Plugs the timeline into the app: the candidate's milestones, checklist and calendar file,
HR's editor, the staff's view of a candidate's checklist."""

from __future__ import annotations

from flask import Flask

from portal.mail import rechecks
from portal.timeline import (
    calendar_views,
    candidate_views,
    checklist_staff_views,
    checklist_views,
    day_one_views,
    hr_views,
    joining_mail,
    task_words,
    workdays,
)

__all__ = [
    "calendar_views",
    "candidate_views",
    "checklist_staff_views",
    "checklist_views",
    "day_one_views",
    "hr_views",
]  # imported for the pages they add


def init_app(app: Flask) -> None:
    """The pages register themselves on the audience blueprints; the joining-changed email is
    worked out again from the current details when it is sent."""
    rechecks.register(joining_mail.KIND, joining_mail.recheck, app)
    # Each location's working days, checked now: a calendar the holidays package does not know
    # stops the start, rather than the first page that dates a working-day milestone.
    app.extensions["working_calendars"] = workdays.read_config(app.config)
    # The words of each kind of task, for every page that shows one.
    app.jinja_env.globals["task_words"] = task_words
