"""HR's audit log: filtered, a page at a time, and exported as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.accounts.hr_forms import AuditFilterForm
from portal.core import clock
from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.core.i18n import _, _l
from portal.core.ids import query_id
from portal.core.spreadsheets import safe_cell
from portal.people import audit
from portal.people.access import hr_bp
from portal.people.models import AuditEntry

# The file's columns, in the reader's language (a file for people to read, not a format).
CSV_COLUMNS = [
    _l("when (UTC)"),
    _l("who"),
    _l("what"),
    _l("person"),
    _l("about"),
    _l("field"),
    _l("from"),
    _l("to"),
]


def _filter_from_request() -> tuple[AuditFilterForm, audit.AuditFilter | None]:
    kinds = {value: label for value, (label, _codes) in audit.ACTION_KINDS.items()}
    form = AuditFilterForm(request.args, kinds=kinds)
    if not form.validate():
        return form, None
    zone = ZoneInfo(current_user.time_zone)
    return form, audit.AuditFilter(
        kind=form.kind.data or None,
        person=form.person.data or None,
        since=_start_of(form.since.data, zone),
        until=_start_of(form.until.data + timedelta(days=1), zone) if form.until.data else None,
    )


def _start_of(day: date | None, zone: ZoneInfo) -> datetime | None:
    """The instant a day begins in the reader's zone."""
    return None if day is None else datetime.combine(day, time(0), tzinfo=zone)


@hr_bp.get("/audit")
def audit_log() -> ResponseReturnValue:
    """Everything recorded, newest first, 50 a page; filtered by kind, person and days."""
    form, wanted = _filter_from_request()
    before = request.args.get("before", type=query_id)
    entries, next_before = audit.page(wanted, before) if wanted else ([], None)
    filters = {key: value for key, value in request.args.items() if key != "before" and value}
    status = 200 if wanted else 422
    page = render_template(
        "accounts/audit.html",
        form=form,
        entries=entries,
        next_before=next_before,
        first_page=before is None,
        filters=filters,
    )
    return page, status


@hr_bp.get("/audit.csv")
@writes_on_get("audit_log")
def audit_csv() -> ResponseReturnValue:
    """The filtered log as a CSV file; the export itself is recorded."""
    form, wanted = _filter_from_request()
    if wanted is None:
        return audit_log()
    audit.record(current_user, "audit.exported", subject=wanted.described())
    db.session.commit()
    stamp = clock.now().strftime("%Y-%m-%d")
    # Read whole before answering: a stream would hold the database (and SQLite's lock) for as
    # long as the slowest client takes to download it.
    return Response(
        "".join(_csv_lines(wanted)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'},
    )


def _csv_lines(wanted: audit.AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column) for column in CSV_COLUMNS])
    for entry in audit.every(wanted):
        writer.writerow([safe_cell(value) for value in _row(entry)])
        if buffer.tell() > 32_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _row(entry: AuditEntry) -> list[str]:
    return [
        entry.created_at.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds"),
        entry.actor.name if entry.actor else _("System"),
        audit.describe(entry.action),
        f"{entry.target.name} <{entry.target.email}>" if entry.target else "",
        entry.subject or "",
        audit.describe_field(entry.field),
        entry.old_value or "",
        entry.new_value or "",
    ]
