"""Tests of portal.worker: its jobs, leases, signals, and `make run`."""
