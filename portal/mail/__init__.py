"""Every email leaves through here: the queue, the cadence rules that keep candidates from
being flooded, delivery over SMTP, the candidate's mail preference and the dev mailbox.
"""
