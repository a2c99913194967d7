"""HR's news pages: curation of entries, audiences, and a preview of the news exactly as one
candidate sees it (the feeds themselves: news.feed_views)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    Form,
    SearchField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.validators import Length, Optional

from portal.core import clock, inputs
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, require_confirmation
from portal.core.i18n import _, _l
from portal.core.ids import query_id
from portal.news import cards, curation, library
from portal.news import entries as news
from portal.news.models import Feed, FeedEntry
from portal.people import directory as people
from portal.people.access import hr_bp

SEARCH_MAX_LENGTH = 100
_TAG_HINT = _l("Separate names with commas. Leave empty for everyone.")
# (flag, value) → what the flash message says happened, and that it already was so.
_FLAG_DONE = {
    ("hidden", True): _l("“%(title)s” is hidden from candidates."),
    ("hidden", False): _l("“%(title)s” is shown to candidates again."),
    ("pinned", True): _l("“%(title)s” is pinned to the top."),
    ("pinned", False): _l("“%(title)s” is no longer pinned."),
    ("featured", True): _l("“%(title)s” is featured."),
    ("featured", False): _l("“%(title)s” is no longer featured."),
}
_FLAG_ALREADY = {
    ("hidden", True): _l("Nothing changed: “%(title)s” is already hidden from candidates."),
    ("hidden", False): _l("Nothing changed: “%(title)s” is already shown to candidates."),
    ("pinned", True): _l("Nothing changed: “%(title)s” is already pinned to the top."),
    ("pinned", False): _l("Nothing changed: “%(title)s” is not pinned."),
    ("featured", True): _l("Nothing changed: “%(title)s” is already featured."),
    ("featured", False): _l("Nothing changed: “%(title)s” is not featured."),
}


class AudienceForm(FlaskForm):
    """Who an entry is for. No brains: news.entries normalises and checks."""

    departments = StringField(
        _l("Departments"),
        description=_l("For example: Engineering, Sales. %(hint)s", hint=_TAG_HINT),
    )
    locations = StringField(
        _l("Locations"), description=_l("For example: Paris, London. %(hint)s", hint=_TAG_HINT)
    )

    inherit = BooleanField(_l("Same audience as the feed (the fields above are then ignored)"))


class EntryFilterForm(Form):
    """The entries list's filters (a GET form: nothing changes, so no CSRF token). A value
    that cannot be read is reported beside its field and left out."""

    feed = SelectField(_l("Feed"), default="", validate_choice=False)
    state = SelectField(
        _l("State"),
        default="",
        validate_choice=False,
        choices=[SelectChoice("", _l("Any"))]
        + [SelectChoice(value, label) for value, (label, _where) in library.ENTRY_STATES.items()],
    )
    q = SearchField(
        _l("Title"),
        filters=[lambda value: inputs.single_line(value) if isinstance(value, str) else value],
        validators=[
            Optional(),
            Length(
                max=SEARCH_MAX_LENGTH,
                message=_l("Search for at most %(max)s characters.", max=SEARCH_MAX_LENGTH),
            ),
        ],
        # No maxlength: a longer search comes back whole, beside its error, to be shortened.
        render_kw={"autocomplete": "off"},
        description=_l("Part of the title, in any case."),
    )

    def __init__(self, *args: Any, feeds: list[Feed], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed.choices = [SelectChoice("", _("All feeds"))] + [
            SelectChoice(str(one.id), one.name) for one in feeds
        ]

    def validate_feed(self, field: Field) -> None:
        if field.data:
            try:
                query_id(field.data)
            except ValueError:
                raise ValidationError(_("Choose a feed from the list.")) from None

    def validate_state(self, field: Field) -> None:
        if field.data and field.data not in library.ENTRY_STATES:
            raise ValidationError(_("Choose shown, hidden, pinned or featured, or any."))

    def args(self) -> dict[str, str]:
        """The filters that could be read, for the list's links: {name: value}."""
        return {
            name: str(field.data)
            for name, field in self._fields.items()
            if field.data and not field.errors
        }

    def wanted(self) -> library.EntryFilter:
        """The filter of the fields that could be read (call after `validate`)."""
        feed = "" if self.feed.errors else self.feed.data or ""
        return library.EntryFilter(
            feed_id=query_id(feed) if feed else None,
            state=None if self.state.errors else self.state.data or None,
            search=None if self.q.errors else self.q.data or None,
        )


def _entry_or_404(entry_id: int) -> FeedEntry:
    found = library.entry(entry_id)
    if found is None:
        abort(404)
    return found


