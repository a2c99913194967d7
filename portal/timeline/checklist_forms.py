"""The candidate's checklist form: the document for an upload task (a tick is a plain button
with its CSRF token). It checks the input only: timeline.documents reads and checks the file."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import ValidationError

from portal.core.i18n import _, _l
from portal.core.uploads import size_in_words
from portal.timeline import documents
from portal.timeline.document_checks import ACCEPT_ATTRIBUTE, CheckedDocument, DocumentError


def document_hint() -> str:
    max_bytes = int(current_app.config["CHECKLIST_UPLOAD_MAX_BYTES"])
    return _("A PDF, PNG or JPEG file of at most %(size)s.", size=size_in_words(max_bytes))


class DocumentForm(FlaskForm):
    """The document an upload task asks for. A chosen file is read and checked as the form is
    validated: `checked` is the document to store; what is wrong is shown beside the field."""

    document = FileField(_l("Your document"), render_kw={"accept": ACCEPT_ATTRIBUTE})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked: CheckedDocument | None = None
        self.document.description = document_hint()

    def validate_document(self, field: FileField) -> None:
        chosen = field.data
        if not isinstance(chosen, FileStorage) or not chosen.filename:
            raise ValidationError(_("Choose the file to upload."))
        try:
            self.checked = documents.check_upload(chosen.stream, chosen.filename)
        except DocumentError as error:
            raise ValidationError(error.message) from None
