"""Tests of portal.events: engagement events recorded where candidates act."""
