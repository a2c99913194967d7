"""Tests of portal.api: the JSON API, by example and property-based."""
