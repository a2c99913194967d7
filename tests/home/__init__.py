"""Tests of portal.home: the candidate home and its countdown."""
