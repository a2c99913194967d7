"""Whole-app tests that span every feature: the access matrix, security, browser audits."""
