"""What HR sees: everyone, and the tools to invite, edit and deactivate them."""

from portal.hr.views import bp

# Modules below add their routes to `bp` when imported.

__all__ = ["bp"]
