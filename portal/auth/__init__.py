"""Signing in and out, invitations, passwords: the pages anyone may reach."""

from portal.auth import api_tokens as _api_tokens  # noqa: F401 - adds its pages to bp
from portal.auth.views import bp

__all__ = ["bp"]
