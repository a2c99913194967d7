"""What a recruiter sees: the candidates assigned to them, and only those."""

from portal.recruiter.views import bp

# Modules below add their routes to `bp` when imported.

__all__ = ["bp"]
