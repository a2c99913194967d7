"""The staff's people search, from the box in the header: candidates and staff by name or email
address. HR finds everyone (/hr/search); a recruiter finds the staff and the candidates in
their care (/recruiter/search: their own, those they are the backup of, those of a colleague
they cover for). A keyset page of 25 by name."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import SearchField
from wtforms.validators import Length, Optional

from portal.core import inputs
from portal.core.forms import QueryForm
from portal.core.i18n import _l, lazy_number
from portal.core.ids import query_id
from portal.people import directory as people
from portal.people.access import hr_bp, recruiter_bp

SEARCH_MAX_LENGTH = 100


def _tidy(value: object) -> object:
    return inputs.single_line(value) if isinstance(value, str) else value


class PeopleSearchForm(QueryForm):
    """A GET form (nothing changes, so no CSRF token), read from the query string."""

    q = SearchField(
        _l("Name or email"),
        filters=[_tidy],
        validators=[
            Optional(),
            Length(
                max=SEARCH_MAX_LENGTH,
                message=_l(
                    "Search for at most %(max)s characters.", max=lazy_number(SEARCH_MAX_LENGTH)
                ),
            ),
        ],
        render_kw={"autocomplete": "off"},
        description=_l("Part of a name or email address, in any case."),
    )


def _search() -> ResponseReturnValue:
    form = PeopleSearchForm(request.args)
    form.validate()
    text = "" if form.q.errors else (form.q.data or "")
    after = request.args.get("after", type=query_id)
    found = people.search_people(current_user, text, after) if text else None
    return render_template(
        "accounts/search.html",
        form=form,
        text=text,
        found=found,
        first_page=after is None,
        audience=request.blueprint,
    ), (422 if form.q.errors else 200)


@recruiter_bp.get("/search", endpoint="search")
def recruiter_search() -> ResponseReturnValue:
    """Find the candidates in one's care, and colleagues, by name or email."""
    return _search()


@hr_bp.get("/search", endpoint="search")
def hr_search() -> ResponseReturnValue:
    """Find anyone by name or email."""
    return _search()
