"""Tests of portal.timeline: milestones, their pages, the joining day's calendar."""
