"""How people get in: invitations, sign-in, passwords, sessions, single-use links, throttles,
and HR's pages for adding, editing and deactivating people.
"""
