"""What "unanswered" means, and how soon an answer is promised: defined here once.

A question waits when the candidate wrote it (not removed) after the thread's last reply: an
answer (any message from someone else, not removed) or a closure ("no reply needed",
questions.closures). A bare acknowledgement ("thanks!", "ok 👍": `is_acknowledgement`) that
follows a reply is no question: it waits for nothing. The promise is `RESPONSE_PROMISE_HOURS`
hours of working days, counted in the recruiter's working week (`answer_due`, with the
arithmetic in questions.working_hours): a question still waiting then is overdue, and
engagement counts its candidate at risk. The inbox, the thread pages, the engagement
summaries, status and reasons, the worker's overdue notices and the digests all read both from
here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import BindParameter, ScalarSelect, Select, Subquery, func, or_, select, union_all

from portal.questions import working_hours
from portal.questions.models import Message, ThreadClosure
from portal.questions.working_hours import WorkingWeek

# --- Acknowledgements --------------------------------------------------------------------------

# An acknowledgement has at most this many words (emoji and punctuation are not words).
ACKNOWLEDGEMENT_MAX_WORDS = 6
# The words one thanks or agrees with. Every word of an acknowledgement is one of these, and
# at least one is a thanking or agreeing word (not only "so much", "you", "all").
# fmt: off
_AGREEING = {
    "thanks", "thank", "thx", "thnx", "ty", "tysm", "cheers", "merci", "danke", "gracias",
    "ok", "okay", "k", "kk", "okey", "okie", "great", "perfect", "super", "awesome", "brilliant",
    "excellent", "lovely", "wonderful", "fantastic", "amazing", "nice", "cool", "good", "fine",
    "noted", "understood", "gotcha", "got", "alright", "sure", "yes", "yep", "yeah",
    "appreciated", "appreciate", "helpful", "clear", "wow",
    # German (the portal speaks it): "Vielen Dank!", "Alles klar, danke", "Super, verstanden"
    "dank", "dankeschön", "prima", "perfekt", "toll", "klasse", "klar", "verstanden", "gut",
    "ja", "passt",
}
_FILLER = {
    "you", "so", "much", "very", "a", "lot", "lots", "all", "for", "that", "this", "the", "info",
    "information", "again", "really", "many", "that's", "thats", "it's", "its", "will", "do",
    "oh", "ah", "and", "too", "answer", "reply", "help", "your", "both", "everyone", "team",
    "indeed", "well", "just", "it", "sounds", "now",
    "vielen", "herzlichen", "besten", "alles", "sehr", "für", "die", "ihre", "antwort", "infos",
    "nochmals", "auch", "und", "ihnen", "das",
}
# fmt: on
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _is_symbol(char: str) -> bool:
    """Emoji, punctuation (but "?") and spaces: what may surround an acknowledgement's words."""
    if char == "?":
        return False
    category = unicodedata.category(char)
    return category[0] in "PSZ" or category in ("Mn", "Me", "Cf")  # Cf: joiners in emoji


def is_acknowledgement(text: str | None) -> bool:
    """Whether a candidate's message only thanks or agrees, so that it asks nothing.

    "thanks!", "Thank you so much", "ok 👍", "great, thanks", "🙏" are; anything with a
    question mark, a digit, a word not in the short lists above, or more than
    ACKNOWLEDGEMENT_MAX_WORDS words is a question ("thanks, and the parking?", "ok but when
    do I start"). When in doubt it is a question: a wrongly waiting "thanks" costs a glance,
    a wrongly ignored question costs an answer.
    """
    if not text:
        return False
    flat = unicodedata.normalize("NFKC", text).casefold()
    words = _WORD.findall(flat)
    if len(words) > ACKNOWLEDGEMENT_MAX_WORDS:
        return False
    rest = _WORD.sub(" ", flat)
    if not all(_is_symbol(char) for char in rest):
        return False  # a question mark, a digit, or a letter the word pattern did not take
    words = [word.replace("’", "'") for word in words]
    if not all(word in _AGREEING or word in _FILLER for word in words):
        return False
    return not words or any(word in _AGREEING for word in words)


