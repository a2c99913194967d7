"""Tests of portal.outcomes: recording, the worker's "joined", the facts before an outcome."""
