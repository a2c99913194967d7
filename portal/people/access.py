"""Who may see what: the audience blueprints every feature adds its pages to, and the role checks
they apply before any of those pages runs.

The blueprints are thin URL maps (`/candidate`, `/recruiter`, `/hr`, and `account_bp` at the root
for everyone's own pages): each feature registers its own views on them, so a feature's pages for
every audience live in that feature's package.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from portal.core.extensions import login_manager
from portal.people import directory
from portal.people.models import Role, User

candidate_bp = Blueprint("candidate", __name__)
recruiter_bp = Blueprint("recruiter", __name__)
hr_bp = Blueprint("hr", __name__)
# Anyone's own pages, signed in or not (sign-in, invitations, passwords, one's API tokens): no
# prefix and no role guard, each page checks what it needs. Its endpoints are `auth.*`.
account_bp = Blueprint("auth", __name__)

AUDIENCES: tuple[tuple[Blueprint, str], ...] = (
    (candidate_bp, "/candidate"),
    (recruiter_bp, "/recruiter"),
    (hr_bp, "/hr"),
    (account_bp, ""),
)


def require_role(role: Role) -> None:
    """Blueprint guard: anonymous people are sent to sign in, anyone else out of scope gets 404."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if current_user.role != role:
        abort(404)


@candidate_bp.before_request
def _only_candidates() -> None:
    require_role(Role.CANDIDATE)


@recruiter_bp.before_request
def _only_recruiters() -> None:
    require_role(Role.RECRUITER)


@hr_bp.before_request
def _only_hr() -> None:
    require_role(Role.HR)


def home_endpoint(user: User) -> str:
    """Where a person lands after signing in."""
    return {
        Role.CANDIDATE: "candidate.home",
        Role.RECRUITER: "recruiter.home",
        Role.HR: "hr.home",
    }[Role(user.role)]


def person_or_404(user_id: int) -> User:
    """Anyone's account, by id, with their candidate profile if any (HR's pages); else 404."""
    found = directory.person(user_id)
    if found is None:
        abort(404)
    return found


def candidate_or_404(
    candidate_id: int, *, recruiter: User | None = None, covering: bool = False
) -> User:
    """A candidate, with their profile; 404 for anyone else. Given `recruiter`, only one of
    that recruiter's active candidates: another recruiter's candidate is a 404 too. With
    `covering`, also one they are the backup recruiter of (their question thread)."""
    if recruiter is not None and covering:
        found = directory.candidate_in_care_of(recruiter, candidate_id)
    elif recruiter is not None:
        found = directory.candidate_of_recruiter(recruiter, candidate_id)
    else:
        found = directory.person(candidate_id)
    if found is None or found.candidate_profile is None:
        abort(404)
    return found


def signed_in_candidate() -> User:
    """The signed-in candidate, with their profile (404 for an account without one). The
    session's user already carries it (accounts.sessions loads both in one query)."""
    user = current_user._get_current_object()
    if not isinstance(user, User) or user.role != Role.CANDIDATE or user.candidate_profile is None:
        abort(404)
    return user
