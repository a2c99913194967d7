"""Forms that carry a file: a larger body than MAX_CONTENT_LENGTH, for the views that say so.

Every POST's form is read before its view runs (the CSRF check, the NUL check), under the
portal's usual form limit. A view marked `@accepts_upload("PHOTO_MAX_BYTES", what=_l("photo"))`
gets room for twice that setting instead, from a hook that runs before those checks: a file a
little too large still arrives, so its view can say so beside the field and show the rest of
the form as it was typed. A body larger than even that is refused at once with a 413 page that
says what was too large and how large it may be, never a bare one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request

from portal.core.i18n import _, format_decimal

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])
FORM_ROOM = 256 * 1024  # the form's other fields, around the file


def accepts_upload(max_bytes_setting: str, *, what: str) -> Callable[[ViewFunc], ViewFunc]:
    """Mark a view whose POST carries a file of at most `app.config[max_bytes_setting]`
    bytes; `what` names it in the message about a body too large (`_l("photo")`)."""

    def mark(view: ViewFunc) -> ViewFunc:
        view.upload_max_setting = max_bytes_setting  # type: ignore[attr-defined]
        view.upload_what = what  # type: ignore[attr-defined]
        return view

    return mark


def size_in_words(size: int) -> str:
    """A byte count as people say it: "8 MB", "1.5 MB" ("1,5 MB" in German), "300 kB"."""
    if size >= 1024 * 1024:
        megabytes = float(f"{size / (1024 * 1024):.3g}")
        return _("%(size)s MB", size=format_decimal(megabytes, "#,##0.##"))
    return _("%(size)s kB", size=format_decimal(max(size // 1024, 1)))


def largest_body(max_bytes: int) -> int:
    """The body an upload view accepts when its file may be `max_bytes` long."""
    return 2 * max_bytes + FORM_ROOM


def _make_room() -> None:
    if request.method != "POST" or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    setting = getattr(view, "upload_max_setting", None)
    if setting is None:
        return
    max_bytes = int(current_app.config[setting])
    limit = largest_body(max_bytes)
    if request.content_length is not None and request.content_length > limit:
        what = str(getattr(view, "upload_what", None) or _("file"))
        abort(
            413,
            _(
                "The %(what)s you chose is far larger than the %(size)s allowed, so nothing was "
                "sent. Go back, choose a smaller %(what)s and send the form again.",
                what=what,
                What=what[:1].upper() + what[1:],
                size=size_in_words(max_bytes),
            ),
        )
    request.max_content_length = limit
    # A form may carry the file's content in a field too (the offer import's signed copy).
    request.max_form_memory_size = limit


def init_uploads(app: Flask) -> None:
    """Call before anything that reads the form (CSRF, the security checks)."""
    app.before_request(_make_room)
