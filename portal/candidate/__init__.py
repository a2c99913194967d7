"""What a candidate sees: their own joining details and the people looking after them."""

from portal.candidate.views import bp

__all__ = ["bp"]
