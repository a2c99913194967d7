"""The words of each kind of milestone and task, in the reader's language: for HR's forms and
lists, and for the candidate's buttons and ticks. (The templates reach them as `task_words`.)"""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from portal.core.i18n import _, _l
from portal.core.uploads import size_in_words
from portal.timeline.dates import Progress
from portal.timeline.document_checks import KINDS
from portal.timeline.models import TaskKind

# Short names, for lists and badges.
_NAMES: dict[str, LazyString] = {
    TaskKind.MILESTONE: _l("Milestone"),
    TaskKind.READ: _l("Read"),
    TaskKind.CONFIRM: _l("Confirm"),
    TaskKind.UPLOAD: _l("Upload a document"),
    TaskKind.ACKNOWLEDGE: _l("Acknowledge"),
}
# The choices of HR's form: what the candidate does.
_CHOICES: dict[str, LazyString] = {
    TaskKind.MILESTONE: _l("Nothing: a milestone, done once its moment has passed"),
    TaskKind.READ: _l("Read something, and tick it off as read"),
    TaskKind.CONFIRM: _l("Confirm something, such as their bank details being sent"),
    TaskKind.UPLOAD: _l("Upload a document: a PDF, PNG or JPEG file"),
    TaskKind.ACKNOWLEDGE: _l("Acknowledge something, such as a policy"),
}
# The candidate's button.
_ACTIONS: dict[str, LazyString] = {
    TaskKind.READ: _l("Mark as read"),
    TaskKind.CONFIRM: _l("Confirm"),
    TaskKind.UPLOAD: _l("Upload"),
    TaskKind.ACKNOWLEDGE: _l("I acknowledge this"),
}


def name(kind: str) -> str:
    """ "Upload a document"."""
    return str(_NAMES.get(kind, _NAMES[TaskKind.MILESTONE]))


def choices() -> list[tuple[str, LazyString]]:
    """The kinds as HR's form offers them, a plain milestone first."""
    return [(kind.value, _CHOICES[kind]) for kind in TaskKind]


def action(kind: str) -> str:
    """The button that ticks a task off: "Mark as read", "I acknowledge this"."""
    return str(_ACTIONS.get(kind, _ACTIONS[TaskKind.CONFIRM]))


def done(kind: str, day: str) -> str:
    """What a ticked task says: "Read on 3 March 2027", "Uploaded on …"."""
    if kind == TaskKind.READ:
        return _("Read on %(day)s", day=day)
    if kind == TaskKind.UPLOAD:
        return _("Uploaded on %(day)s", day=day)
    if kind == TaskKind.ACKNOWLEDGE:
        return _("Acknowledged on %(day)s", day=day)
    return _("Confirmed on %(day)s", day=day)


def size(size_in_bytes: int) -> str:
    """A document's size as people say it: "1.2 MB" ("1,2 MB" in German)."""
    return size_in_words(size_in_bytes)


def document_type(content_type: str) -> str:
    """ "PDF", "PNG", "JPEG" for a stored document's type."""
    return {kind.content_type: kind.words for kind in KINDS}.get(content_type, content_type)


def progress(total: int, done: int, overdue: int = 0) -> str:
    """ "3 of 7 done, 1 overdue" (a checklist's progress, such as a candidate's signal says)."""
    return Progress(total=total, done=done, overdue=overdue).words()
