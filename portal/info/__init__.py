"""Public pages about the portal itself, for anyone (signed in or not)."""

from portal.info.views import bp

__all__ = ["bp"]
