"""Business logic. Nothing here knows about requests; callers own the commit."""
