"""What a recruiter sees: the candidates assigned to them, and only those."""

# Modules below add their routes to `bp` when imported.
from portal.recruiter import questions  # noqa: E402, F401
from portal.recruiter.views import bp

__all__ = ["bp"]
