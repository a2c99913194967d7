"""Tests of portal.mail: the cadence of notifications over a real SMTP server."""
