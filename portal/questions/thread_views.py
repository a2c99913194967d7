"""The thread page's request side, shared by the candidate's, the recruiter's and HR's views:
post the form's message, render the thread, mark it "no reply needed" or take that back. View
code (it reads the request and commits), so it sits with the views; the rules of a thread are
in `threads` and `closures`."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import Field

from portal.core import clock, rate_limits
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, add_error, ask_first, filled, require_confirmation
from portal.core.i18n import _, format_number
from portal.core.ids import form_id, query_id
from portal.mail import jobs as mail_jobs
from portal.people.models import Role, User
from portal.questions import closures, inbox, notes, saved_replies, thread_pages
from portal.questions import threads as questions
from portal.questions.answerers import signature, signature_of
from portal.questions.forms import AnswerForm, CloseForm, MessageForm
from portal.questions.models import Message
from portal.questions.waiting import promise_hours


def send_from_form(candidate: User, form: MessageForm) -> questions.Posted | None:
    """Post the form's message in the candidate's thread, commit, then mail the other side.

    None when it cannot be posted: the reason is then beside the form's field.
    """
    if not form.validate_on_submit():
        return None
    wait = _message_wait()
    if wait:
        form.wait = wait
        add_error(
            form.body,
            _(
                "You have sent several messages in a row. %(retry)s Your text is kept below.",
                retry=rate_limits.retry_message(wait),
            ),
        )
        return None
    try:
        body = filled(form.body.data)  # the form's rules turned None and blanks away
        posted = questions.post(candidate, current_user, body, form.client_key.data)
    except questions.QuestionError as error:
        db.session.rollback()
        add_error(form.body, str(error))
        return None
    db.session.commit()
    if posted.created:
        mail_jobs.deliver(posted.email_ids)
    return posted


def _message_wait() -> int:
    """Seconds before the signed-in person may post another message (each one emails someone):
    QUESTION_LIMITS for candidates, ANSWER_LIMITS for staff. 0 counts this one."""
    config = current_app.config
    limits = config["QUESTION_LIMITS" if current_user.role == Role.CANDIDATE else "ANSWER_LIMITS"]
    return rate_limits.attempt(limits, f"messages:user:{current_user.id}")


def refused_or(page: tuple[str, int], form: MessageForm) -> ResponseReturnValue:
    """The page re-rendered after a refused post: 429 with Retry-After when it was one too
    many, else as given (a form error)."""
    if form.wait:
        return page[0], 429, {"Retry-After": str(form.wait)}
    return page


def render_thread(
    template: str,
    candidate: User,
    form: MessageForm,
    status: int,
    *,
    before: int | None = None,
    **context: object,
) -> tuple[str, int]:
    """A page of the thread for the signed-in reader (the latest messages, or those before
    message `before`), then, on the latest page, their read mark moved to its last message
    (and, for the candidate, answers noted as read).

    The page is read in a plain transaction and rendered first; only a visit with something
    new writes, in a short transaction of its own after the rendering, so no write lock is
    held while the page is built, and the usual visit writes nothing.
    """
    page = thread_pages.thread_page(candidate, before)
    state = inbox.thread_state(candidate, current_user)  # the reader's read mark with it
    last_read = state.last_read_id
    due = (
        questions.reading_due(candidate, current_user, page.messages, last_read)
        if page.latest
        else None
    )
    rendered = render_template(
        template,
        form=form,
        last_read=last_read,
        **thread_context(candidate, page, state),
        **context,
    )
    if due is not None:
        db.session.rollback()  # end the reading transaction: the write takes the lock only now
        questions.record_reading(due)
        db.session.commit()
    return rendered, status


def requested_page() -> int | None:
    """The `?before=` of a "Show earlier messages" link: None (the latest page) when absent;
    400, saying so, when it is not a message id. An id past any column names nothing: 0."""
    value = request.args.get("before")
    if value is None:
        return None
    try:
        return query_id(value)
    except ValueError:
        abort(400, _("This link to earlier messages is broken: “before” must be a message id."))


def thread_context(
    candidate: User, page: thread_pages.ThreadPage, state: inbox.ThreadState | None = None
) -> dict[str, object]:
    """What every audience's thread page shows besides its form: the page's messages signed
    ("Ana Ruiz, recruiter") with the links to earlier and latest ones, the answer promise, the
    "no reply needed" mark or (on the latest page) its button, and for staff the latest private
    notes. `state`: the thread's, if the caller has it."""
    state = state or inbox.thread_state(candidate, current_user)
    now = clock.now()
    messages = page.messages
    closure = closures.latest(candidate) if page.latest else None  # the latest page's business
    current = closure if closures.stands_over(candidate, closure, page) else None
    staff = current_user.role in (Role.RECRUITER, Role.HR)
    return {
        "candidate": candidate,
        "messages": messages,
        "thread_page": page,
        "signatures": {message.id: signature(message) for message in messages},
        "answer_due": state.due,
        "overdue": state.is_overdue(now),
        "covering_for": state.covering_for,
        # Staff's private notes, the latest few (never on the candidate's own page).
        "notes": notes.latest(candidate) if staff else None,
        "promise_hours": promise_hours(),
        "now": now,
        "confirm": ConfirmForm(),
        "closure": current,
        "closed_by": signature_of(current.closed_by, candidate) if current else None,
        # Offered while something waits, on the latest page: up to the thread's last message.
        "close_form": (
            CloseForm(through=page.last_id) if state.waiting_since and page.latest else None
        ),
    }


