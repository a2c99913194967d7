"""HR's bulk offers: upload a CSV, see every row's verdict, then create them all or none.

The previewed file travels back with the "Create" button as a hidden field, compressed and
signed for this HR person (it expires after UPLOAD_MAX_AGE): no server-side copy to keep or
clean up. The commit reads and checks it again from scratch, since the people and recruiters
may have changed in between, and creates every candidate in the request's one transaction.
"""

from __future__ import annotations

import base64
import zlib

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from itsdangerous import BadSignature, TimestampSigner

from portal.accounts import offer_import
from portal.accounts import operations as accounts
from portal.accounts.hr_forms import OfferCommitForm, OfferUploadForm
from portal.accounts.offer_import import Context, OfferFileError, OfferRow, Sheet
from portal.core import clock
from portal.core.extensions import db
from portal.core.i18n import _, _l, ngettext
from portal.core.uploads import accepts_upload
from portal.people.access import hr_bp

UPLOAD_MAX_AGE = 3600  # seconds between the preview and "Create"
# The preview lists every row of a file up to this size; past it, every row with a problem
# (up to PREVIEW_ERROR_ROWS) and the first valid rows.
PREVIEW_ROWS = 200
PREVIEW_ERROR_ROWS = 1000


def _max_bytes() -> int:
    return int(current_app.config["OFFER_IMPORT_MAX_BYTES"])


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.secret_key or "", salt=f"offer-import:{current_user.id}")


def pack(data: bytes) -> str:
    """The uploaded bytes as a signed hidden-field value for this HR person."""
    return _signer().sign(base64.urlsafe_b64encode(zlib.compress(data))).decode()


def unpack(value: str) -> bytes | None:
    """The bytes `pack` signed, or None when the value is not ours, not theirs, or too old."""
    try:
        raw = _signer().unsign(value, max_age=UPLOAD_MAX_AGE)
        inflate = zlib.decompressobj()
        data = inflate.decompress(base64.urlsafe_b64decode(raw), _max_bytes() + 1)
    except (BadSignature, ValueError, zlib.error):
        return None
    return data


def _read(data: bytes) -> Sheet:
    return offer_import.read_offers(
        data,
        context=Context.load(clock.now(), current_user.time_zone),
        max_bytes=_max_bytes(),
        max_rows=int(current_app.config["OFFER_IMPORT_MAX_ROWS"]),
    )


def _shown(rows: list[OfferRow]) -> list[OfferRow]:
    if len(rows) <= PREVIEW_ROWS:
        return rows
    wrong = [row for row in rows if row.errors][:PREVIEW_ERROR_ROWS]
    room = max(PREVIEW_ROWS - len(wrong), 0)
    valid = [row for row in rows if not row.errors][:room]
    return sorted(wrong + valid, key=lambda row: row.number)


def _preview(sheet: Sheet, data: bytes, *, problem: str | None = None) -> ResponseReturnValue:
    commit = None
    if sheet.is_valid and problem is None:
        commit = OfferCommitForm(formdata=None, data={"upload": pack(data)})
    page = render_template(
        "accounts/offer_import.html",
        form=OfferUploadForm(formdata=None),
        sheet=sheet,
        rows=_shown(sheet.rows),
        wrong=sum(1 for row in sheet.rows if row.errors),
        commit=commit,
        problem=problem,
    )
    return page, 200 if commit is not None else 422


@hr_bp.route("/people/import", methods=["GET", "POST"])
@accepts_upload("OFFER_IMPORT_MAX_BYTES", what=_l("CSV file"))
def import_offers() -> ResponseReturnValue:
    """Upload a CSV of offers and see every row's verdict before anything is created."""
    form = OfferUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(_max_bytes() + 1)
        try:
            sheet = _read(data)
        except OfferFileError as error:
            form.file.errors.append(error.message)
        else:
            return _preview(sheet, data)
    page = render_template("accounts/offer_import.html", form=form, sheet=None)
    return page, 422 if form.is_submitted() else 200


@hr_bp.post("/people/import/create")
@accepts_upload("OFFER_IMPORT_MAX_BYTES", what=_l("CSV file"))  # its signed copy, in a field
def create_offers() -> ResponseReturnValue:
    """Create every candidate of the previewed file, or none, and queue their invitations."""
    form = OfferCommitForm()
    data = unpack(form.upload.data or "") if form.validate() else None
    if data is None:
        flash(_("That upload has expired or could not be read: upload the file again."), "error")
        return redirect(url_for("hr.import_offers"))
    try:
        sheet = _read(data)
    except OfferFileError:
        flash(_("That upload could not be read: upload the file again."), "error")
        return redirect(url_for("hr.import_offers"))
    if not sheet.is_valid:
        return _preview(sheet, data, problem=_("Some rows changed since the preview."))
    try:
        created = offer_import.create_offers(sheet.offers, current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        return _preview(_read(data), data, problem=error.message)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d candidate added. Their invitations are queued and go out with the portal's "
            "other mail.",
            "%(num)d candidates added. Their invitations are queued and go out with the "
            "portal's other mail.",
            len(created),
        ),
        "success",
    )
    return redirect(url_for("hr.home"))
