"""The joining day and the steps before it: the joining moment, milestones, the calendar file
and the email sent when the joining day changes.
"""
