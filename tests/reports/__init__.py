"""Tests of portal.reports: the figures, the calibration, the charts, the pages and their CSV."""
