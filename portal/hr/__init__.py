"""What HR sees: everyone, and the tools to invite, edit and deactivate them."""

from portal.hr.views import bp

__all__ = ["bp"]
