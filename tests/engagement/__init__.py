"""Tests of portal.engagement: statuses, dashboards, digests, the pulse check, retention."""
