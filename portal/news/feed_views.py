"""HR's feed pages: the feeds and how their fetching goes, adding and editing one, testing one
(a preview of what the portal would store, storing nothing), turning one off or on, deleting
an empty one, and the feeds as a feeds.yaml file."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, add_error, ask_first, filled, require_confirmation
from portal.core.i18n import _
from portal.core.ids import query_id
from portal.news import entries as news
from portal.news import library
from portal.news.feed_forms import FeedForm
from portal.news.feeds import preview as feed_preview
from portal.news.feeds import settings, transfer
from portal.news.feeds.config import DEFAULT_MAX_ITEMS, image_origins
from portal.news.feeds.types import FeedConfig
from portal.news.models import Feed
from portal.people.access import hr_bp

TEST_ACTION = "test"  # the value of the form's "Test this feed" button (name="action")


def _feed_or_404(feed_id: int) -> Feed:
    found = library.feed(feed_id)
    if found is None:
        abort(404)
    return found


def _listed(feed: Feed) -> str:
    return url_for("hr.news_feeds", _anchor=f"feed-{feed.id}")


@hr_bp.get("/news")
def news_feeds() -> ResponseReturnValue:
    """The feeds by name, 50 a page: each one's settings, fetch status in plain words (a failing
    feed with its reason and next try) and entries, with its actions."""
    after = request.args.get("after", type=query_id)
    return render_template(
        "news/hr_feeds.html",
        feeds_page=library.feeds_page(after),
        first_page=after is None,
        page_size=library.HR_PAGE_SIZE,
        tag_list=news.tag_list,
        confirm=ConfirmForm(),
    )


@hr_bp.get("/news/feeds.yaml")
def export_feeds() -> ResponseReturnValue:
    """Every feed's settings as a feeds file, which `flask --app portal feeds import` reads back."""
    return Response(
        transfer.export_feeds(),
        mimetype="application/yaml",
        headers={"Content-Disposition": 'attachment; filename="feeds.yaml"'},
    )


@hr_bp.route("/news/feeds/new", methods=["GET", "POST"])
def new_feed() -> ResponseReturnValue:
    """Add a feed (it is fetched within a minute), or test its address first."""
    return _form_page(FeedForm(), None)


@hr_bp.route("/news/feeds/<int:feed_id>/edit", methods=["GET", "POST"])
def edit_feed(feed_id: int) -> ResponseReturnValue:
    """Change a feed's name, address, audience, items kept or whether it is on; or test it."""
    found = _feed_or_404(feed_id)
    form = FeedForm(
        data={
            "name": found.name,
            "url": found.url,
            "departments": news.tags_text(found.departments),
            "locations": news.tags_text(found.locations),
            "max_items": found.max_items,
            "enabled": found.enabled,
        }
    )
    return _form_page(form, found)


def _settings(form: FeedForm) -> FeedConfig:
    """The form's settings (validated), audiences normalised by news.entries; NewsError names
    the audience field it cannot use."""
    return FeedConfig(
        name=filled(form.name.data),
        url=filled(form.url.data),
        departments=tuple(news.tag_list(news.normalise_tags(form.departments.data))),
        locations=tuple(news.tag_list(news.normalise_tags(form.locations.data, field="locations"))),
        max_items=filled(form.max_items.data),
        enabled=bool(form.enabled.data),
    )


def _form_page(form: FeedForm, feed: Feed | None) -> ResponseReturnValue:
    """Save (commit, back to the list) or test the form's feed; else the form again, with each
    error beside its field (422)."""
    if form.is_submitted() and request.form.get("action") == TEST_ACTION:
        return _test_page(form, feed)
    if form.validate_on_submit():
        try:
            wanted = _settings(form)
            now = clock.now()
            if feed is None:
                feed = settings.add(current_user, wanted, now)
                message = _(
                    "“%(name)s” is added: the portal fetches it within a minute.", name=feed.name
                )
            else:
                changed = settings.change(current_user, feed, wanted, now)
                message = (
                    _("“%(name)s” is saved.", name=feed.name) if changed else _("Nothing changed.")
                )
        except (settings.FeedSettingsError, news.NewsError) as error:
            db.session.rollback()
            add_error(getattr(form, error.field), error.message)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(_listed(feed))
    return _render(form, feed, None), 422 if form.is_submitted() else 200


