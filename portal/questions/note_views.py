"""Private notes on a candidate: their recruiter, their backup and whoever covers for the
recruiter read and add them from /recruiter/candidates/<id>/notes, HR from
/hr/people/<id>/notes. Anyone else (the candidate, another recruiter) gets 404."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, filled
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.people.access import candidate_or_404, hr_bp, recruiter_bp
from portal.people.models import User
from portal.questions import notes
from portal.questions.staff_forms import NoteForm


def _in_care(candidate_id: int) -> User:
    return candidate_or_404(candidate_id, recruiter=current_user, covering=True)


def _links(candidate: User) -> dict[str, str]:
    audience = request.blueprint or "recruiter"
    return {
        "page": url_for(f"{audience}.notes", **_who(candidate)),
        "thread": url_for(f"{audience}.thread", **_who(candidate)),
        "list": f"{audience}.notes",
    }


def _who(candidate: User) -> dict[str, Any]:
    """The candidate as the audience's URLs name them."""
    key = "user_id" if request.blueprint == "hr" else "candidate_id"
    return {key: candidate.id}


def _page(candidate: User, form: NoteForm | None = None, status: int = 200) -> tuple[str, int]:
    before = request.args.get("before", type=query_id)
    return render_template(
        "questions/notes.html",
        candidate=candidate,
        page=notes.page(candidate, before),
        first_page=before is None,
        form=form or NoteForm(),
        urls=_links(candidate),
        list_args=_who(candidate),
        delete_url=lambda note_id: url_for(
            f"{request.blueprint}.delete_note", note_id=note_id, **_who(candidate)
        ),
        confirm=ConfirmForm(),
    ), status


def _add(candidate: User) -> ResponseReturnValue:
    form = NoteForm()
    if not form.validate_on_submit():
        return _page(candidate, form, 422)
    notes.add(candidate, current_user, filled(form.body.data))
    db.session.commit()
    flash(_("Note added. Only staff who look after the candidate can read it."), "success")
    return redirect(_links(candidate)["page"])


def _delete(candidate: User, note_id: int) -> ResponseReturnValue:
    note = notes.note_of(candidate, note_id)
    if note is None or not notes.may_delete(current_user, note):
        abort(404)
    back = _links(candidate)["page"]
    asking = ask_first(
        _("Delete this note?"),
        detail=_("Nobody can read it any more. This cannot be undone."),
        button=_("Yes, delete it"),
        cancel=back,
    )
    if asking is not None:
        return asking
    notes.delete(note, current_user)
    db.session.commit()
    flash(_("Note deleted."), "info")
    return redirect(back)


@recruiter_bp.get("/candidates/<int:candidate_id>/notes", endpoint="notes")
def candidate_notes(candidate_id: int) -> ResponseReturnValue:
    """The candidate's private notes, newest first, and the form to add one."""
    return _page(_in_care(candidate_id))


@recruiter_bp.post("/candidates/<int:candidate_id>/notes", endpoint="add_note")
def add_candidate_note(candidate_id: int) -> ResponseReturnValue:
    """Add a private note."""
    return _add(_in_care(candidate_id))


@recruiter_bp.post(
    "/candidates/<int:candidate_id>/notes/<int:note_id>/delete", endpoint="delete_note"
)
def delete_candidate_note(candidate_id: int, note_id: int) -> ResponseReturnValue:
    """Delete one of one's own notes (asks first)."""
    return _delete(_in_care(candidate_id), note_id)


@hr_bp.get("/people/<int:user_id>/notes", endpoint="notes")
def person_notes(user_id: int) -> ResponseReturnValue:
    """A candidate's private notes, newest first, and the form to add one."""
    return _page(candidate_or_404(user_id))


@hr_bp.post("/people/<int:user_id>/notes", endpoint="add_note")
def add_person_note(user_id: int) -> ResponseReturnValue:
    """Add a private note."""
    return _add(candidate_or_404(user_id))


@hr_bp.post("/people/<int:user_id>/notes/<int:note_id>/delete", endpoint="delete_note")
def delete_person_note(user_id: int, note_id: int) -> ResponseReturnValue:
    """Delete any note (asks first)."""
    return _delete(candidate_or_404(user_id), note_id)
