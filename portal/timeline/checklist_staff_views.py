"""A candidate's checklist for the staff who look after them: their recruiter (their own
candidates only) and HR (anyone's) see each task's state and download the documents. Opening a
document is audit-logged."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.people.access import candidate_or_404, hr_bp, recruiter_bp
from portal.people.models import User
from portal.timeline import checklist, dates
from portal.timeline.checklist_views import document_response
from portal.timeline.dates import Progress


def _page(candidate: User, back: str, document_endpoint: str, **link: int) -> str:
    items = dates.candidate_timeline(candidate, clock.now())
    tasks = dates.tasks_of(items)
    return render_template(
        "timeline/staff_checklist.html",
        person=candidate,
        profile=candidate.candidate_profile,
        tasks=tasks,
        progress=Progress.of(tasks),
        back=back,
        document_endpoint=document_endpoint,
        link=link,
    )


def _document(reader: User, candidate: User, tick_id: int) -> ResponseReturnValue:
    found = checklist.document(candidate, tick_id)
    if found is None:
        abort(404)
    response = document_response(found)
    checklist.opened_by_staff(reader, candidate, found)
    db.session.commit()
    return response


@recruiter_bp.get("/candidates/<int:candidate_id>/checklist", endpoint="candidate_checklist")
def recruiter_checklist(candidate_id: int) -> ResponseReturnValue:
    """One of the recruiter's candidates' checklist: what is done, what is overdue."""
    found = candidate_or_404(candidate_id, recruiter=current_user)
    return _page(
        found,
        url_for("recruiter.candidate", candidate_id=found.id),
        "recruiter.checklist_document",
        candidate_id=found.id,
    )


@recruiter_bp.get(
    "/candidates/<int:candidate_id>/checklist/documents/<int:tick_id>",
    endpoint="checklist_document",
)
@writes_on_get("audit_log")
def recruiter_document(candidate_id: int, tick_id: int) -> ResponseReturnValue:
    """A document one of the recruiter's candidates uploaded, as a download."""
    found = candidate_or_404(candidate_id, recruiter=current_user)
    return _document(current_user, found, tick_id)


@hr_bp.get("/people/<int:user_id>/checklist", endpoint="candidate_checklist")
def hr_checklist(user_id: int) -> ResponseReturnValue:
    """Any candidate's checklist."""
    found = candidate_or_404(user_id)
    return _page(
        found,
        url_for("hr.candidate_timeline", user_id=found.id),
        "hr.checklist_document",
        user_id=found.id,
    )


@hr_bp.get("/people/<int:user_id>/checklist/documents/<int:tick_id>", endpoint="checklist_document")
@writes_on_get("audit_log")
def hr_document(user_id: int, tick_id: int) -> ResponseReturnValue:
    """A document any candidate uploaded, as a download."""
    found = candidate_or_404(user_id)
    return _document(current_user, found, tick_id)
