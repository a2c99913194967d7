"""The JSON API at /api/v1: bearer tokens, problem details, an OpenAPI document."""
