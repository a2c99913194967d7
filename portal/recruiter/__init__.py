"""What a recruiter sees: the candidates assigned to them, and only those."""

from portal.recruiter.views import bp

__all__ = ["bp"]
