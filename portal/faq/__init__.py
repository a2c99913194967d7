"""The company FAQ: every signed-in person reads it; recruiters and HR write it."""

from portal.faq.views import bp

__all__ = ["bp"]
