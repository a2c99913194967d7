"""The JSON API, registered at /api/v1: bearer tokens, problem details, an OpenAPI document."""

from portal.api.views import bp

__all__ = ["bp"]