def _test_page(form: FeedForm, feed: Feed | None) -> ResponseReturnValue:
    """Fetch the form's address now through the refresh's pipeline and show what would be
    stored; nothing is saved, the rest of the form is kept as typed."""
    require_confirmation()  # the form's CSRF token: a forged request never makes us fetch
    url_ok = form.url.validate(form)
    items = form.max_items.data if form.max_items.validate(form) else None
    if not url_ok:
        return _render(form, feed, None), 422
    options = feed_preview.preview_options()
    origins = image_origins()
    # No transaction (nor SQLite's write lock) is held while the feed downloads.
    db.session.rollback()
    found = feed_preview.preview(
        filled(form.url.data), items or DEFAULT_MAX_ITEMS, options, clock.now(), origins
    )
    return _render(form, feed, found)


def _render(form: FeedForm, feed: Feed | None, found: feed_preview.FeedPreview | None) -> str:
    heading = _("Edit “%(name)s”", name=feed.name) if feed is not None else _("Add a news feed")
    return render_template(
        "news/hr_feed_form.html",
        form=form,
        feed=feed,
        heading=heading,
        preview=found,
        test_action=TEST_ACTION,
        render_html=news.render_html,
    )


@hr_bp.post("/news/feeds/<int:feed_id>/disable")
def disable_feed(feed_id: int) -> ResponseReturnValue:
    """Turn a feed off (once HR has confirmed): no longer fetched, its news shown to no one."""
    require_confirmation()
    found = _feed_or_404(feed_id)
    back = _listed(found)
    asking = ask_first(
        _("Turn off the feed “%(name)s”?", name=found.name),
        detail=_(
            "It is no longer fetched, and candidates no longer see its news, until it is "
            "turned on again. Its entries are kept."
        ),
        button=_("Yes, turn it off"),
        cancel=back,
    )
    if asking is not None:
        return asking
    if settings.turn_off(current_user, found, clock.now()):
        db.session.commit()
        flash(
            _("“%(name)s” is off: candidates no longer see its news.", name=found.name), "success"
        )
    else:
        flash(_("Nothing changed: “%(name)s” was already off.", name=found.name), "info")
    return redirect(back)


@hr_bp.post("/news/feeds/<int:feed_id>/enable")
def enable_feed(feed_id: int) -> ResponseReturnValue:
    """Turn a feed on again: fetched within a minute, its news shown again."""
    require_confirmation()
    found = _feed_or_404(feed_id)
    if settings.turn_on(current_user, found, clock.now()):
        db.session.commit()
        flash(
            _("“%(name)s” is on: the portal fetches it within a minute.", name=found.name),
            "success",
        )
    else:
        flash(_("Nothing changed: “%(name)s” was already on.", name=found.name), "info")
    return redirect(_listed(found))


@hr_bp.post("/news/feeds/<int:feed_id>/delete")
def delete_feed(feed_id: int) -> ResponseReturnValue:
    """Delete a feed that holds no entries (once HR has confirmed); one with entries is turned
    off instead."""
    require_confirmation()
    found = _feed_or_404(feed_id)
    back = _listed(found)
    if settings.entry_count(found):
        flash(
            _(
                "“%(name)s” holds news entries, so it cannot be deleted: turn it off instead "
                "(its entries are then shown to no one).",
                name=found.name,
            ),
            "warning",
        )
        return redirect(back)
    asking = ask_first(
        _("Delete the feed “%(name)s”?", name=found.name),
        detail=_("It holds no entries. Deleting it cannot be undone; you can add it again later."),
        button=_("Yes, delete it"),
        cancel=back,
    )
    if asking is not None:
        return asking
    name = found.name
    settings.delete(current_user, found)
    db.session.commit()
    flash(_("“%(name)s” is deleted.", name=name), "success")
    return redirect(url_for("hr.news_feeds"))
