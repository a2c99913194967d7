"""Tests of portal.core: the database set-up (SQLite, migrations) and concurrency on it."""
