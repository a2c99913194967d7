"""HR's reports: the list, each report with its charts and tables, and each as a CSV file."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from portal.core import clock
from portal.core.templating import local_today
from portal.people.access import hr_bp
from portal.reports import filters
from portal.reports.catalogue import BY_SLUG, REPORTS, SLUGS, totals
from portal.reports.tables import csv_text


@hr_bp.get("/reports")
def reports() -> ResponseReturnValue:
    """The reports there are, and how many outcomes they count."""
    return render_template("reports/index.html", reports=REPORTS, totals=totals())


@hr_bp.get(f"/reports/<{SLUGS}:slug>")
def report(slug: str) -> ResponseReturnValue:
    """One report for the chosen period, department, location and recruiter."""
    chosen = BY_SLUG[slug]
    form = filters.read(request.args, local_today(clock.now()))
    wanted = form.wanted()
    page = render_template(
        chosen.template,
        report=chosen,
        reports=REPORTS,
        built=chosen.build(wanted, form.options),
        form=form,
        args=form.args(),
        described=filters.described(wanted, form.options),
    )
    return page, 422 if form.errors else 200


@hr_bp.get(f"/reports/<{SLUGS}:slug>.csv")
def report_csv(slug: str) -> ResponseReturnValue:
    """The report's numbers as a CSV file (the page, with its errors, when a filter is wrong)."""
    chosen = BY_SLUG[slug]
    now = clock.now()
    form = filters.read(request.args, local_today(now))
    if form.errors:
        return report(slug)
    wanted = form.wanted()
    built = chosen.build(wanted, form.options)
    text = csv_text(str(chosen.title), filters.described(wanted, form.options), built.tables())
    stamp = local_today(now).isoformat()
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-{stamp}.csv"'},
    )
