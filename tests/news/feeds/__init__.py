"""Tests of portal.news.feeds: config, fetch, parse, sanitise, store, refresh."""
