"""FAQ pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, filled, require_confirmation
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.events import log as events
from portal.events.models import EventKind
from portal.people.access import candidate_or_404, person_or_404
from portal.people.models import Role
from portal.questions import faq
from portal.questions import threads as questions
from portal.questions.faq_forms import FaqForm
from portal.questions.models import FaqEntry, Message

bp = Blueprint("faq", __name__)

STAFF = (Role.RECRUITER, Role.HR)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every FAQ page needs a signed-in person; the writing pages need staff."""


def _staff_only() -> None:
    if current_user.role not in STAFF:
        abort(404)


@bp.get("/")
@writes_on_get("engagement_events", "candidate_summaries")
def index() -> ResponseReturnValue:
    """Search the FAQ. Candidates see published entries; staff see drafts too."""
    query = request.args.get("q", "").strip()[:200]
    staff = current_user.role in STAFF
    entries = faq.search(query, include_drafts=staff)
    page = render_template(
        "questions/faq.html",
        entries=entries,
        query=query,
        staff=staff,
        confirm=ConfirmForm(),
    )
    if query and current_user.role == Role.CANDIDATE:
        # That they searched and how much they found; never the words they searched for.
        events.record(current_user.id, EventKind.FAQ_SEARCHED, data={"results": len(entries)})
        db.session.commit()
    return page


def _source_message(message_id: int | None) -> Message | None:
    """A thread message the current staff member may see, to start an entry from."""
    if message_id is None:
        return None
    message = db.session.get(Message, message_id)
    if message is None or message.is_removed or not message.is_question:
        abort(404)
    if current_user.role == Role.RECRUITER:  # only their own candidates' questions
        candidate_or_404(message.candidate_id, recruiter=current_user)
    return message


def _editor(
    form: FaqForm, entry: FaqEntry | None, source: Message | None = None
) -> ResponseReturnValue:
    """The form page for a new or an existing entry: save and go back to the list when valid."""
    if form.validate_on_submit():
        entry = faq.save(
            entry,
            actor=current_user,
            question=filled(form.question.data),
            answer=filled(form.answer.data),
            published=form.published.data,
        )
        db.session.commit()
        flash(_("The FAQ entry is saved."), "success")
        return redirect(url_for("faq.index", _anchor=f"faq-{entry.id}"))
    status = 422 if form.is_submitted() else 200
    return render_template("questions/faq_form.html", form=form, entry=entry, source=source), status


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Write an entry, optionally starting from a candidate's question and its answers."""
    _staff_only()
    form = FaqForm()
    source = _source_message(request.args.get("from_message", type=query_id))
    if request.method == "GET" and source is not None:
        candidate = person_or_404(source.candidate_id)
        form.question.data, form.answer.data = faq.draft_from(source, questions.thread(candidate))
    return _editor(form, None, source)


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
def edit(entry_id: int) -> ResponseReturnValue:
    """Change an entry."""
    _staff_only()
    entry = faq.get(entry_id)
    if entry is None:
        abort(404)
    return _editor(FaqForm(obj=entry), entry)


@bp.post("/<int:entry_id>/delete")
def delete(entry_id: int) -> ResponseReturnValue:
    """Remove an entry for good."""
    _staff_only()
    require_confirmation()
    entry = faq.get(entry_id)
    if entry is None:
        abort(404)
    asking = ask_first(
        _("Delete the FAQ entry “%(question)s”?", question=entry.question),
        detail=_("Nobody will see it any more; deleting it cannot be undone."),
        button=_("Yes, delete it"),
        cancel=url_for("faq.index"),
    )
    if asking is not None:
        return asking
    faq.delete(entry, current_user)
    db.session.commit()
    flash(_("The FAQ entry is deleted."), "info")
    return redirect(url_for("faq.index"))
