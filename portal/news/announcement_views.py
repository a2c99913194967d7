"""HR's announcements: the list (20 a page, drafts included), writing one with a preview of
what candidates will see, editing, publishing now, taking back and deleting (both asked first).
The rules are news.announcements'; every change is audit-logged there."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, add_error, ask_first, require_confirmation
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.mail.cadence import zone_info
from portal.news import announcements, cards
from portal.news import entries as news
from portal.news.announcement_forms import ACTIONS, DRAFT, PREVIEW, PUBLISH, AnnouncementForm
from portal.news.feeds.config import image_origins
from portal.news.models import Announcement
from portal.people.access import hr_bp

# A publish moment typed a little in the past (the form was slow to send) still counts as now.
LEEWAY = timedelta(minutes=5)
FURTHEST_YEARS = 5  # a publish moment further ahead is a typing mistake


def _found_or_404(announcement_id: int) -> Announcement:
    found = announcements.get(announcement_id)
    if found is None:
        abort(404)
    return found


def _listed(target: Announcement | None = None) -> str:
    anchor = f"announcement-{target.id}" if target is not None else None
    return url_for("hr.announcements_list", _anchor=anchor)


@hr_bp.get("/news/announcements")
def announcements_list() -> ResponseReturnValue:
    """HR's announcements, newest written first, 20 a page, each with its state, audience and
    actions."""
    before = request.args.get("before", type=query_id)
    return render_template(
        "news/hr_announcements.html",
        found=announcements.hr_page(before),
        first_page=before is None,
        now=clock.now(),
        state=announcements.state,
        tag_list=news.tag_list,
        confirm=ConfirmForm(),
    )


@hr_bp.route("/news/announcements/new", methods=["GET", "POST"])
def new_announcement() -> ResponseReturnValue:
    """Write an announcement: preview it, save it as a draft, or publish it (now or later)."""
    return _form_page(AnnouncementForm(), None)


@hr_bp.route("/news/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
def edit_announcement(announcement_id: int) -> ResponseReturnValue:
    """Change an announcement, preview it, publish it or keep it as a draft."""
    found = _found_or_404(announcement_id)
    local = (
        found.published_at.astimezone(zone_info(current_user.time_zone))
        if found.published_at is not None
        else None
    )
    form = AnnouncementForm(
        data={
            "title": found.title,
            "body": found.body,
            "departments": news.tags_text(found.departments),
            "locations": news.tags_text(found.locations),
            "pinned": found.pinned,
            "publish_on": local.date() if local else None,
            "publish_time": local.time().replace(second=0, microsecond=0) if local else None,
        }
    )
    return _form_page(form, found)


def _chosen_moment(form: AnnouncementForm) -> datetime | None:
    """The publish moment HR typed (in their own zone), as an instant; None when they left both
    fields empty. An error beside the field that is missing."""
    day, moment = form.publish_on.data, form.publish_time.data
    if day is None and moment is None:
        return None
    if day is None:
        add_error(form.publish_on, _("Choose the day too, or leave the time empty."))
        return None
    if moment is None:
        add_error(form.publish_time, _("Enter the time too, or leave the day empty."))
        return None
    if day.year > clock.now().year + FURTHEST_YEARS:
        add_error(form.publish_on, _("Choose a day within the next five years."))
        return None
    zone = zone_info(current_user.time_zone)
    return datetime.combine(day, moment, tzinfo=zone).astimezone(zone_info("UTC"))


def _publish_at(
    form: AnnouncementForm, action: str, stored: Announcement | None, now: datetime
) -> datetime | None:
    """When the announcement is shown, by the button pressed: None for a draft; a published one
    keeps its moment unless HR changed it; otherwise the moment typed, else now."""
    if action == DRAFT:
        return None
    typed = _chosen_moment(form)
    shown_since = stored.published_at if stored is not None else None
    if typed is None:
        return shown_since if shown_since is not None and shown_since <= now else now
    if shown_since is not None and typed == shown_since.replace(second=0, microsecond=0):
        return shown_since  # the moment shown in the form, unchanged
    if typed < now - LEEWAY:
        add_error(
            form.publish_on,
            _("Choose a moment from now on, or leave the day and time empty to publish now."),
        )
    return max(typed, now)


def _draft(form: AnnouncementForm, publish_at: datetime | None) -> announcements.Draft:
    return announcements.Draft(
        title=form.title.data or "",
        body=form.body.data or "",
        departments=form.departments.data or "",
        locations=form.locations.data or "",
        pinned=bool(form.pinned.data),
        publish_at=publish_at,
    )


def _form_page(form: AnnouncementForm, target: Announcement | None) -> ResponseReturnValue:
    """Preview, or save (commit, back to the list); else the form again with each error
    beside its field (422)."""
    action = request.form.get("action", PUBLISH)
    if form.is_submitted() and action not in ACTIONS:
        abort(400)
    preview = None
    if form.validate_on_submit():
        now = clock.now()
        publish_at = _publish_at(form, action, target, now)
        if action == PREVIEW and not form.errors:
            preview = cards.draft_card(
                _draft(form, publish_at or now), announcements.render(form.body.data or ""), now
            )
        elif not form.errors:
            try:
                if target is None:
                    target = announcements.create(current_user, _draft(form, publish_at), now)
                    changed = True
                else:
                    changed = bool(
                        announcements.change(current_user, target, _draft(form, publish_at), now)
                    )
            except news.NewsError as error:
                db.session.rollback()
                add_error(getattr(form, error.field), error.message)
            else:
                db.session.commit()
                flash(_saved(target, changed, now), "success")
                return redirect(_listed(target))
    status = 422 if form.errors else 200
    return render_template(
        "news/hr_announcement_form.html",
        form=form,
        target=target,
        preview=preview,
        origins=image_origins(),
        now=clock.now(),
        state=announcements.state,
        actions={"preview": PREVIEW, "draft": DRAFT, "publish": PUBLISH},
    ), status


def _saved(target: Announcement, changed: bool, now: datetime) -> str:
    """What the flash message says once the form is saved."""
    if not changed:
        return _("Nothing changed.")
    state = announcements.state(target, now)
    if state == "draft":
        return _("“%(title)s” is saved as a draft: candidates do not see it.", title=target.title)
    if state == "scheduled":
        return _(
            "“%(title)s” is saved: candidates see it from the moment you chose.", title=target.title
        )
    return _("“%(title)s” is published: candidates it is meant for see it now.", title=target.title)


@hr_bp.post("/news/announcements/<int:announcement_id>/publish")
def publish_announcement(announcement_id: int) -> ResponseReturnValue:
    """Show a draft or scheduled announcement from now."""
    require_confirmation()
    found = _found_or_404(announcement_id)
    if announcements.publish_now(current_user, found, clock.now()):
        db.session.commit()
        flash(
            _(
                "“%(title)s” is published: candidates it is meant for see it now.",
                title=found.title,
            ),
            "success",
        )
    else:
        flash(_("Nothing changed: “%(title)s” was already published.", title=found.title), "info")
    return redirect(_listed(found))


@hr_bp.post("/news/announcements/<int:announcement_id>/unpublish")
def unpublish_announcement(announcement_id: int) -> ResponseReturnValue:
    """Take an announcement back (once HR has confirmed): candidates no longer see it; it stays
    here as a draft."""
    require_confirmation()
    found = _found_or_404(announcement_id)
    back = _listed(found)
    asking = ask_first(
        _("Take back the announcement “%(title)s”?", title=found.title),
        detail=_("Candidates no longer see it. It stays here as a draft, to publish again later."),
        button=_("Yes, take it back"),
        cancel=back,
    )
    if asking is not None:
        return asking
    if announcements.take_back(current_user, found):
        db.session.commit()
        flash(
            _("“%(title)s” is taken back: candidates no longer see it.", title=found.title),
            "success",
        )
    else:
        flash(_("Nothing changed: “%(title)s” was not published.", title=found.title), "info")
    return redirect(back)


@hr_bp.post("/news/announcements/<int:announcement_id>/delete")
def delete_announcement(announcement_id: int) -> ResponseReturnValue:
    """Delete an announcement for good (once HR has confirmed)."""
    require_confirmation()
    found = _found_or_404(announcement_id)
    asking = ask_first(
        _("Delete the announcement “%(title)s”?", title=found.title),
        detail=_(
            "Candidates no longer see it, and it is gone from this list. Deleting it cannot be "
            "undone; to hide it for now, take it back instead."
        ),
        button=_("Yes, delete it"),
        cancel=_listed(found),
    )
    if asking is not None:
        return asking
    title = found.title
    announcements.delete(current_user, found)
    db.session.commit()
    flash(_("“%(title)s” is deleted.", title=title), "success")
    return redirect(_listed())
