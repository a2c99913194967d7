"""Tests of portal.webhooks: delivery to a real receiver, and deliverers as processes."""
