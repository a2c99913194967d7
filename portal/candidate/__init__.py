"""What a candidate sees: their own joining details and the people looking after them."""

# Modules below add their routes to `bp` when imported.
from portal.candidate import (
    calendar,  # noqa: E402, F401
    milestones,  # noqa: E402, F401
    news,  # noqa: E402, F401
    preferences,  # noqa: E402, F401
    pulse,  # noqa: E402, F401
    questions,  # noqa: E402, F401
)
from portal.candidate.views import bp

__all__ = ["bp"]
