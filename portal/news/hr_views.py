"""HR's news pages: the feeds and how their fetching goes, curation of entries, audiences, and
a preview of the news exactly as one candidate sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from portal.core.extensions import db
from portal.core.forms import ConfirmForm, require_confirmation
from portal.core.ids import query_id
from portal.news import entries as news
from portal.news.models import Feed, FeedEntry
from portal.people import directory as people
from portal.people.access import hr_bp

_TAG_HINT = "Separate names with commas. Leave empty for everyone."
# (flag, value) → what the flash message says happened.
_FLAG_DONE = {
    ("hidden", True): "is hidden from candidates",
    ("hidden", False): "is shown to candidates again",
    ("pinned", True): "is pinned to the top",
    ("pinned", False): "is no longer pinned",
    ("featured", True): "is featured",
    ("featured", False): "is no longer featured",
}


class AudienceForm(FlaskForm):
    """Who an entry is for. No brains: news.entries normalises and checks."""

    departments = StringField(
        "Departments", description=f"For example: Engineering, Sales. {_TAG_HINT}"
    )
    locations = StringField("Locations", description=f"For example: Paris, London. {_TAG_HINT}")

    inherit = BooleanField("Same audience as the feed (the fields above are then ignored)")


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdecimal() or len(raw) > 6:
        abort(404)
    return int(raw)


def _feed_or_404(feed_id: int) -> Feed:
    found = news.feed(feed_id)
    if found is None:
        abort(404)
    return found


def _entry_or_404(entry_id: int) -> FeedEntry:
    found = news.entry(entry_id)
    if found is None:
        abort(404)
    return found


@hr_bp.get("/news")
def news_feeds() -> ResponseReturnValue:
    """Every feed with its fetch status in plain words, and its audience."""
    return render_template(
        "news/hr_feeds.html", rows=news.feeds_with_counts(), tag_list=news.tag_list
    )


@hr_bp.get("/news/entries")
def news_entries() -> ResponseReturnValue:
    """The entries, hidden ones included, with one-button curation; ?feed=ID for one feed."""
    feed_id = request.args.get("feed", type=query_id)
    chosen = _feed_or_404(feed_id) if feed_id is not None else None
    found = news.entries_page(_page_number(), feed_id)
    if found is None:
        abort(404)
    return render_template(
        "news/hr_entries.html",
        entries_page=found,
        feed=chosen,
        feeds=[row.feed for row in news.feeds_with_counts()],
        tag_list=news.tag_list,
        safe_link=news.safe_link,
        confirm=ConfirmForm(),
    )


@hr_bp.post("/news/entries/<int:entry_id>/flag")
def news_entry_flag(entry_id: int) -> ResponseReturnValue:
    """Hide, pin or feature an entry, or undo it (form: flag=hidden|pinned|featured, value)."""
    require_confirmation()
    found = _entry_or_404(entry_id)
    flag, value = request.form.get("flag", ""), request.form.get("value", "")
    if flag not in news.FLAGS or value not in ("0", "1"):
        abort(400)
    changed = news.set_flag(current_user, found, flag, value == "1")
    db.session.commit()
    title = found.title or "Untitled"
    if changed:
        flash(f"“{title}” {_FLAG_DONE[(flag, value == '1')]}.", "success")
    else:
        flash(f"Nothing changed: “{title}” already {_FLAG_DONE[(flag, value == '1')]}.", "info")
    back = {
        "feed": request.form.get("feed", type=query_id),
        "page": request.form.get("page", type=int),
    }
    kept: dict[str, Any] = {key: number for key, number in back.items() if number and number > 0}
    return redirect(
        url_for(
            "hr.news_entries",
            **kept,
            _anchor=f"entry-{found.id}",
        )
    )


def _audience_page(
    form: AudienceForm,
    target: FeedEntry,
    save: Callable[[AudienceForm], object],
    *,
    back: str,
    heading: str,
    **page: object,
) -> ResponseReturnValue:
    """Validate, save, commit and go back; the form again (422) with the error beside its field."""
    if form.validate_on_submit():
        try:
            changes = save(form)
        except news.NewsError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash("Audience saved." if changes else "Nothing changed.", "success")
            return redirect(back)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "news/hr_audience.html", form=form, target=target, back=back, heading=heading, **page
    ), status


@hr_bp.route("/news/entries/<int:entry_id>/audience", methods=["GET", "POST"])
def news_entry_audience(entry_id: int) -> ResponseReturnValue:
    """Target one entry at departments and locations, or let it follow its feed."""
    found = _entry_or_404(entry_id)
    inherits = found.departments is None and found.locations is None
    form = AudienceForm(
        data={
            "departments": news.tags_text(
                found.feed.departments if found.departments is None else found.departments
            ),
            "locations": news.tags_text(
                found.feed.locations if found.locations is None else found.locations
            ),
            "inherit": inherits,
        }
    )

    def save(f: AudienceForm) -> dict[str, tuple[str | None, str | None]]:
        if f.inherit.data:
            return news.set_audience(current_user, found, None, None)
        return news.set_audience(current_user, found, f.departments.data, f.locations.data)

    return _audience_page(
        form,
        found,
        save,
        back=url_for("hr.news_entries", _anchor=f"entry-{found.id}"),
        heading=f"Who reads “{found.title or 'Untitled'}”",
        feed=found.feed,
    )


@hr_bp.get("/news/preview")
def news_preview() -> ResponseReturnValue:
    """The news exactly as one candidate sees it: their home list and their archive's first
    page. Nothing is marked as seen or read."""
    candidates = people.all_candidates(include_inactive=False)
    candidate_id = request.args.get("candidate", type=query_id)
    chosen = None
    if candidate_id is not None:
        chosen = next((c for c in candidates if c.id == candidate_id), None)
        if chosen is None:
            abort(404)
    return render_template(
        "news/hr_preview.html",
        candidates=candidates,
        chosen=chosen,
        home_items=news.home_news(chosen) if chosen else [],
        archive=news.archive_page(chosen, 1) if chosen else None,
    )
