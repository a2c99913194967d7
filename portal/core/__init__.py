"""Shared plumbing every feature uses and that knows no feature: the app builder, configuration,
the database and its extensions, the clock, absolute links, error pages, security headers,
template helpers, shared form fields and the outbound HTTP client.
"""
