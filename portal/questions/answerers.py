"""Who may write in a candidate's thread, in what capacity, and how their answers are signed.

The candidate asks. Their recruiter answers; so may the backup recruiter HR named for them
(CandidateProfile.backup_recruiter_id: "covering for" the recruiter), the colleague covering
while the recruiter is away (questions.cover, for as long as the absence lasts) and any HR
person (for an overdue question while the recruiter is away). Each answer keeps the capacity
it was written in, so the thread and the answer email say who answered: "Ana Ruiz,
recruiter", "Sam Lee, HR", "Bo Chen, covering for Ana Ruiz".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.core.i18n import _
from portal.people.models import Role, User
from portal.questions import cover
from portal.questions.models import Message


class Answerer(StrEnum):
    """The capacity staff write in (Message.answered_as)."""

    RECRUITER = "recruiter"
    BACKUP = "backup"
    HR = "hr"


def capacity(author: User, candidate: User) -> Answerer | None:
    """In what capacity `author` may answer `candidate`'s thread; None if they may not (the
    candidate themselves included: they ask)."""
    profile = candidate.candidate_profile
    if profile is None or not candidate.is_active or not author.is_active:
        return None
    if author.role == Role.HR:
        return Answerer.HR
    if author.role != Role.RECRUITER:
        return None
    if profile.recruiter_id == author.id:
        return Answerer.RECRUITER
    if profile.backup_recruiter_id == author.id:
        return Answerer.BACKUP
    if cover.covers_now(author.id, profile.recruiter_id):
        return Answerer.BACKUP
    return None


def may_write(author: User, candidate: User) -> bool:
    """The candidate in their own thread, or someone who may answer it (`capacity`)."""
    if author.id == candidate.id:
        return (
            candidate.candidate_profile is not None
            and candidate.is_active
            and candidate.role == Role.CANDIDATE
        )
    return capacity(author, candidate) is not None


def covering_for(candidate: User, answerer: Answerer | None) -> User | None:
    """The recruiter a backup answers for (named beside the answer), else None."""
    if answerer != Answerer.BACKUP:
        return None
    return candidate.candidate_profile.recruiter if candidate.candidate_profile else None


@dataclass(frozen=True)
class Signature:
    """Who wrote a message: their name and, for staff, in what capacity (`role`: "recruiter",
    "hr", "backup" covering for `covered`, the recruiter's name; "" for the candidate's own
    messages). Said in the reader's language when it is shown."""

    name: str
    role: str = ""
    covered: str | None = None

    @property
    def capacity(self) -> str:
        """ "recruiter", "HR", "covering for Ana Ruiz"; empty for the candidate."""
        if self.role == Answerer.HR:
            return _("HR")
        if self.role == Answerer.BACKUP:
            if self.covered is None:
                return _("covering for a colleague")
            return _("covering for %(name)s", name=self.covered)
        if self.role == Answerer.RECRUITER:
            return _("recruiter")
        return ""

    @property
    def covering(self) -> bool:
        """Whether it was written covering for the candidate's recruiter."""
        return self.role == Answerer.BACKUP

    def __str__(self) -> str:
        """As a line of the thread: "Ana Ruiz, recruiter"."""
        capacity = self.capacity
        return (
            _("%(name)s, %(capacity)s", name=self.name, capacity=capacity)
            if capacity
            else self.name
        )

    @property
    def in_email(self) -> str:
        """As an email says it to the candidate: "Ana Ruiz (your recruiter)"."""
        if not self.role:
            return self.name
        if self.role == Answerer.RECRUITER:
            return _("%(name)s (your recruiter)", name=self.name)
        return _("%(name)s (%(capacity)s)", name=self.name, capacity=self.capacity)


def former_colleague() -> Signature:
    """The author of a message whose account was deleted."""
    return Signature(_("A former colleague"))


def signature(message: Message) -> Signature:
    """Who wrote the message, as the thread and the answer email name them. Answers written
    before capacities were recorded say the author's role now."""
    author = message.author
    if author is None:
        return former_colleague()
    if message.author_id == message.candidate_id:
        return Signature(author.name)
    written_as = message.answered_as or (
        Answerer.HR if author.role == Role.HR else Answerer.RECRUITER
    )
    if written_as == Answerer.BACKUP:
        covered = message.covering_for
        return Signature(author.name, Answerer.BACKUP, covered.name if covered else None)
    return Signature(author.name, Answerer.HR if written_as == Answerer.HR else Answerer.RECRUITER)


def signature_of(person: User | None, candidate: User) -> Signature:
    """Who someone is to the candidate's thread now (who closed it, say): "Alice Martin",
    "Ana Ruiz, recruiter", "Sam Lee, HR", "Bo Chen, covering for Ana Ruiz"."""
    if person is None:
        return former_colleague()
    if person.id == candidate.id:
        return Signature(person.name)
    if person.role == Role.HR:
        return Signature(person.name, Answerer.HR)
    covered = covering_for(candidate, capacity(person, candidate))
    if covered is not None:
        return Signature(person.name, Answerer.BACKUP, covered.name)
    return Signature(person.name, Answerer.RECRUITER)
