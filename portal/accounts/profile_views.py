"""The candidate's profile page: one form, one save, a confirmation that says what changed."""

from __future__ import annotations

from dataclasses import asdict

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.accounts import profile
from portal.accounts.profile_forms import ProfileForm
from portal.core import time_zones
from portal.core.extensions import db
from portal.core.forms import add_error
from portal.core.i18n import _, in_language, remember_language
from portal.mail.preferences import CHOICES
from portal.people.access import candidate_bp, signed_in_candidate
from portal.people.audit import describe_field

PRONOUN_SUGGESTIONS = ("she/her", "he/him", "they/them", "she/they", "he/they")


@candidate_bp.route("/profile", methods=["GET", "POST"])
def profile_page() -> ResponseReturnValue:
    """What to call them, pronouns, language, time zone, how often to hear from us."""
    candidate = signed_in_candidate()
    form = ProfileForm(
        data=asdict(profile.values_of(candidate)) if request.method == "GET" else None
    )
    if form.validate_on_submit():
        try:
            changed = profile.save(candidate, form.values())
        except profile.ProfileError as error:
            db.session.rollback()
            add_error(getattr(form, error.field), error.message)
        else:
            db.session.commit()
            if changed:
                # The page after this one is in the language just chosen: so is what it says.
                with in_language(candidate.language):
                    words = ", ".join(describe_field(name) for name in changed)
                    flash(_("Saved: your %(fields)s.", fields=words), "success")
            else:
                flash(_("Nothing changed."), "info")
            response = redirect(url_for("candidate.profile_page"))
            remember_language(response, candidate.language)
            return response
    return render_template(
        "accounts/profile.html",
        candidate=candidate,
        form=form,
        zone_label=time_zones.label(candidate.time_zone),
        pronouns=PRONOUN_SUGGESTIONS,
        mail_choices={str(choice.value): choice for choice in CHOICES},
    ), (422 if request.method == "POST" else 200)
