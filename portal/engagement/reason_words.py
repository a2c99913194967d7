"""The words of an engagement reason, from its code and facts, in any language.

A reason (portal.engagement.status.Reason) is worked out from a few facts: days since the
invitation, hours a question has waited, the last pulse scores. It is stored with its code,
those facts and its English sentence: the API and the webhooks give the English sentence,
while pages and digests word it again here, in the reader's language, from the code and the
facts. A reason stored without its facts (before they were kept) or with a code that has no
wording here reads as its stored English sentence: nothing is ever lost, only untranslated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_babel import gettext, ngettext

Facts = Mapping[str, Any]
Gettext = Callable[..., str]
Ngettext = Callable[..., str]


def _english_gettext(string: str, **variables: Any) -> str:
    return string % variables if variables else string


def _english_ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


# Each wording takes the facts and the two translation functions (named as the extractor
# looks for them, so every sentence below is in the catalogue).


def _invitation_pending(facts: Facts, _: Gettext, ngettext: Ngettext) -> str:
    days = int(facts["days"])
    if days <= 0:
        return _("has not accepted the invitation sent today")
    return ngettext(
        "has not accepted the invitation sent %(num)d day ago",
        "has not accepted the invitation sent %(num)d days ago",
        days,
    )


def _no_sign_in(facts: Facts, _: Gettext, ngettext: Ngettext) -> str:
    days = int(facts["days"])
    if facts.get("seen"):
        return ngettext("not seen for %(num)d day", "not seen for %(num)d days", days)
    return ngettext(
        "not seen since being invited %(num)d day ago",
        "not seen since being invited %(num)d days ago",
        days,
    )


def _unanswered_question(facts: Facts, _: Gettext, ngettext: Ngettext) -> str:
    hours = int(facts["hours"])
    if hours < 72:
        return ngettext(
            "question unanswered for %(num)d hour", "question unanswered for %(num)d hours", hours
        )
    return ngettext(
        "question unanswered for %(num)d day", "question unanswered for %(num)d days", hours // 24
    )


def _pulse_drop(facts: Facts, _: Gettext, ngettext: Ngettext) -> str:
    return _(
        "pulse fell from %(before)d to %(after)d",
        before=int(facts["before"]),
        after=int(facts["after"]),
    )


def _pulse_low(facts: Facts, _: Gettext, ngettext: Ngettext) -> str:
    return _("feels %(score)d of 5 about joining", score=int(facts["score"]))


def _silent_before_joining(facts: Facts, _: Gettext, ngettext: Ngettext) -> str:
    days = int(facts["days"])
    if days <= 0:
        return _("joins today and has signed in but not read, asked or downloaded anything")
    if days == 1:
        return _("joins tomorrow and has signed in but not read, asked or downloaded anything")
    return ngettext(
        "joins in %(num)d day and has signed in but not read, asked or downloaded anything",
        "joins in %(num)d days and has signed in but not read, asked or downloaded anything",
        days,
    )


def _overdue_tasks(facts: Facts, _: Gettext, ngettext: Ngettext) -> str:
    return ngettext("%(num)d task overdue", "%(num)d tasks overdue", int(facts["tasks"]))


WORDINGS: dict[str, Callable[[Facts, Gettext, Ngettext], str]] = {
    "invitation_pending": _invitation_pending,
    "no_sign_in": _no_sign_in,
    "unanswered_question": _unanswered_question,
    "pulse_drop": _pulse_drop,
    "pulse_low": _pulse_low,
    "silent_before_joining": _silent_before_joining,
    "overdue_tasks": _overdue_tasks,
}


def english(code: str, facts: Facts) -> str:
    """The reason's sentence in English, as it is stored and as the API gives it (no
    translation is looked up: it costs nothing per candidate)."""
    return WORDINGS[code](facts, _english_gettext, _english_ngettext)


def in_words(code: str, facts: Facts | None, stored: str) -> str:
    """The reason in the reader's language; `stored` (its English sentence) when its facts
    were not kept or its code has no wording here."""
    wording = WORDINGS.get(code)
    if wording is None or facts is None:
        return stored
    try:
        return wording(facts, gettext, ngettext)
    except (KeyError, TypeError, ValueError):  # facts of another shape: say what was stored
        return stored


def said(reasons: Sequence[Mapping[str, Any]], texts: Sequence[str]) -> list[str]:
    """A status change's reasons in the reader's language: from the `reason_facts` its event
    kept ({"code", "facts"}, in order), else its English `texts` as recorded."""
    if len(reasons) != len(texts):
        return [str(text) for text in texts]
    return [
        in_words(str(reason.get("code", "")), reason.get("facts"), str(text))
        for reason, text in zip(reasons, texts, strict=True)
    ]
