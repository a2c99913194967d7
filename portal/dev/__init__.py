"""Development only: a mailbox page showing what the portal would have emailed."""

from portal.dev.views import bp

__all__ = ["bp"]
