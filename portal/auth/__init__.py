"""Signing in and out, invitations, passwords: the pages anyone may reach."""

from portal.auth.views import bp

__all__ = ["bp"]
