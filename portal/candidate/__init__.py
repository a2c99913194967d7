"""What a candidate sees: their own joining details and the people looking after them."""

from portal.candidate.views import bp

# Modules below add their routes to `bp` when imported.

__all__ = ["bp"]
