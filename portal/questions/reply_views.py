"""Saved replies: a recruiter keeps their own at /recruiter/saved-replies (and reads the shared
ones there); HR keeps the shared ones at /hr/saved-replies. Someone else's reply is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, filled
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.people.access import hr_bp, recruiter_bp
from portal.questions import saved_replies
from portal.questions.models import SavedReply
from portal.questions.staff_forms import SavedReplyForm


def _list_page(form: SavedReplyForm | None = None, status: int = 200) -> tuple[str, int]:
    after = request.args.get("after", type=query_id)
    return render_template(
        "questions/saved_replies.html",
        page=saved_replies.page(current_user, after),
        first_page=after is None,
        form=form or SavedReplyForm(),
        audience=request.blueprint,
        confirm=ConfirmForm(),
        may_edit=lambda reply: saved_replies.may_edit(current_user, reply),
    ), status


def _back() -> str:
    return url_for(f"{request.blueprint}.saved_replies")


def _error(form: SavedReplyForm, error: saved_replies.ReplyError) -> None:
    getattr(form, error.field).errors = [error.message]


def _add() -> ResponseReturnValue:
    form = SavedReplyForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    try:
        reply = saved_replies.create(current_user, filled(form.title.data), filled(form.body.data))
    except saved_replies.ReplyError as error:
        db.session.rollback()
        _error(form, error)
        return _list_page(form, 422)
    db.session.commit()
    flash(_("Saved “%(title)s”.", title=reply.title), "success")
    return redirect(_back())


def _editable(reply_id: int) -> SavedReply:
    reply = saved_replies.editable_reply(current_user, reply_id)
    if reply is None:
        abort(404)
    return reply


def _edit(reply_id: int) -> ResponseReturnValue:
    reply = _editable(reply_id)
    form = SavedReplyForm(data={"title": reply.title, "body": reply.body})
    status = 200
    if form.validate_on_submit():
        try:
            saved_replies.update(reply, filled(form.title.data), filled(form.body.data))
        except saved_replies.ReplyError as error:
            db.session.rollback()
            _error(form, error)
        else:
            db.session.commit()
            flash(_("Saved “%(title)s”.", title=reply.title), "success")
            return redirect(_back())
    if form.is_submitted():
        status = 422
    return render_template(
        "questions/saved_reply_form.html", form=form, reply=reply, back=_back()
    ), status


def _delete(reply_id: int) -> ResponseReturnValue:
    reply = _editable(reply_id)
    asking = ask_first(
        _("Delete the saved reply “%(title)s”?", title=reply.title),
        detail=_(
            "Answers already sent keep their text. This cannot be undone. Every recruiter "
            "loses it from their list."
        )
        if reply.shared
        else _("Answers already sent keep their text. This cannot be undone."),
        button=_("Yes, delete it"),
        cancel=_back(),
    )
    if asking is not None:
        return asking
    saved_replies.delete(reply)
    db.session.commit()
    flash(_("Saved reply deleted."), "info")
    return redirect(_back())


@recruiter_bp.get("/saved-replies", endpoint="saved_replies")
def recruiter_replies() -> ResponseReturnValue:
    """The recruiter's saved replies and the shared ones, and the form to add one."""
    return _list_page()


@recruiter_bp.post("/saved-replies", endpoint="add_saved_reply")
def recruiter_add_reply() -> ResponseReturnValue:
    """Save a reply of one's own."""
    return _add()


@recruiter_bp.route(
    "/saved-replies/<int:reply_id>/edit", methods=["GET", "POST"], endpoint="edit_saved_reply"
)
def recruiter_edit_reply(reply_id: int) -> ResponseReturnValue:
    """Change one of one's own saved replies."""
    return _edit(reply_id)


@recruiter_bp.post("/saved-replies/<int:reply_id>/delete", endpoint="delete_saved_reply")
def recruiter_delete_reply(reply_id: int) -> ResponseReturnValue:
    """Delete one of one's own saved replies (asks first)."""
    return _delete(reply_id)


@hr_bp.get("/saved-replies", endpoint="saved_replies")
def shared_replies() -> ResponseReturnValue:
    """The shared saved replies, and the form to add one."""
    return _list_page()


@hr_bp.post("/saved-replies", endpoint="add_saved_reply")
def add_shared_reply() -> ResponseReturnValue:
    """Share a reply with every recruiter."""
    return _add()


@hr_bp.route(
    "/saved-replies/<int:reply_id>/edit", methods=["GET", "POST"], endpoint="edit_saved_reply"
)
def edit_shared_reply(reply_id: int) -> ResponseReturnValue:
    """Change a shared reply."""
    return _edit(reply_id)


@hr_bp.post("/saved-replies/<int:reply_id>/delete", endpoint="delete_saved_reply")
def delete_shared_reply(reply_id: int) -> ResponseReturnValue:
    """Delete a shared reply (asks first)."""
    return _delete(reply_id)
