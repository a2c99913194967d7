"""The request side of sending a message, shared by the candidate's and the recruiter's pages."""

from __future__ import annotations

from flask_login import current_user

from portal.extensions import db
from portal.forms import MessageForm
from portal.models import User
from portal.services import notifications, questions


def send_from_form(candidate: User, form: MessageForm) -> questions.Posted | None:
    """Post the form's message in the candidate's thread, commit, then mail the other side.

    None when it cannot be posted: the reason is then beside the form's field.
    """
    if not form.validate_on_submit():
        return None
    try:
        posted = questions.post(candidate, current_user, form.body.data, form.client_key.data)
    except questions.QuestionError as error:
        db.session.rollback()
        form.body.errors.append(str(error))
        return None
    db.session.commit()
    if posted.created:
        notifications.deliver(posted.email_ids)
    return posted