def close_from_form(candidate: User) -> None:
    """Mark the thread "no reply needed" as the form asks, commit, and say so (or why not)."""
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)  # a hidden id and the CSRF token: only a forged or stale request fails
    try:
        closures.close(candidate, current_user, form_id(form.through.data))
    except closures.ClosureError as error:
        db.session.rollback()
        flash(str(error), "info")
        return
    db.session.commit()
    flash(
        _(
            "Marked “no reply needed”: nothing here is waiting for an answer now. "
            "A new question reopens the conversation."
        ),
        "success",
    )


def reopen_from_form(candidate: User) -> None:
    """Take back "no reply needed" (a one-button form), commit, and say so (or why not)."""
    require_confirmation()
    try:
        closures.reopen(candidate, current_user)
    except closures.ClosureError as error:
        db.session.rollback()
        flash(str(error), "info")
        return
    db.session.commit()
    flash(_("“No reply needed” taken back: what it covered waits for an answer again."), "success")


def remove_own_message(candidate_id: int, message_id: int, back: str) -> ResponseReturnValue:
    """Take back one of the signed-in person's own messages in `candidate_id`'s thread once
    they have confirmed, commit, say so and go `back`; 404 for anything else (someone else's
    message, another thread, gone already)."""
    require_confirmation()
    message = db.session.get(Message, message_id)
    if (
        message is None
        or message.candidate_id != candidate_id
        or message.author_id != current_user.id
    ):
        abort(404)
    asking = ask_first(
        _("Remove your message?"),
        detail=_(
            "Its text is erased for everyone in the conversation; a note that a message was "
            "removed keeps its place. This cannot be undone."
        ),
        button=_("Yes, remove it"),
        cancel=back,
    )
    if asking is not None:
        return asking
    try:
        questions.remove(message, current_user)
    except questions.QuestionError:
        abort(404)
    db.session.commit()
    flash(_("Your message has been removed."), "info")
    return redirect(back)


def offer_saved_replies(form: AnswerForm) -> None:
    """The answer form's list of saved replies: the reader's own, then the shared ones."""
    form.saved_reply.choices = [("", _("Choose a saved reply"))] + [
        (str(reply.id), _("%(title)s (shared)", title=reply.title) if reply.shared else reply.title)
        for reply in saved_replies.usable(current_user)
    ]


def _refuse(field: Field, message: str) -> int:
    field.errors = [message]
    return 422


def insert_from_form(candidate: User, form: AnswerForm) -> int:
    """Add the chosen saved reply, filled in for the candidate, at the end of the answer being
    written; nothing is sent. Returns the status to show the page again with: 200, or 422
    with the reason beside its field (the text as it was)."""
    require_confirmation()  # the form's CSRF token; its text may well be empty yet
    try:
        reply_id = query_id(form.saved_reply.data or "")
    except ValueError:
        reply_id = None
    reply = saved_replies.usable_reply(current_user, reply_id) if reply_id else None
    if reply is None:
        return _refuse(form.saved_reply, _("Choose a saved reply from the list."))
    added = saved_replies.fill(reply.body, candidate, current_user)
    written = (form.body.data or "").rstrip()
    text = f"{written}\n\n{added}" if written else added
    if len(text) > questions.MAX_LENGTH:
        return _refuse(
            form.body,
            _(
                "With that reply your answer would have %(now)s characters, more than "
                "%(max)s: shorten it first.",
                now=format_number(len(text)),
                max=format_number(questions.MAX_LENGTH),
            ),
        )
    form.body.data = text
    form.saved_reply.data = ""
    return 200
