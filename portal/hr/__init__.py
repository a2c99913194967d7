"""What HR sees: everyone, and the tools to invite, edit and deactivate them."""

# Modules below add their routes to `bp` when imported.
from portal.hr import (
    engagement,  # noqa: E402, F401
    news,  # noqa: E402, F401
    questions,  # noqa: E402, F401
    timeline,  # noqa: E402, F401
    webhooks,  # noqa: E402, F401
)
from portal.hr.views import bp

__all__ = ["bp"]