@hr_bp.get("/news/entries")
def news_entries() -> ResponseReturnValue:
    """The entries, hidden ones included, newest first, 50 a page, with one-button curation;
    filtered by feed, state and words of the title."""
    feeds = library.all_feeds()
    form = EntryFilterForm(request.args, feeds=feeds)
    form.validate()
    wanted = form.wanted()
    chosen = None
    if wanted.feed_id is not None:
        chosen = next((one for one in feeds if one.id == wanted.feed_id), None)
        if chosen is None:
            abort(404)
    before = request.args.get("before", type=query_id)
    found = library.entries_page(wanted, before)
    filters = form.args()
    page = render_template(
        "news/hr_entries.html",
        form=form,
        entries_page=found,
        feed=chosen,
        filters=filters,
        filtered=wanted != library.EntryFilter(),
        first_page=before is None,
        back=filters | ({"before": before} if before else {}),  # on the buttons' actions
        page_size=library.HR_PAGE_SIZE,
        tag_list=news.tag_list,
        safe_link=news.safe_link,
        mail_moment=curation.mail_moment,
        now=clock.now(),
        curation_hours=int(curation.delay().total_seconds() // 3600),
        confirm=ConfirmForm(),
    )
    return page, 422 if form.errors else 200


@hr_bp.post("/news/entries/<int:entry_id>/flag")
def news_entry_flag(entry_id: int) -> ResponseReturnValue:
    """Hide, pin or feature an entry, or undo it (flag=hidden|pinned|featured, value=0|1);
    then back to the list's page named by feed, state, q and before."""
    require_confirmation()
    found = _entry_or_404(entry_id)
    # On the button's formaction (HR's list), or in the form.
    flag, value = request.values.get("flag", ""), request.values.get("value", "")
    if flag not in library.FLAGS or value not in ("0", "1"):
        abort(400)
    changed = library.set_flag(current_user, found, flag, value == "1")
    if changed and flag == "hidden" and value == "0":
        curation.shown_again(found, clock.now())  # it waits the curation delay again for mail
    db.session.commit()
    title = found.title or _("Untitled")
    key = (flag, value == "1")
    if changed:
        flash(str(_FLAG_DONE[key]) % {"title": title}, "success")
    else:
        flash(str(_FLAG_ALREADY[key]) % {"title": title}, "info")
    return redirect(url_for("hr.news_entries", **_list_args(), _anchor=f"entry-{found.id}"))


@hr_bp.post("/news/entries/<int:entry_id>/publish")
def news_entry_publish(entry_id: int) -> ResponseReturnValue:
    """Put an entry into candidates' "What's new" mail now, without waiting for the curation
    delay; then back to the list's page named by feed, state, q and before."""
    require_confirmation()
    found = _entry_or_404(entry_id)
    published = curation.publish(current_user, found, clock.now())
    db.session.commit()
    title = found.title or _("Untitled")
    if published:
        flash(
            _("“%(title)s” goes into candidates' next “What's new” email.", title=title), "success"
        )
    elif found.hidden:
        flash(_("“%(title)s” is hidden: show it first, then publish it.", title=title), "warning")
    else:
        flash(
            _("Nothing changed: “%(title)s” is already in candidates' email.", title=title), "info"
        )
    return redirect(url_for("hr.news_entries", **_list_args(), _anchor=f"entry-{found.id}"))


def _list_args() -> dict[str, Any]:
    """The list's filters and cursor, on the button's action, for the way back to the same
    page of the same list (what cannot be read is left out)."""
    kept: dict[str, Any] = {key: request.args.get(key, type=query_id) for key in ("feed", "before")}
    state, search = request.args.get("state", ""), request.args.get("q", "")
    kept["state"] = state if state in library.ENTRY_STATES else None
    kept["q"] = inputs.single_line(search)[:SEARCH_MAX_LENGTH]
    return {key: value for key, value in kept.items() if value}


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
            flash(_("Audience saved.") if changes else _("Nothing changed."), "success")
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
            return library.set_audience(current_user, found, None, None)
        return library.set_audience(current_user, found, f.departments.data, f.locations.data)

    return _audience_page(
        form,
        found,
        save,
        back=url_for("hr.news_entries", _anchor=f"entry-{found.id}"),
        heading=_("Who reads “%(title)s”", title=found.title or _("Untitled")),
        feed=found.feed,
    )


PREVIEW_CHOICES = 20  # candidates offered at once; a search narrows them


@hr_bp.get("/news/preview")
def news_preview() -> ResponseReturnValue:
    """The news exactly as one candidate sees it: their home list and their archive's first
    page. Nothing is marked as seen or read. The candidate is picked from the soonest joining
    or found by name or email (never a list of everyone)."""
    search = " ".join((request.args.get("q") or "").split())[:100]
    offered = people.candidates_page(
        people.CandidateFilter(active=True, search=search or None), size=PREVIEW_CHOICES
    )
    candidate_id = request.args.get("candidate", type=query_id)
    chosen = None
    now = clock.now()
    if candidate_id is not None:
        chosen = people.person(candidate_id)
        if chosen is None or chosen.candidate_profile is None or not chosen.is_active:
            abort(404)
    return render_template(
        "news/hr_preview.html",
        candidates=offered.candidates,
        more=offered.next_after is not None,
        search=search,
        chosen=chosen,
        home_items=cards.home_news(chosen, now) if chosen else [],
        archive=cards.archive_page(chosen, 1, now) if chosen else None,
    )
