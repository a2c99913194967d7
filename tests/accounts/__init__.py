"""Tests of portal.accounts: sign-in, sessions, throttling, invitations, the users command."""
