"""The candidate's checklist ("Things to do"): their tasks, ticked off and back with a plain form
(no script needed), an upload task's document sent with its form, and their own documents.

A task is addressed as its timeline item is: /candidate/checklist/12/done for a template's,
/candidate/checklist/own-40/done for one of their own. Anything else, or a task that is not
theirs, is not found. Documents are served to the candidate themself here, and to their
recruiter and HR by timeline.checklist_staff_views, always as a download.
"""

from __future__ import annotations

import io

from flask import Response, abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from portal.core import clock
from portal.core.extensions import db
from portal.core.i18n import _, _l
from portal.core.uploads import accepts_upload
from portal.people.access import candidate_bp, signed_in_candidate
from portal.people.models import User
from portal.timeline import checklist, dates, documents
from portal.timeline.checklist_forms import DocumentForm
from portal.timeline.dates import Progress, TimelineItem
from portal.timeline.models import ChecklistTick

# A document is only ever a download: never shown in the portal's pages, never run.
DOCUMENT_POLICY = "default-src 'none'; sandbox"


def document_response(found: ChecklistTick) -> Response:
    """A stored document as a download under the name it was uploaded with (cleaned), as the
    type its bytes are; 404 when its file is missing."""
    data = documents.read(found.document_key or "")
    if data is None:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=found.document_type or "application/octet-stream",
        as_attachment=True,
        download_name=found.document_name or "document",
        etag=False,
        conditional=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _checklist_url(key: str | None = None) -> str:
    return url_for("candidate.checklist_page", _anchor=f"task-{key}" if key else None)


def _page(
    candidate: User, items: list[TimelineItem], *, errors: dict[str, list[str]] | None = None
) -> str:
    tasks = dates.tasks_of(items)
    return render_template(
        "timeline/checklist.html",
        candidate=candidate,
        profile=candidate.candidate_profile,
        open_tasks=[item for item in tasks if not item.done],
        done_tasks=[item for item in tasks if item.done],
        progress=Progress.of(tasks),
        errors=errors or {},
        document_form=DocumentForm(formdata=None),
    )


@candidate_bp.get("/checklist")
def checklist_page() -> ResponseReturnValue:
    """The candidate's tasks: those still to do (the overdue ones marked), then those done."""
    candidate = signed_in_candidate()
    return _page(candidate, dates.candidate_timeline(candidate, clock.now()))


def _task_or_404(candidate: User, key: str) -> TimelineItem:
    found = checklist.task(candidate, key, clock.now())
    if found is None:
        abort(404)
    return found


@candidate_bp.post("/checklist/<key>/done")
def tick_task(key: str) -> ResponseReturnValue:
    """Tick a task off: read, confirmed, acknowledged."""
    candidate = signed_in_candidate()
    item = _task_or_404(candidate, key)
    try:
        changed = checklist.tick_off(candidate, item, clock.now())
    except checklist.ChecklistError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_checklist_url(key))
    db.session.commit()
    if changed:
        flash(_("Done: “%(title)s”.", title=item.title), "success")
    return redirect(_checklist_url(key))


@candidate_bp.post("/checklist/<key>/undo")
def untick_task(key: str) -> ResponseReturnValue:
    """Take a tick back (an upload task's document goes with it)."""
    candidate = signed_in_candidate()
    item = _task_or_404(candidate, key)
    if checklist.take_back(candidate, item):
        db.session.commit()
        if item.document is not None:
            flash(_("Your document for “%(title)s” is removed.", title=item.title), "success")
        else:
            flash(_("“%(title)s” is back on your list.", title=item.title), "success")
    return redirect(_checklist_url(key))


@candidate_bp.post("/checklist/<key>/upload")
@accepts_upload("CHECKLIST_UPLOAD_MAX_BYTES", what=_l("document"))
def upload_document(key: str) -> ResponseReturnValue:
    """Upload the document an upload task asks for (in place of an earlier one)."""
    candidate = signed_in_candidate()
    now = clock.now()
    item = _task_or_404(candidate, key)
    form = DocumentForm()
    if form.validate_on_submit() and form.checked is not None:
        try:
            checklist.attach(candidate, item, form.checked, now)
        except checklist.ChecklistError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(_checklist_url(key))
        db.session.commit()
        flash(
            _("Thank you: your document for “%(title)s” is uploaded.", title=item.title), "success"
        )
        return redirect(_checklist_url(key))
    if form.csrf_token.errors:
        abort(400)
    errors = {key: list(form.document.errors)}
    return _page(candidate, dates.candidate_timeline(candidate, now), errors=errors), 422


@candidate_bp.get("/checklist/documents/<int:tick_id>")
def own_document(tick_id: int) -> ResponseReturnValue:
    """A document the candidate uploaded, as a download."""
    candidate = signed_in_candidate()
    found = checklist.document(candidate, tick_id)
    if found is None:
        abort(404)
    return document_response(found)
