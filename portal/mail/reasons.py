"""Why a message was parked or not sent, recorded in English and read in the reader's language.

A parked message keeps why it could not go (`OutgoingEmail.last_error`) and a dropped one why
it was decided against (`drop_reason`); HR reads both on the mail page, in their language. So
the portal's own sentences are stored as they are written in the source (English, the
message id of their translation) and translated when shown (`reason_words`): a recheck's
`Drop` reason is such a sentence, marked `N_("…")`; a failure's sentence ends in what the mail
server or the library said (`detail`), which stays as it was said.
"""

from __future__ import annotations

import re
from typing import Final

from portal.core.i18n import N_, _, ngettext

# A failure: the portal's sentence, then what was said (an SMTP answer, an exception).
NOT_BUILT: Final = N_("The message could not be built: %(detail)s")
CHECK_FAILED: Final = N_("Checking the message before sending it failed: %(detail)s")
RECIPIENT_REFUSED: Final = N_("The mail server refused the recipient: %(detail)s")
MESSAGE_REFUSED: Final = N_("The mail server refused the message: %(detail)s")
CANNOT_TAKE: Final = N_("The mail server cannot take this message: %(detail)s")
UNREACHABLE: Final = N_("The mail server could not be reached: %(detail)s")
NOT_WRITTEN: Final = N_("The message could not be written out: %(detail)s")
FAILURES: Final = (
    NOT_BUILT,
    CHECK_FAILED,
    RECIPIENT_REFUSED,
    MESSAGE_REFUSED,
    CANNOT_TAKE,
    UNREACHABLE,
    NOT_WRITTEN,
)
UNWANTED: Final = N_(
    "The candidate no longer wants these emails (their mail preference changed, or their "
    "account was closed)."
)
_TRIED = re.compile(r"^Tried (\d+) times; the last time: (.*)$", re.DOTALL)


def failure(sentence: str, detail: object) -> str:
    """One of FAILURES with what was said, as it is stored (English)."""
    return sentence % {"detail": detail}


def tried(attempts: int, last: str) -> str:
    """A message given up on after `attempts` tries, as it is stored (English)."""
    return f"Tried {attempts} times; the last time: {last}"


def reason_words(reason: str | None) -> str:
    """A recorded reason in the reader's language: the portal's sentences translated, what a
    mail server said kept as it said it, anything else (recorded by an older version) as
    recorded."""
    if not reason:
        return _("No reason was recorded.")
    found = _TRIED.match(reason)
    if found:
        attempts = int(found.group(1))
        return ngettext(
            "Tried %(num)d time; the last time: %(reason)s",
            "Tried %(num)d times; the last time: %(reason)s",
            attempts,
            reason=reason_words(found.group(2)),
        )
    for sentence in FAILURES:
        start = sentence.split("%(detail)s")[0]
        if reason.startswith(start):
            return _(sentence, detail=reason[len(start) :])
    return _(reason)