# --- The answer promise ------------------------------------------------------------------------


def promise_hours() -> int:
    """How many hours candidates are promised an answer within (the one setting)."""
    return current_app.config["RESPONSE_PROMISE_HOURS"]


def response_promise() -> timedelta:
    """The answer promise in plain hours: the least a question waits before it can be overdue
    (a week open every hour gives exactly this). When it *is* overdue is `answer_due`."""
    return timedelta(hours=promise_hours())


def answer_due(waiting_since: datetime | None, week: WorkingWeek) -> datetime | None:
    """When the answer to a question waiting since `waiting_since` is due: the promise's hours
    of working days later, counted in `week` (the recruiter's: working_hours.promise_week).
    None when nothing waits. The one definition of "overdue": `now` past this."""
    if waiting_since is None:
        return None
    return working_hours.deadline(waiting_since, promise_hours(), week)


def is_overdue(waiting_since: datetime | None, week: WorkingWeek, now: datetime) -> bool:
    due = answer_due(waiting_since, week)
    return due is not None and due <= now


# --- What waits --------------------------------------------------------------------------------


# What narrows the aggregates below: ids, a select of them, or an expanding bind parameter
# (a statement built once and run with each call's ids).
Scope = ScalarSelect[int] | Select[Any] | BindParameter[Any] | Iterable[int] | None


def last_replies(scope: Scope = None) -> Subquery:
    """Per candidate whose thread has a reply: the id of the last one (`last_reply_id`), an
    answer's own id or the last message a closure covers. `scope` as for waiting_questions."""
    answers = select(
        Message.candidate_id.label("candidate_id"), Message.id.label("reply_id")
    ).where(Message.author_id != Message.candidate_id, Message.removed_at.is_(None))
    closures = select(
        ThreadClosure.candidate_id.label("candidate_id"),
        ThreadClosure.through_message_id.label("reply_id"),
    )
    if scope is not None:
        answers = answers.where(Message.candidate_id.in_(scope))
        closures = closures.where(ThreadClosure.candidate_id.in_(scope))
    replies = union_all(answers, closures).subquery("replies")
    return (
        select(replies.c.candidate_id, func.max(replies.c.reply_id).label("last_reply_id"))
        .group_by(replies.c.candidate_id)
        .subquery("last_replies")
    )


def waiting_questions(scope: Scope = None) -> Subquery:
    """Per candidate with questions awaiting an answer: `candidate_id`, how many (`unanswered`),
    when the oldest was asked (`waiting_since`) and its id (`first_waiting_id`).

    `scope` (ids, a select of them, or an expanding bind parameter) narrows the aggregate to
    those candidates' threads; join the result with an outer join: a candidate with nothing
    waiting has no row.
    """
    replies = last_replies(scope)
    query = (
        select(
            Message.candidate_id.label("candidate_id"),
            func.count(Message.id).label("unanswered"),
            func.min(Message.created_at).label("waiting_since"),
            func.min(Message.id).label("first_waiting_id"),
        )
        .outerjoin(replies, replies.c.candidate_id == Message.candidate_id)
        .where(
            Message.author_id == Message.candidate_id,
            Message.removed_at.is_(None),
            Message.id > func.coalesce(replies.c.last_reply_id, 0),
            # Thanks after a reply asks nothing; before any reply, it still wants a hello.
            or_(Message.acknowledgement.is_(False), replies.c.last_reply_id.is_(None)),
        )
        .group_by(Message.candidate_id)
    )
    if scope is not None:
        query = query.where(Message.candidate_id.in_(scope))
    return query.subquery("waiting_questions")


def waits(message: Message, last_reply_id: int | None) -> bool:
    """The same rule for one message the caller holds, given its thread's last reply before
    it (an answer's id, or what a closure covers; None for none)."""
    return (
        message.author_id == message.candidate_id
        and message.removed_at is None
        and message.id > (last_reply_id or 0)
        and not (message.acknowledgement and last_reply_id is not None)
    )
