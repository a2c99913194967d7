"""Tests of portal.demo: the demo data, loaded through its command."""
