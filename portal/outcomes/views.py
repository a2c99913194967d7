"""A candidate's outcome page, for HR and for the candidate's recruiter: what became of the
offer, what the portal knew before it, the form to record or correct it, and its history."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import operations as accounts
from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import add_error
from portal.core.i18n import _
from portal.outcomes import recording
from portal.outcomes.forms import EXPLANATIONS, HrOutcomeForm, OutcomeForm
from portal.outcomes.recording import OutcomeError
from portal.people.access import candidate_or_404, hr_bp, recruiter_bp
from portal.people.models import User
from portal.timeline import joining

TEMPLATE = "outcomes/outcome.html"


@hr_bp.route("/people/<int:user_id>/outcome", methods=["GET", "POST"], endpoint="candidate_outcome")
def hr_candidate_outcome(user_id: int) -> ResponseReturnValue:
    """Any candidate's outcome; HR may also close the account as they record it."""
    found = candidate_or_404(user_id)
    return _outcome_page(
        found,
        HrOutcomeForm,
        here=url_for("hr.candidate_outcome", user_id=found.id),
        back=url_for("hr.person", user_id=found.id),
    )


@recruiter_bp.route(
    "/candidates/<int:candidate_id>/outcome", methods=["GET", "POST"], endpoint="candidate_outcome"
)
def recruiter_candidate_outcome(candidate_id: int) -> ResponseReturnValue:
    """One of the recruiter's candidates' outcome; anyone else's: 404."""
    found = candidate_or_404(candidate_id, recruiter=current_user)
    return _outcome_page(
        found,
        OutcomeForm,
        here=url_for("recruiter.candidate_outcome", candidate_id=found.id),
        back=url_for("recruiter.candidate", candidate_id=found.id),
    )


def _outcome_page(
    candidate: User, form_class: type[OutcomeForm], *, here: str, back: str
) -> ResponseReturnValue:
    row = recording.outcome_of(candidate.id)
    # The recorded outcome is chosen on GET only: a POST without a choice must not fall back.
    form = form_class(data={"outcome": row.outcome} if row and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            said = _record(candidate, form)
        except OutcomeError as error:
            db.session.rollback()
            add_error(getattr(form, error.field), error.message)
        except IntegrityError:
            db.session.rollback()  # someone recorded the first outcome at the same moment
            add_error(form.outcome, _("An outcome was recorded at the same moment: see it below."))
            row = recording.outcome_of(candidate.id)
        else:
            db.session.commit()
            flash(*said)
            return redirect(here)
    now = clock.now()
    profile = candidate.profile
    page = render_template(
        TEMPLATE,
        candidate=candidate,
        profile=profile,
        joins_at=joining.candidate_joining(profile),
        may_say=recording.may_say_what_happened(profile, now),
        row=row,
        history=recording.history_of(candidate),
        form=form,
        explanations=EXPLANATIONS,
        outcome_words=recording.shown_words,
        back=back,
    )
    return page, 422 if form.is_submitted() else 200


def _record(candidate: User, form: OutcomeForm) -> tuple[str, str]:
    """Record, change or take back the outcome (and close the account when HR asks): what
    to tell the person who did it, and the flash category ("info" when nothing changed)."""
    chosen, reason = form.chosen, form.reason.data or None
    if chosen is None:
        changed = recording.clear_outcome(candidate, current_user, reason=reason)
        said = _("The outcome was taken back.")
    else:
        changed = recording.record_outcome(candidate, chosen, current_user, reason=reason).changed
        said = _("Saved: %(outcome)s.", outcome=chosen.label)
    if not changed:
        said = _("Nothing changed.")
    closing = isinstance(form, HrOutcomeForm) and form.close_account.data
    if closing and candidate.is_active:
        accounts.deactivate(candidate, current_user)
        closed = _("%(name)s’s account is closed: they can no longer sign in.", name=candidate.name)
        said, changed = f"{said} {closed}", True
    return said, "success" if changed else "info"
