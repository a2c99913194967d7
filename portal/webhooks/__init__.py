"""Signed webhooks for other systems: endpoints, the outbox written with each change, delivery
with retries, and HR's pages.
"""
